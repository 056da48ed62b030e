"""🔎 プロンプトにする (services/generation/describe.py): Rekognition and Converse via the emulator."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import SlackContext
from services.generation.bedrock import RetryPolicy, ToolCaller
from services.generation.costs import CostTable
from services.generation.describe import (
    DESCRIBE_TOOL,
    DESCRIPTIONS_FILE,
    Describer,
    Descriptions,
    load_descriptions,
)
from services.moderation.image import ImageModerator
from services.moderation.rules import TextRules
from services.storage.archive import LocalArchive
from tests.servers.aws_emulator import AwsEmulator, Error

VISION_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
JOB_ID = "20261121T093015-0123abcd"
TOOL = DESCRIBE_TOOL.name
SLACK = SlackContext(team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER", thread_ts="1700000500.000500")
FILE = SourceFile(
    id="F0PHOTO1", name="photo.jpg", mimetype="image/jpeg", size=1000, url="https://files.slack.com/x"
)
RULES = TextRules(TextRules.parse("[violence]\n血まみれ\nbloodbath\n"))

AURORA = {"japanese": "夜の海にオーロラと流氷", "english_prompt": "aurora over a night sea, drifting ice"}
WATERCOLOR = {"japanese": "水彩画風のオーロラと流氷", "english_prompt": "watercolor aurora, drifting ice"}
DAWN = {"japanese": "朝焼けの流氷と静かな海", "english_prompt": "drift ice at dawn, calm sea, pink sky"}


def _photo(size: tuple[int, int] = (900, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(out, "JPEG")
    return out.getvalue()


class _Fetcher:
    """Slack's file download, as the describer sees it (SlackFiles has its own tests)."""

    def __init__(self, data: bytes | None = None, refuse: InputRejected | None = None) -> None:
        self.data = data if data is not None else _photo()
        self.refuse = refuse
        self.fetched: list[SourceFile] = []

    def fetch(self, file: SourceFile) -> bytes:
        self.fetched.append(file)
        if self.refuse is not None:
            raise self.refuse
        return self.data


def _describer(tmp_path: Path, fetcher: _Fetcher | None = None, limit: int = 512) -> Describer:
    return Describer(
        fetcher=fetcher or _Fetcher(),
        moderator=ImageModerator(boto3.client("rekognition", region_name="us-east-1")),
        tools=ToolCaller(
            boto3.client("bedrock-runtime", region_name="us-east-1"), RetryPolicy(sleep=lambda _: None)
        ),
        model_id=VISION_MODEL,
        rules=RULES,
        archive=LocalArchive(tmp_path),
        costs=CostTable(),
        prompt_limit=limit,
    )


