"""A photo job's translation also says how to use the photo (services/generation/photo_modes.py),
through the AWS emulator; and a mode chosen in the form wins over the words."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from services.core.inputs import SourceFile
from services.core.job import Job, JobRecord
from services.generation.bedrock import RetryPolicy, ToolCaller, Usage
from services.generation.costs import CostTable
from services.generation.ledger import Ledger, ModelSlots
from services.generation.photo_modes import PHOTO_PARAGRAPH, PhotoChoice
from services.generation.stages import TextStages
from services.generation.translation import SYSTEM_PROMPT, TRANSLATE_TOOL, Translation, Translator
from tests.servers.aws_emulator import AwsEmulator
from tests.services.generation.pipeline_fakes import FakeRules, Log

TEXT_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
TOOL = TRANSLATE_TOOL.name
WATERCOLOR = "a soft watercolor painting"


def translator() -> Translator:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    return Translator(ToolCaller(client, RetryPolicy(sleep=lambda _: None)), TEXT_MODEL, prompt_limit=512)


def schema_of(request: Any) -> dict[str, Any]:
    [tool] = request.body["toolConfig"]["tools"]
    return dict(tool["toolSpec"]["inputSchema"]["json"])


def test_a_photo_request_asks_for_the_mode_in_the_same_call(aws: AwsEmulator) -> None:
    aws.push_tool_input(TOOL, {"english_prompt": WATERCOLOR, "photo_mode": "restyle", "similarity": "high"})

    result = translator().translate("この写真をほぼそのまま水彩画風に", photo=True)

    assert (result.english, result.photo) == (WATERCOLOR, PhotoChoice("restyle", "high"))
    [request] = aws.requests("Converse")
    schema = schema_of(request)
    assert schema["properties"]["photo_mode"]["enum"] == ["variation", "restyle", "layout", "style_reference"]
    assert set(schema["properties"]["similarity"]["enum"]) == {"high", "medium", "low"}
    assert {"english_prompt", "photo_mode", "similarity"} <= set(schema["required"])
    system = request.body["system"][0]["text"]
    assert PHOTO_PARAGRAPH in system
    assert system.endswith("Answer only by calling the tool.")
    assert system.startswith(SYSTEM_PROMPT.format(limit=512).rsplit("\n", 1)[0])


def test_a_request_without_a_photo_keeps_its_tool_and_prompt(aws: AwsEmulator) -> None:
    result = translator().translate("夜の海にオーロラ")

    assert result.photo is None
    [request] = aws.requests("Converse")
    assert "photo_mode" not in schema_of(request)["properties"]
    assert request.body["system"] == [{"text": SYSTEM_PROMPT.format(limit=512)}]


def test_an_english_photo_request_is_still_read_by_the_model(aws: AwsEmulator) -> None:
    aws.push_tool_input(TOOL, {"english_prompt": "a night city street", "photo_mode": "layout"})

    result = translator().translate("keep the composition, make it a night city", photo=True)

    assert result.translated is True
    assert result.photo == PhotoChoice("layout", "medium")
    assert len(aws.requests("Converse")) == 1


def test_an_unscripted_answer_is_a_variation_of_medium_similarity(aws: AwsEmulator) -> None:
    # The emulator answers with the schema's first values: what the words mean when they say nothing.
    assert translator().translate("この写真で", photo=True).photo == PhotoChoice("variation", "medium")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"photo_mode": "layout", "similarity": "low"}, PhotoChoice("layout", "low")),
        ({"photo_mode": " Style-Reference ", "similarity": "HIGH"}, PhotoChoice("style_reference", "high")),
        ({"photo_mode": "sketch", "similarity": "very"}, PhotoChoice("variation", "medium")),
        ({"photo_mode": 3, "similarity": None}, PhotoChoice("variation", "medium")),
        ({}, PhotoChoice("variation", "medium")),
    ],
    ids=["plain", "spelled loosely", "unknown values", "wrong types", "missing"],
)
def test_the_photo_fields_are_read_leniently(
    aws: AwsEmulator, fields: dict[str, Any], expected: PhotoChoice
) -> None:
    aws.push_tool_input(TOOL, {"english_prompt": WATERCOLOR, **fields})

    result = translator().translate("この写真を", photo=True)

    assert result.photo == expected
    assert len(aws.requests("Converse")) == 1  # never a retry for a mode it could not read


# --- the form wins over the words ---------------------------------------------------------------------


class _PhotoTranslator:
    model_id = "text-model"

    def __init__(self, choice: PhotoChoice) -> None:
        self.choice = choice
        self.photo_flags: list[bool] = []

    def translate(self, text: str, exclude: str | None = None, *, photo: bool = False) -> Translation:
        self.photo_flags.append(photo)
        return Translation(english=WATERCOLOR, translated=True, usage=Usage(3, 2), photo=self.choice)

    def refine(
        self, request: str, current_prompt: str, change: str, exclude: str | None = None
    ) -> Translation:
        raise AssertionError("not a refinement")

    def negative_terms(self, exclude: str) -> tuple[list[str], Usage]:
        raise AssertionError("no exclusions")


def _record(job: Job) -> JobRecord:
    return JobRecord(
        job_id=job.job_id,
        trigger=job.trigger,
        created_at=datetime.now(UTC),
        original_text=job.text,
        model_id="amazon.nova-canvas-v1:0",
        width=1024,
        height=1024,
    )


@pytest.mark.parametrize(("form", "asked"), [(None, "restyle"), ("layout", "layout")])
def test_a_mode_chosen_in_the_form_wins_over_the_words(form: Any, asked: str) -> None:
    photo = SourceFile(
        id="F0PHOTO", name="p.jpg", mimetype="image/jpeg", size=10, url="https://files.slack.com/p"
    )
    job = Job(text="少しだけ水彩画風に", source_file=photo, photo_mode=form)
    record = _record(job)
    ledger = Ledger(record, costs=CostTable(), slots=ModelSlots(None), clock=time.monotonic)
    words = _PhotoTranslator(PhotoChoice("restyle", "high"))

    TextStages(FakeRules(Log()), words).english_prompt(job, ledger, lambda _: None)

    assert words.photo_flags == [True]
    assert (record.photo_mode_asked, record.photo_similarity) == (asked, "high")
