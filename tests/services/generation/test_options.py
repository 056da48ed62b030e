"""Options typed after the request text (services/options.py), against the real adapters."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import InputRejected
from services.core.job import GenerationOptions
from services.core.text import Language
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, TITAN_SIZES, AmazonImageModel
from services.generation.image_models.base import ImageModel
from services.generation.image_models.stability import SD3_LARGE, STABLE_IMAGE, StableDiffusionXL, StableImage
from services.generation.options import (
    MAX_NEGATIVE_CHARS,
    ParsedRequest,
    allowed_ratios,
    allowed_sizes,
    describe_sizes,
    option_names,
    parse_request,
    resolve_size,
)
from services.slack.messages import t


class NoCalls:
    """A Bedrock client stand-in: parsing must never reach a model."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the parser used the client ({name})")


MODELS: dict[str, ImageModel] = {
    "nova": AmazonImageModel(NoCalls(), "amazon.nova-canvas-v1:0", NOVA_CANVAS),
    "titan": AmazonImageModel(NoCalls(), "amazon.titan-image-generator-v2:0", TITAN_IMAGE),
    "sdxl": StableDiffusionXL(NoCalls(), "stability.stable-diffusion-xl-v1"),
    "sd3": StableImage(NoCalls(), "stability.sd3-5-large-v1:0", SD3_LARGE),
    "core": StableImage(NoCalls(), "stability.stable-image-core-v1:1", STABLE_IMAGE),
}
SD3_RATIOS = "16:9, 1:1, 21:9, 2:3, 3:2, 4:5, 5:4, 9:16, 9:21"
KNOWN = "--seed, --cfg, --ar, --size, --style, --no, --model, --n, --preset"


def parse(raw: str, *, base: GenerationOptions | None = None, max_candidates: int = 4) -> ParsedRequest:
    return parse_request(raw, MODELS, "nova", max_candidates=max_candidates, base=base)


def rejected(raw: str, **kwargs: Any) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        parse(raw, **kwargs)
    return caught.value


# --- the whole request ---------------------------------------------------------------------------


def test_the_documented_example() -> None:
    parsed = parse("夜の海にオーロラ --seed 42 --cfg 9 --ar 16:9 --no 人物 --model nova --n 4")

    assert parsed == ParsedRequest(
        text="夜の海にオーロラ",
        options=GenerationOptions(
            seed=42, cfg_scale=9.0, width=1472, height=832, negative="人物", model="nova", candidates=4
        ),
    )


def test_text_without_options_is_only_whitespace_normalised() -> None:
    parsed = parse("  屋根の上の\n猫　と  月  ")

    assert parsed.text == "屋根の上の 猫 と 月"
    assert parsed.options == GenerationOptions(model="nova")
    assert parsed.help is False


def test_text_around_and_between_options_is_kept_in_order() -> None:
    parsed = parse("--seed 1 夜の海 --cfg 5 オーロラ")

    assert parsed.text == "夜の海 オーロラ"
    assert (parsed.options.seed, parsed.options.cfg_scale) == (1, 5.0)


def test_free_text_is_not_nfkc_normalised() -> None:
    assert parse("ＡＢＣ　の看板 １２３ --seed １").text == "ＡＢＣ の看板 １２３"


def test_options_alone_leave_an_empty_text() -> None:
    parsed = parse("--seed 3")

    assert parsed.text == ""
    assert parsed.options.seed == 3


def test_default_model_must_be_enabled() -> None:
    with pytest.raises(ValueError, match="dall-e"):
        parse_request("猫", MODELS, "dall-e", max_candidates=4)


# --- --seed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seed"),
    [
        ("猫 --seed 0", 0),
        ("猫 --seed 858993459", NOVA_CANVAS.seed_max),
        ("猫 --seed 2147483646 --model titan", 2_147_483_646),
        ("猫 --seed 4294967294 --model sd3", 4_294_967_294),
        ("猫 --seed +7", 7),
    ],
)
def test_seed_within_the_models_range(raw: str, seed: int) -> None:
    assert parse(raw).options.seed == seed


def test_seed_above_the_models_range() -> None:
    error = rejected("猫 --seed 858993460")

    assert error.kind == "option.out_of_range"
    assert error.details == {
        "option": "--seed",
        "value": "858993460",
        "low": "0",
        "high": "858993459",
    }


