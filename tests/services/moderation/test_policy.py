"""Output policy per Rekognition category (services/image_policy.py): parse, decide and blur."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageStat

from services.core.job import ModerationLabel
from services.moderation.image import ImageModerator
from services.moderation.policy import TAXONOMY_V7_TOP_LEVEL, ImagePolicy, PolicyDecision, blur
from tests.servers.aws_emulator import AwsEmulator

SPEC = "Explicit=block,Swimwear or Underwear=blur,Alcohol=allow"


def _label(
    name: str, parent: str = "", confidence: float = 90.0, level: int | None = None
) -> ModerationLabel:
    return ModerationLabel(name=name, parent_name=parent, confidence=confidence, taxonomy_level=level)


# Rekognition returns the whole hierarchy of a detected label, deepest last.
EXPOSED = [
    _label("Explicit", level=1),
    _label("Explicit Nudity", "Explicit", level=2),
    _label("Exposed Female Nipple", "Explicit Nudity", level=3),
]
SWIMWEAR = [
    _label("Swimwear or Underwear", level=1),
    _label("Female Swimwear or Underwear", "Swimwear or Underwear", level=2),
]
BEER = [_label("Alcohol", level=1), _label("Alcoholic Beverages", "Alcohol", level=2)]


# --- parse ---------------------------------------------------------------------------------------------


def test_parse_maps_each_category_case_insensitively() -> None:
    policy = ImagePolicy.parse(" explicit = BLOCK ,swimwear  OR underwear=Blur,  Alcohol=allow, ")

    assert policy.action_for("Explicit") == "block"
    assert policy.action_for("Swimwear or Underwear") == "blur"
    assert policy.action_for("alcohol") == "allow"
    assert policy.action_for("Violence") == "block"  # not named: the default
    assert policy.min_confidence == 50.0


def test_parse_passes_default_and_confidence_through() -> None:
    policy = ImagePolicy.parse("Explicit=block", default="blur", min_confidence=80)

    assert policy.action_for("Gambling") == "blur"
    assert policy.min_confidence == 80


def test_empty_spec_applies_the_default_to_everything() -> None:
    policy = ImagePolicy.parse("", default="allow")

    assert all(policy.action_for(name) == "allow" for name in TAXONOMY_V7_TOP_LEVEL)


def test_parse_names_every_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown moderation categories") as raised:
        ImagePolicy.parse("Nudity=block,Explicit=block,Weapons=blur")

    assert "'Nudity'" in str(raised.value)
    assert "'Weapons'" in str(raised.value)
    assert "'Explicit'" not in str(raised.value).split(";")[0]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("Explicit", "expected 'Category=action'", id="no equals sign"),
        pytest.param("=block", "expected 'Category=action'", id="no name"),
        pytest.param("Explicit=hide", "must be one of", id="unknown action"),
        pytest.param("Explicit=block,explicit=blur", "given twice", id="duplicate"),
    ],
)
def test_parse_rejects_malformed_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImagePolicy.parse(spec)


def test_constructor_validates_its_arguments() -> None:
    assert ImagePolicy({"violence": "blur"}).action_for("Violence") == "blur"
    with pytest.raises(ValueError, match="Gore"):
        ImagePolicy({"Gore": "blur"})
    with pytest.raises(ValueError, match="actions must be one of"):
        ImagePolicy({"Violence": "hide"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="default action"):
        ImagePolicy({}, default="post")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_confidence"):
        ImagePolicy({}, min_confidence=101)


# --- decide ----------------------------------------------------------------------------------------------


@pytest.fixture
def policy() -> ImagePolicy:
    return ImagePolicy.parse(SPEC)


def test_no_labels_posts(policy: ImagePolicy) -> None:
    assert policy.decide([]) == PolicyDecision(action="post", categories=[])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param(
            SWIMWEAR, PolicyDecision(action="blur", categories=["Swimwear or Underwear"]), id="blur"
        ),
        pytest.param(EXPOSED, PolicyDecision(action="block", categories=["Explicit"]), id="block"),
        pytest.param(BEER, PolicyDecision(action="post", categories=["Alcohol"]), id="allowed"),
        pytest.param(
            [*BEER, *SWIMWEAR],
            PolicyDecision(action="blur", categories=["Swimwear or Underwear"]),
            id="blur beats allow",
        ),
        pytest.param(
            [*SWIMWEAR, *BEER, *EXPOSED],
            PolicyDecision(action="block", categories=["Explicit"]),
            id="block beats blur",
        ),
        pytest.param(
            [_label("Violence"), _label("Gambling")],
            PolicyDecision(action="block", categories=["Violence", "Gambling"]),
            id="default for unnamed categories",
        ),
    ],
)
def test_strictest_action_wins(
    policy: ImagePolicy, labels: list[ModerationLabel], expected: PolicyDecision
) -> None:
    assert policy.decide(labels) == expected


def test_deep_labels_count_under_their_top_level_category(policy: ImagePolicy) -> None:
    # Only the level-3 label clears the bar; its parents are used to find its category.
    labels = [
        _label("Explicit", confidence=40),
        _label("Explicit Nudity", "Explicit", confidence=45),
        _label("Exposed Female Nipple", "Explicit Nudity", confidence=60),
    ]

    assert policy.decide(labels) == PolicyDecision(action="block", categories=["Explicit"])


def test_missing_parent_uses_the_parent_name() -> None:
    policy = ImagePolicy.parse("Swimwear or Underwear=blur", default="allow")

    orphan = [_label("Female Swimwear or Underwear", "Swimwear or Underwear")]
    deeper = [_label("Exposed Female Nipple", "Explicit Nudity")]  # level 2 missing too

    assert policy.decide(orphan) == PolicyDecision(action="blur", categories=["Swimwear or Underwear"])
    # "Explicit Nudity" is not a top-level name, so it falls to the default action.
    assert policy.decide(deeper) == PolicyDecision(action="post", categories=["Explicit Nudity"])


def test_confidence_threshold_is_inclusive() -> None:
    policy = ImagePolicy.parse(SPEC, min_confidence=70)

    assert policy.decide([_label("Explicit", confidence=69.9)]).action == "post"
    assert policy.decide([_label("Explicit", confidence=70.0)]).action == "block"


def test_unknown_top_level_name_gets_the_default(policy: ImagePolicy) -> None:
    # Taxonomy v6 called this level-1 category "Explicit Nudity".
    assert policy.decide([_label("Explicit Nudity")]) == PolicyDecision(
        action="block", categories=["Explicit Nudity"]
    )


def test_parent_cycle_terminates(policy: ImagePolicy) -> None:
    labels = [_label("A", "B"), _label("B", "A")]

    assert policy.decide(labels).action == "block"


def test_decides_on_a_rekognition_answer(aws: AwsEmulator, policy: ImagePolicy) -> None:
    answer: dict[str, Any] = {
        "ModerationLabels": [
            {"Confidence": 98.2, "Name": "Swimwear or Underwear", "ParentName": "", "TaxonomyLevel": 1},
            {
                "Confidence": 98.2,
                "Name": "Female Swimwear or Underwear",
                "ParentName": "Swimwear or Underwear",
                "TaxonomyLevel": 2,
            },
            {"Confidence": 61.5, "Name": "Alcohol", "ParentName": "", "TaxonomyLevel": 1},
            {"Confidence": 61.5, "Name": "Alcoholic Beverages", "ParentName": "Alcohol", "TaxonomyLevel": 2},
        ],
        "ModerationModelVersion": "7.0",
        "ContentTypes": [{"Confidence": 88.0, "Name": "Illustrated"}],
    }
    aws.push("DetectModerationLabels", answer)
    rekognition = boto3.client("rekognition", region_name="us-east-1")

    verdict = ImageModerator(rekognition, min_confidence=policy.min_confidence).check(_png(_solid(64, 64)))

    assert policy.decide(verdict.labels) == PolicyDecision(
        action="blur", categories=["Swimwear or Underwear"]
    )


# --- blur --------------------------------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _solid(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), (200, 120, 40))


def _grey(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.convert("L")


def _stddev(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.convert("L")).stddev[0])


def _edge_energy(image: Image.Image) -> float:
    """Mean FIND_EDGES response, without the 1 px border that Pillow's 3x3 kernels leave unfiltered."""
    edges = image.convert("L").filter(ImageFilter.FIND_EDGES)
    return float(ImageStat.Stat(edges.crop((1, 1, edges.width - 1, edges.height - 1))).mean[0])