def _explicit(aws: AwsEmulator) -> None:
    label = {"Name": "Explicit", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
    aws.push("DetectModerationLabels", {"ModerationLabels": [label]})


def test_proposals_come_from_the_vision_model_after_rekognition_and_are_archived(
    aws: AwsEmulator, tmp_path: Path
) -> None:
    aws.push_tool_input(TOOL, {"items": [AURORA, WATERCOLOR]})

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.error is None
    assert outcome.descriptions is not None
    assert [item.model_dump() for item in outcome.descriptions.items] == [AURORA, WATERCOLOR]
    # Rekognition saw the image first; the vision model then got that same model-ready PNG.
    ops = [r.op for r in aws.requests()]
    assert ops == ["DetectModerationLabels", "Converse"]
    [converse] = aws.requests("Converse")
    assert converse.model_id == VISION_MODEL
    [sent] = converse.images()
    [checked] = aws.requests("DetectModerationLabels")[0].images()
    assert sent == checked
    with Image.open(io.BytesIO(sent)) as image:
        assert (image.format, image.size) == ("PNG", (900, 600))
    # The buttons' texts are read back from the archive, never from Slack.
    assert load_descriptions(LocalArchive(tmp_path), JOB_ID) == outcome.descriptions
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None
    assert (record.trigger, record.status, record.source_file_id) == ("describe", "accepted", "F0PHOTO1")
    assert record.source_image_key is not None and record.source_image_key.endswith("/source.png")
    assert [(d.layer, d.flagged) for d in record.moderation] == [
        ("image_input", False),
        ("rules.item1", False),
        ("rules_translation.item1", False),
        ("rules.item2", False),
        ("rules_translation.item2", False),
    ]
    # Billed like verification: the vision model's tokens, priced from the cost table.
    assert [(c.kind, c.model_id) for c in record.calls] == [
        ("image_moderation", "rekognition"),
        ("describe", VISION_MODEL),
    ]
    assert record.calls[1].input_tokens > 0
    assert record.estimated_cost_usd == CostTable().estimate(record.calls)
    assert record.estimated_cost_usd and record.estimated_cost_usd > 0


def test_an_unsafe_image_never_reaches_the_vision_model(aws: AwsEmulator, tmp_path: Path) -> None:
    _explicit(aws)

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.descriptions is None
    assert outcome.error is not None and outcome.error.kind == "moderation_rejected"
    assert aws.requests("Converse") == []
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None
    assert (record.status, record.error and record.error.layer) == ("rejected", "image_input")
    assert record.source_image_key is None  # kept for review only, as source-blocked.png
    assert (tmp_path / "jobs/2026/11/21" / JOB_ID / "source-blocked.png").is_file()
    assert load_descriptions(LocalArchive(tmp_path), JOB_ID) is None


def test_an_image_rekognition_cannot_check_is_not_described(aws: AwsEmulator, tmp_path: Path) -> None:
    aws.push("DetectModerationLabels", *[Error("InternalServerError", "boom", status=500)] * 5)

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.error is not None and outcome.error.kind == "moderation_unavailable"
    assert aws.requests("Converse") == []
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None and record.status == "failed"


def test_a_refused_download_calls_nothing(aws: AwsEmulator, tmp_path: Path) -> None:
    fetcher = _Fetcher(refuse=InputRejected("image.unreadable"))

    outcome = _describer(tmp_path, fetcher).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.error is not None and outcome.error.kind == "image.unreadable"
    assert fetcher.fetched == [FILE]
    assert aws.requests() == []
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None and record.status == "rejected"


def test_a_proposal_with_a_banned_term_is_dropped(aws: AwsEmulator, tmp_path: Path) -> None:
    gory = {"japanese": "夜の海", "english_prompt": "a bloodbath on a night sea"}
    aws.push_tool_input(TOOL, {"items": [gory, AURORA]})

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.descriptions is not None
    assert [item.japanese for item in outcome.descriptions.items] == [AURORA["japanese"]]
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None
    flagged = [(d.layer, d.category) for d in record.moderation if d.flagged]
    assert flagged == [("rules_translation.item1", "violence")]


def test_when_every_proposal_is_flagged_there_is_nothing_to_show(aws: AwsEmulator, tmp_path: Path) -> None:
    aws.push_tool_input(
        TOOL,
        {
            "items": [
                {"japanese": "血まみれの海", "english_prompt": "a red sea"},
                {"japanese": "夜の海", "english_prompt": "bloodbath at night"},
            ]
        },
    )

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.error is not None and outcome.error.kind == "describe.none_safe"
    assert load_descriptions(LocalArchive(tmp_path), JOB_ID) is None
    record = LocalArchive(tmp_path).get_record(JOB_ID)
    assert record is not None and record.status == "rejected"
    assert [c.kind for c in record.calls] == ["image_moderation", "describe"]  # billed all the same


def test_answers_are_bounded_cleaned_and_cut_to_the_image_models_limit(
    aws: AwsEmulator, tmp_path: Path
) -> None:
    long_english = "Here is the prompt: " + ", ".join(["aurora over a quiet night sea"] * 10)
    items: list[dict[str, Any]] = [
        {"japanese": "「夜の海に\nオーロラ」", "english_prompt": long_english},
        AURORA,
        WATERCOLOR,
        DAWN,
    ]
    aws.push_tool_input(TOOL, {"items": items})

    outcome = _describer(tmp_path, limit=100).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.descriptions is not None
    first, *others = outcome.descriptions.items
    assert first.japanese == "夜の海に オーロラ"
    assert first.english_prompt.startswith("aurora over a quiet night sea")  # no preamble
    assert len(first.english_prompt) <= 100
    assert len(others) == 2  # at most three proposals
    # The model was told the same limit.
    [converse] = aws.requests("Converse")
    assert "at most 100 characters" in converse.body["system"][0]["text"]


def test_a_malformed_answer_is_asked_again_then_fails_as_unavailable(
    aws: AwsEmulator, tmp_path: Path
) -> None:
    aws.push_tool_input(TOOL, {"items": []}, {"items": [{"japanese": ""}]})

    outcome = _describer(tmp_path).describe(JOB_ID, FILE, SLACK, "ja")

    assert outcome.error is not None and outcome.error.kind == "model_unavailable"
    assert len(aws.requests("Converse")) == 2


def test_stored_proposals_that_do_not_validate_are_not_used(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    assert load_descriptions(archive, JOB_ID) is None
    archive.put_image(JOB_ID, DESCRIPTIONS_FILE, json.dumps({"job_id": JOB_ID, "items": []}).encode())
    assert load_descriptions(archive, JOB_ID) is None
    other = Descriptions.model_validate({"job_id": "20261121T093015-ffffffff", "items": [AURORA]})
    archive.put_image(JOB_ID, DESCRIPTIONS_FILE, other.model_dump_json().encode())
    assert load_descriptions(archive, JOB_ID) is None  # another job's proposals under this id


@pytest.mark.parametrize(("number", "found"), [(0, False), (1, True), (2, True), (3, False)])
def test_buttons_number_proposals_from_one(number: int, found: bool) -> None:
    descriptions = Descriptions.model_validate({"job_id": JOB_ID, "items": [AURORA, WATERCOLOR]})

    assert (descriptions.item(number) is not None) is found