def test_seed_range_follows_the_chosen_model() -> None:
    assert parse("猫 --seed 2000000000 --model titan").options.seed == 2_000_000_000
    assert rejected("猫 --seed 2000000000").details["high"] == "858993459"


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "４２abc"])
def test_seed_that_is_not_an_integer(value: str) -> None:
    error = rejected(f"猫 --seed {value}")

    assert error.kind == "option.bad_number"
    assert error.details == {"option": "--seed", "value": value}


def test_negative_seed_is_out_of_range() -> None:
    error = rejected("猫 --seed -1")

    assert error.kind == "option.out_of_range"
    assert error.details["low"] == "0"


# --- --cfg ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cfg"),
    [
        ("猫 --cfg 1.1", 1.1),
        ("猫 --cfg 10", 10.0),
        ("猫 --cfg ６．５", 6.5),
        ("猫 --cfg .5 --model sdxl", 0.5),
        ("猫 --cfg 0 --model sdxl", 0.0),
        ("猫 --cfg 35 --model sdxl", 35.0),
        ("猫 --cfg 8 --model titan", 8.0),
    ],
)
def test_cfg_within_the_models_range(raw: str, cfg: float) -> None:
    assert parse(raw).options.cfg_scale == cfg


@pytest.mark.parametrize(("value", "low", "high"), [("1.0", "1.1", "10"), ("10.5", "1.1", "10")])
def test_cfg_outside_novas_range(value: str, low: str, high: str) -> None:
    error = rejected(f"猫 --cfg {value}")

    assert error.kind == "option.out_of_range"
    assert error.details == {"option": "--cfg", "value": value, "low": low, "high": high}


def test_cfg_is_checked_against_a_model_named_later() -> None:
    assert parse("猫 --cfg 20 --model sdxl").options.cfg_scale == 20.0
    assert rejected("猫 --cfg 20").kind == "option.out_of_range"


@pytest.mark.parametrize("value", ["high", "nan", "inf", "1,5"])
def test_cfg_that_is_not_a_number(value: str) -> None:
    error = rejected(f"猫 --cfg {value}")

    assert error.kind == "option.bad_number"
    assert error.details == {"option": "--cfg", "value": value}


@pytest.mark.parametrize("alias", ["sd3", "core"])
def test_cfg_on_a_model_without_cfg(alias: str) -> None:
    error = rejected(f"猫 --cfg 5 --model {alias}")

    assert error.kind == "option.no_cfg"
    assert error.details == {"model": alias}


# --- --ar -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        # Nova: about one megapixel in the ratio, multiples of 64.
        ("猫 --ar 1:1", (1024, 1024)),
        ("猫 --ar 16:9", (1472, 832)),
        ("猫 --ar 9:16", (832, 1472)),
        ("猫 --ar 4:3", (1280, 960)),
        ("猫 --ar 4:1", (2048, 512)),
        ("猫 --ar 1.91:1", (1472, 768)),
        # Titan: a listed size in that ratio, the largest when several are exact.
        ("猫 --ar 1:1 --model titan", (1024, 1024)),
        ("猫 --ar 16:9 --model titan", (1152, 640)),
        ("猫 --ar 9:5 --model titan", (1152, 640)),
        ("猫 --ar 2:3 --model titan", (768, 1152)),
        # SDXL: 1344x768 is 7:4, within 2 % of 16:9.
        ("猫 --ar 16:9 --model sdxl", (1344, 768)),
        ("猫 --ar 3:2 --model sdxl", (1216, 832)),
        ("猫 --ar 21:9 --model sdxl", (1536, 640)),
        ("猫 --ar 1:1 --model sdxl", (1024, 1024)),
        # SD3 and Core: a listed ratio, reduced first.
        ("猫 --ar 16:9 --model sd3", (1344, 768)),
        ("猫 --ar 32:18 --model sd3", (1344, 768)),
        ("猫 --ar 9:21 --model core", (640, 1536)),
        ("猫 --ar 4:5 --model core", (896, 1088)),
    ],
)
def test_aspect_ratio_per_model_family(raw: str, size: tuple[int, int]) -> None:
    options = parse(raw).options

    assert (options.width, options.height) == size


@pytest.mark.parametrize("value", ["１６：９", "16：9", "16x9", "16×9"])
def test_aspect_ratio_in_full_width_and_other_spellings(value: str) -> None:
    options = parse(f"猫 --ar {value} --model sd3").options

    assert (options.width, options.height) == (1344, 768)