def _checkerboard(width: int, height: int, square: int) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for top in range(0, height, square):
        for left in range(0, width, square):
            if (left // square + top // square) % 2:
                draw.rectangle((left, top, left + square - 1, top + square - 1), fill="black")
    return image


def _text(word: str) -> Image.Image:
    # Pillow's built-in bitmap font, scaled up 8x: bold black letters about 90 px tall.
    small = Image.new("RGB", (80, 20), "white")
    ImageDraw.Draw(small).text((2, 4), word, fill="black")
    return small.resize((640, 160), Image.Resampling.NEAREST)


def test_blur_flattens_a_checkerboard() -> None:
    original = _checkerboard(600, 400, 20)

    blurred = _grey(blur(_png(original)))

    assert blurred.size == original.size
    assert _stddev(original) > 120
    assert _stddev(blurred) < _stddev(original) / 20
    assert _edge_energy(blurred) < _edge_energy(original) / 10


def test_blur_makes_text_unreadable() -> None:
    original = _text("SECRET")

    blurred = _grey(blur(_png(original)))

    assert blurred.size == original.size
    assert _stddev(blurred) < _stddev(original) / 3
    # Letter strokes are all edges; after blurring over 90 % of that structure is gone.
    assert _edge_energy(blurred) < _edge_energy(original) / 10


def test_blur_accepts_other_modes_and_formats() -> None:
    jpeg = io.BytesIO()
    _checkerboard(300, 500, 10).save(jpeg, "JPEG")
    rgba = Image.new("RGBA", (48, 32), (10, 200, 30, 128))
    palette = _checkerboard(64, 64, 8).convert("P")

    assert _grey(blur(jpeg.getvalue())).size == (300, 500)
    assert _grey(blur(_png(rgba))).size == (48, 32)
    assert _grey(blur(_png(palette))).size == (64, 64)
    assert _grey(blur(_png(_solid(3, 2)))).size == (3, 2)


def test_policy_exposes_blur() -> None:
    data = _png(_checkerboard(120, 80, 10))

    assert ImagePolicy.blur(data) == blur(data)