def test_aspect_ratio_split_by_a_space_is_not_misread() -> None:
    error = rejected("猫 --ar 16 :9")

    assert error.kind == "option.bad_ratio"
    assert error.details["value"] == "16"


@pytest.mark.parametrize(
    ("alias", "value", "allowed"),
    [
        ("sd3", "4:3", SD3_RATIOS),
        ("core", "1:2", SD3_RATIOS),
        ("titan", "4:3", "1:1, 2:3, 3:2, 3:5, 5:3, 7:9, 9:7, 6:11, 11:6, 5:11, 11:5, 9:5"),
        ("sdxl", "2:1", "1:1, 9:7, 19:13, 7:4, 12:5, 5:12, 4:7, 13:19, 7:9"),
        ("nova", "5:1", "1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9, 9:21"),
        ("nova", "wide", "1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9, 9:21"),
        ("nova", "0:1", "1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9, 9:21"),
    ],
)
def test_aspect_ratio_the_model_cannot_make(alias: str, value: str, allowed: str) -> None:
    error = rejected(f"猫 --ar {value} --model {alias}")

    assert error.kind == "option.bad_ratio"
    assert error.details == {"value": value, "allowed": allowed}


# --- --size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("猫 --size 1024x1024 --model titan", (1024, 1024)),
        ("猫 --size 1173x640 --model titan", (1173, 640)),
        ("猫 --size 1344x768 --model sdxl", (1344, 768)),
        ("猫 --size 1280x720", (1280, 720)),
        ("猫 --size 2048X512", (2048, 512)),
        ("猫 --size 1024×1024", (1024, 1024)),
        ("猫 --size １０２４ｘ１０２４", (1024, 1024)),
        ("猫 --size=768*1344 --model sdxl", (768, 1344)),
    ],
)
def test_size_the_model_makes(raw: str, size: tuple[int, int]) -> None:
    options = parse(raw).options

    assert (options.width, options.height) == size


def test_size_not_in_titans_list_names_every_listed_size() -> None:
    error = rejected("猫 --size 1000x1000 --model titan")

    assert error.kind == "option.bad_size"
    assert error.details["value"] == "1000x1000"
    assert str(error.details["allowed"]).split(", ") == [f"{w}x{h}" for w, h in TITAN_SIZES]


@pytest.mark.parametrize("value", ["1000x1000", "5000x5000", "1024x200", "big"])
def test_size_nova_refuses(value: str) -> None:
    error = rejected(f"猫 --size {value}")

    assert error.kind == "option.bad_size"
    assert error.details["value"] == value
    assert str(error.details["allowed"]).startswith("1024x1024, 1472x832, 832x1472, ")
    assert str(error.details["allowed"]).endswith(", …")


@pytest.mark.parametrize("alias", ["sd3", "core"])
def test_size_on_a_ratio_model_suggests_ar(alias: str) -> None:
    error = rejected(f"猫 --size 1024x1024 --model {alias}")

    assert error.kind == "option.size_by_ratio"
    assert error.details == {"value": "1024x1024", "allowed": SD3_RATIOS}


# --- --style, --model, --n, --preset --------------------------------------------------------------


@pytest.mark.parametrize(("value", "style"), [("watercolor", "watercolor"), ("Flat-Design", "flat-design")])
def test_style_by_name(value: str, style: str) -> None:
    assert parse(f"猫 --style {value}").options.style == style


def test_unknown_style_lists_the_styles() -> None:
    error = rejected("猫 --style oil")

    assert error.kind == "option.unknown_style"
    assert error.details == {
        "value": "oil",
        "allowed": "landscape, photo, illustration, watercolor, flat-design",
    }


@pytest.mark.parametrize(
    ("value", "alias"),
    [("titan", "titan"), ("SDXL", "sdxl"), ("ｓｄ３", "sd3"), ("stability.stable-image-core-v1:1", "core")],
)
def test_model_by_alias_or_id(value: str, alias: str) -> None:
    assert parse(f"猫 --model {value}").options.model == alias


def test_unknown_model_lists_the_enabled_aliases() -> None:
    error = rejected("猫 --model dall-e")

    assert error.kind == "option.unknown_model"
    assert error.details == {"value": "dall-e", "allowed": "nova, titan, sdxl, sd3, core"}


def test_unknown_model_is_reported_before_other_values() -> None:
    assert rejected("猫 --cfg 99 --model dall-e").kind == "option.unknown_model"


@pytest.mark.parametrize(("value", "count"), [("1", 1), ("4", 4), ("３", 3)])
def test_candidates_within_the_limit(value: str, count: int) -> None:
    assert parse(f"猫 --n {value}").options.candidates == count


@pytest.mark.parametrize("value", ["0", "5"])
def test_candidates_outside_the_limit(value: str) -> None:
    error = rejected(f"猫 --n {value}")

    assert error.kind == "option.out_of_range"
    assert error.details == {"option": "--n", "value": value, "low": "1", "high": "4"}


def test_candidates_never_exceed_what_a_job_can_hold() -> None:
    assert parse("猫 --n 8", max_candidates=20).options.candidates == 8
    assert rejected("猫 --n 9", max_candidates=20).details["high"] == "8"


@pytest.mark.parametrize(
    ("alias", "preset", "size"),
    [
        ("nova", "ogp", (1200, 640)),
        ("nova", "eyecatch", (1280, 720)),
        ("titan", "ogp", (1408, 768)),
        ("sdxl", "EyeCatch", (1344, 768)),
        ("sd3", "ogp", (1344, 768)),
    ],
)
def test_preset_sets_a_size_the_model_makes(alias: str, preset: str, size: tuple[int, int]) -> None:
    options = parse(f"ブログの見出し --preset {preset} --model {alias}").options

    assert (options.preset, options.width, options.height) == (preset.lower(), *size)


def test_unknown_preset_lists_the_presets() -> None:
    error = rejected("猫 --preset banner")

    assert error.kind == "option.unknown_preset"
    assert error.details == {"value": "banner", "allowed": "ogp, eyecatch"}


# --- --no -----------------------------------------------------------------------------------------


def test_no_runs_over_several_words_up_to_the_next_option() -> None:
    parsed = parse("夜の海 --no 人物 と 船 --seed 5 オーロラ")

    assert parsed.options.negative == "人物 と 船"
    assert parsed.options.seed == 5
    assert parsed.text == "夜の海 オーロラ"


def test_no_at_the_end_takes_the_rest() -> None:
    assert parse("夜の海 --no 人物　文字").options.negative == "人物 文字"


def test_repeated_no_is_joined() -> None:
    assert parse("猫 --no 人物 --seed 1 --no 文字 ーーno 透かし").options.negative == "人物, 文字, 透かし"


def test_no_keeps_the_users_words_as_typed() -> None:
    assert parse("猫 --no ＡＢＣ ロゴ").options.negative == "ＡＢＣ ロゴ"


def test_no_up_to_the_limit() -> None:
    assert parse("猫 --no " + "あ" * MAX_NEGATIVE_CHARS).options.negative == "あ" * MAX_NEGATIVE_CHARS


def test_no_beyond_the_limit_counts_the_joined_text() -> None:
    error = rejected("猫 --no " + "あ" * 150 + " --no " + "い" * 149)

    assert error.kind == "option.too_long"
    assert error.details == {"option": "--no", "limit": 300}


# --- spelling of options --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "猫 --seed 42",
        "猫 —seed 42",
        "猫 –seed 42",
        "猫 ——seed 42",
        "猫 －－seed 42",
        "猫 ーーseed 42",
        "猫 ｰｰseed 42",
        "猫 －－ｓｅｅｄ　４２",
        "猫 --SEED 42",
        "猫 --Seed=42",
        "猫 --seed=４２",
        "猫 —seed＝42",
        "猫 --seed42",
        "--seed 42 猫",
    ],
)
def test_autocorrected_and_full_width_spellings(raw: str) -> None:
    parsed = parse(raw)

    assert (parsed.text, parsed.options.seed) == ("猫", 42)


@pytest.mark.parametrize(
    "raw",
    [
        "A--B の関係図",
        "すごーーい猫",
        "海 ーー 空",
        "東京 —夜景",
        "朝 — 昼 — 夜",
        "1--2 の矢印",
        "ーーseedling",
    ],
)
def test_dashes_in_ordinary_text_are_not_options(raw: str) -> None:
    parsed = parse(raw)

    assert parsed.text == raw
    assert parsed.options == GenerationOptions(model="nova")


@pytest.mark.parametrize(("raw", "option"), [("猫 --foo 1", "--foo"), ("猫 --Quality high", "--quality")])
def test_unknown_option_lists_the_known_ones(raw: str, option: str) -> None:
    error = rejected(raw)

    assert error.kind == "option.unknown"
    assert error.details == {"option": option, "known": KNOWN}


@pytest.mark.parametrize(
    ("raw", "option"),
    [
        ("猫 --seed", "--seed"),
        ("猫 --model --seed 1", "--model"),
        ("猫 --no --seed 1", "--no"),
        ("--ar=", "--ar"),
    ],
)
def test_option_without_a_value(raw: str, option: str) -> None:
    error = rejected(raw)

    assert error.kind == "option.missing_value"
    assert error.details == {"option": option}


@pytest.mark.parametrize(
    ("raw", "option"),
    [
        ("猫 --seed 1 --seed 2", "--seed"),
        ("猫 --seed 1 —seed 2", "--seed"),
        ("猫 --model nova --model titan", "--model"),
        ("猫 --style photo --STYLE photo", "--style"),
    ],
)
def test_duplicate_option(raw: str, option: str) -> None:
    error = rejected(raw)

    assert error.kind == "option.duplicate"
    assert error.details == {"option": option}


@pytest.mark.parametrize(
    ("raw", "first", "second"),
    [
        ("猫 --size 1024x1024 --ar 1:1", "--size", "--ar"),
        ("猫 --ar 1:1 --size 1024x1024", "--ar", "--size"),
        ("猫 --preset ogp --ar 16:9", "--preset", "--ar"),
        ("猫 --size 1280x720 --preset eyecatch", "--size", "--preset"),
    ],
)
def test_conflicting_size_options(raw: str, first: str, second: str) -> None:
    error = rejected(raw)

    assert error.kind == "option.conflict"
    assert error.details == {"first": first, "second": second}


def test_values_are_quoted_back_short_and_inert() -> None:
    error = rejected("猫 --style <!channel>`" + "x" * 60)

    # Cut to 40 characters, then escaped for mrkdwn; a backtick would end the code span.
    assert error.details["value"] == "&lt;!channel&gt;'" + "x" * 28 + "…"


# --- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["help", " HELP ", "ヘルプ", "使い方", "-h", "--help", "－ｈ", "ｈｅｌｐ"])
def test_help_words(raw: str) -> None:
    assert parse(raw) == ParsedRequest(text="", options=GenerationOptions(model="nova"), help=True)


def test_help_option_anywhere_describes_the_chosen_model() -> None:
    parsed = parse("猫 —help --model sd3")

    assert parsed.help is True
    assert parsed.text == ""
    assert parsed.options.model == "sd3"


@pytest.mark.parametrize("raw", ["help me draw a cat", "ヘルプデスクの受付"])
def test_help_inside_a_request_is_text(raw: str) -> None:
    parsed = parse(raw)

    assert (parsed.help, parsed.text) == (False, raw)


def test_help_keeps_the_base_model() -> None:
    parsed = parse("help", base=GenerationOptions(model="titan", seed=3))

    assert parsed.options == GenerationOptions(model="titan", seed=3)


# --- base options ---------------------------------------------------------------------------------


def test_typed_options_override_the_base() -> None:
    base = GenerationOptions(seed=7, cfg_scale=5.0, style="photo", negative="文字", candidates=2)

    options = parse("猫 --seed 9 --no 人物", base=base).options

    assert options == GenerationOptions(
        seed=9, cfg_scale=5.0, style="photo", negative="人物", candidates=2, model="nova"
    )


def test_base_model_is_used_and_checked_against() -> None:
    base = GenerationOptions(model="sdxl")

    assert parse("猫 --cfg 30", base=base).options == GenerationOptions(model="sdxl", cfg_scale=30.0)
    assert parse("猫 --model nova", base=base).options.model == "nova"


def test_base_model_no_longer_enabled_falls_back_to_the_default() -> None:
    assert parse("猫", base=GenerationOptions(model="retired")).options.model == "nova"


def test_base_settings_are_adapted_to_another_model() -> None:
    base = GenerationOptions(model="nova", seed=800_000_000, cfg_scale=9.0, width=1472, height=832)

    on_titan = parse("猫 --model titan", base=base).options
    on_sd3 = parse("猫 --model sd3", base=base).options

    assert (on_titan.width, on_titan.height, on_titan.cfg_scale) == (1152, 640, 9.0)
    assert (on_sd3.width, on_sd3.height, on_sd3.cfg_scale) == (1472, 832, None)
    assert parse("猫", base=GenerationOptions(seed=4_000_000_000)).options.seed == NOVA_CANVAS.seed_max


def test_base_preset_is_resized_for_the_model_and_cleared_by_a_typed_size() -> None:
    base = GenerationOptions(preset="ogp", width=1200, height=640)

    on_sdxl = parse("猫 --model sdxl", base=base).options
    sized = parse("猫 --ar 1:1", base=base).options

    assert (on_sdxl.preset, on_sdxl.width, on_sdxl.height) == ("ogp", 1344, 768)
    assert (sized.preset, sized.width, sized.height) == (None, 1024, 1024)


def test_base_candidates_are_capped_at_the_limit() -> None:
    assert parse("猫", base=GenerationOptions(candidates=6), max_candidates=4).options.candidates == 4


# --- sizes for preferences and help ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "value", "size"),
    [
        ("nova", "1024x1024", (1024, 1024)),
        ("nova", "16:9", (1472, 832)),
        ("titan", "1152×640", (1152, 640)),
        ("titan", "１６：９", (1152, 640)),
        ("sdxl", "3:2", (1216, 832)),
        ("sd3", "21:9", (1536, 640)),
        ("sd3", "7:3", (1536, 640)),
    ],
)
def test_resolve_size(alias: str, value: str, size: tuple[int, int]) -> None:
    assert resolve_size(value, MODELS[alias]) == size


@pytest.mark.parametrize(
    ("alias", "value", "kind"),
    [
        ("titan", "1000x1000", "option.bad_size"),
        ("sd3", "1024x1024", "option.size_by_ratio"),
        ("sd3", "4:3", "option.bad_ratio"),
        ("nova", "square", "option.bad_ratio"),
    ],
)
def test_resolve_size_refuses(alias: str, value: str, kind: str) -> None:
    with pytest.raises(InputRejected) as caught:
        resolve_size(value, MODELS[alias])

    assert caught.value.kind == kind


def test_describe_sizes_per_family() -> None:
    assert describe_sizes(MODELS["sd3"]) == f"--ar {SD3_RATIOS}"
    assert describe_sizes(MODELS["sdxl"]) == (
        "--size 1024x1024, 1152x896, 1216x832, 1344x768, 1536x640, 640x1536, 768x1344, 832x1216, "
        "896x1152 / --ar 1:1, 9:7, 19:13, 7:4, 12:5, 5:12, 4:7, 13:19, 7:9"
    )
    assert describe_sizes(MODELS["nova"]).startswith("--size 1024x1024, 1472x832, ")
    assert allowed_sizes(MODELS["core"]) == ""
    assert allowed_ratios(MODELS["titan"]).endswith("11:6, 5:11, 11:5, 9:5")


def test_option_names() -> None:
    assert option_names() == KNOWN.split(", ")


# --- every refusal has a message ------------------------------------------------------------------

REFUSALS = {
    "option.unknown": "猫 --foo 1",
    "option.missing_value": "猫 --seed",
    "option.bad_number": "猫 --seed abc",
    "option.out_of_range": "猫 --cfg 11",
    "option.no_cfg": "猫 --cfg 5 --model sd3",
    "option.bad_ratio": "猫 --ar 5:1",
    "option.bad_size": "猫 --size 1000x1000 --model titan",
    "option.size_by_ratio": "猫 --size 1024x1024 --model core",
    "option.unknown_style": "猫 --style oil",
    "option.unknown_model": "猫 --model dall-e",
    "option.unknown_preset": "猫 --preset banner",
    "option.conflict": "猫 --ar 1:1 --preset ogp",
    "option.duplicate": "猫 --n 1 --n 2",
    "option.too_long": "猫 --no " + "あ" * 301,
}


@pytest.mark.parametrize("kind", sorted(REFUSALS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_refusal_renders_with_its_details(kind: str, lang: Language) -> None:
    error = rejected(REFUSALS[kind])

    message = t(error.kind, lang, **error.details)

    assert error.kind == kind
    assert "{" not in message
    for value in error.details.values():
        assert str(value) in message
