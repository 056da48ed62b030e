"""Domain data of a job: what was asked, what each attempt did, what was decided."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.core.edits import EditSpec
from services.core.errors import InputRejected
from services.core.inputs import SourceFile

MAX_TEXT_CHARS = 1000
# What the form and inline options accept: the English prompt, the negative prompt (``--no``),
# the cfg scale (the widest model range, SDXL's 0–35; each model narrows it) and the seed.
# The prompt's bound is all a Slack plain-text input holds (3,000), so ⚙️ 調整 shows every model's
# prompt whole except SD3/Stable Image's (up to 10,000), which are kept whole if left unchanged.
MAX_PROMPT_CHARS = 3000
MAX_NEGATIVE_CHARS = 300
CFG_MIN, CFG_MAX = 0.0, 35.0
SEED_MAX = 4_294_967_295
# Job ids carry their UTC creation time so archive keys (by date) can be found
# again from the id alone, e.g. when a button on an old result is pressed.
JOB_ID_PATTERN = re.compile(r"^(\d{8})T(\d{6})-([0-9a-f]{8})$")

Trigger = Literal[
    "command",  # /imagine text
    "mention",  # @bot text
    "modal",  # /imagine with no text, then the form
    "shortcut",  # the 「画像にする」 message shortcut
    "regenerate",  # 🔄 same request, new seed
    "same_seed",  # 🎯 same request, same seed, current settings
    "cfg_up",
    "cfg_down",
    "variation",  # 🎨 image-to-image from the posted image
    "adjust",  # ⚙️ the form, prefilled from a result
    "refine",  # a reply in the result's thread: "もっと明るく"
    "pick",  # one candidate from 候補を見る, posted as the result
    "again",  # もう一度 from App Home
    "retry",  # 🔁 もう一度試す under a failure: the failed job's request as it was
    "edit",  # ✏️ 🔍 ⬆️ ✂️ on a result: an edit of its image (Job.edit says which)
    "undo",  # 🔙 元に戻す: the image an edit started from, posted again
    "describe",  # 🔎 プロンプトにする: a vision model proposes requests from a message's image
    "described",  # これで作る under those proposals: one of them as a new request
    "cli",
]
JobStatus = Literal["accepted", "best_effort", "rejected", "failed"]


def new_job_id(now: datetime | None = None) -> str:
    """A sortable job id: UTC time of creation plus 32 random bits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def job_date(job_id: str) -> str:
    """The ``YYYY/MM/DD`` part of archive keys for a job id."""
    match = JOB_ID_PATTERN.match(job_id)
    if match is None:
        raise ValueError(f"not a job id: {job_id!r}")
    day = match.group(1)
    return f"{day[:4]}/{day[4:6]}/{day[6:]}"


class GenerationOptions(BaseModel):
    """What the user asked for beyond the text; ``None`` means the default."""

    model_config = ConfigDict(frozen=True)

    seed: int | None = Field(default=None, ge=0, le=4_294_967_295)
    cfg_scale: float | None = Field(default=None, ge=0, le=35)
    width: int | None = Field(default=None, ge=256, le=4096)
    height: int | None = Field(default=None, ge=256, le=4096)
    # What to keep out of the image, in the user's words (--no 人物); translated with the request.
    negative: str | None = Field(default=None, max_length=300)
    style: str | None = Field(default=None, max_length=40)  # a name in services.presets.STYLES
    model: str | None = Field(default=None, max_length=40)  # an alias of an enabled image model
    candidates: int | None = Field(default=None, ge=1, le=8)  # --n: images per round
    preset: str | None = Field(default=None, max_length=40)  # a name in services.presets.PRESETS


# How a user's photo becomes the result: a close variation of it, the photo re-drawn in another
# style (image to image), a new image on the photo's layout (edges or segments), or the request
# drawn in the photo's style.
PhotoMode = Literal["variation", "restyle", "layout", "style_reference"]
PHOTO_MODES: tuple[PhotoMode, ...] = ("variation", "restyle", "layout", "style_reference")
# How close to the photo the words ask the result to stay: 少しだけ・ほぼそのまま → high,
# 大胆に・がらっと → low; medium when they do not say.
PhotoSimilarity = Literal["high", "medium", "low"]
PHOTO_SIMILARITIES: tuple[PhotoSimilarity, ...] = ("high", "medium", "low")


class SlackContext(BaseModel):
    """Where a job came from in Slack and where its answer goes."""

    team_id: str | None = None
    channel_id: str
    user_id: str
    thread_ts: str | None = None
    status_ts: str | None = None
    response_url: str | None = None


class Job(BaseModel):
    """One accepted request, as queued for the pipeline."""

    job_id: str = Field(default_factory=new_job_id, pattern=JOB_ID_PATTERN.pattern)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    # Set when a button re-runs a finished job: the English prompt is reused as is.
    english_prompt: str | None = None
    requirements: list[str] = []
    options: GenerationOptions = GenerationOptions()
    trigger: Trigger = "command"
    parent_job_id: str | None = None
    # Set by 🎨 バリエーション and 候補を見る picks: the archived image the job starts from.
    source_image_key: str | None = None
    source_attempt: int | None = None
    # A photo the user attached: downloaded, checked and archived by the worker, not on the ack path.
    source_file: SourceFile | None = None
    # How a photo is used, when the user chose it in the form; None lets the translation call
    # choose from the request's words (「水彩画風に」 restyles, 「構図はそのままで」 keeps the layout).
    photo_mode: PhotoMode | None = None
    # Set by the edit buttons and form: what to change about the source image.
    edit: EditSpec | None = None
    # Set by a reply in a result's thread: how to change the parent's English prompt.
    instruction: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    # English negative terms already translated for the parent job (buttons reuse them).
    negative_terms: list[str] = []
    lang: Literal["ja", "en"] = "ja"
    slack: SlackContext | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ModerationLabel(BaseModel):
    """One Rekognition moderation label."""

    name: str
    parent_name: str = ""
    confidence: float = Field(ge=0, le=100)
    taxonomy_level: int | None = None


class ModerationDecision(BaseModel):
    """What one text moderation layer decided about a job."""

    layer: str
    flagged: bool
    category: str | None = None
    scores: dict[str, float] = {}


class Check(BaseModel):
    """One requirement of the request and whether an image meets it."""

    requirement: str = Field(min_length=1, max_length=200)
    met: bool


class Verdict(BaseModel):
    """The vision model's judgement of one image against the request."""

    matches: bool
    reason: str = Field(min_length=1, max_length=500)
    score: int = Field(default=50, ge=0, le=100)
    checks: list[Check] = Field(default_factory=list, max_length=20)

    @field_validator("reason")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())


class Attempt(BaseModel):
    """One generated candidate and what every check said of it."""

    index: int = Field(ge=1)
    revision: int = Field(ge=0)
    prompt: str
    seed: int
    cfg_scale: float | None
    image_key: str | None = None
    # "blocked": made while Comprehend was still reading the prompt, which it then refused.
    outcome: Literal[
        "pending", "accepted", "rejected_by_verifier", "unsafe", "filtered", "unverified", "blocked"
    ]
    moderation_labels: list[ModerationLabel] = []
    policy_action: Literal["post", "blur", "block"] | None = None
    policy_categories: list[str] = []
    verdict: Verdict | None = None
    seconds: dict[str, float] = {}


# Outcomes whose image passed moderation and may be shown again (variation source, grid, pick).
SAFE_OUTCOMES = frozenset({"accepted", "rejected_by_verifier", "unverified"})

CallKind = Literal[
    "translate", "verify", "rewrite", "describe", "image", "image_moderation", "toxicity", "guardrail"
]


class ModelCall(BaseModel):
    """One billable call a job made, for cost accounting."""

    kind: CallKind
    model_id: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0


class Overlap(BaseModel):
    """A moderation call made alongside a model call instead of before it, and what the job waited for it.

    Comprehend reads the English prompt while the image model draws; Rekognition looks at each
    candidate while the vision model verifies it. ``waited`` is the part of the moderation call
    that outlasted the model call, the only part on the job's critical path.
    """

    layer: Literal["toxicity", "image_moderation"]
    alongside: Literal["generation", "verification"]
    attempt: int | None = None
    seconds: float = Field(ge=0)  # the moderation call
    model_seconds: float = Field(ge=0)  # the model call it ran alongside
    waited: float = Field(ge=0)


class RefusalCost(BaseModel):
    """What a refusal by a layer that ran alongside the image model threw away: the price of overlapping."""

    layer: str
    images: int = Field(ge=0)  # images made for the refused prompt, archived as blocked, never shown
    usd: float = Field(ge=0)


class FalsePositiveReport(BaseModel):
    """A user's claim that a moderation refusal was a mistake."""

    user_id: str
    reported_at: datetime


class ErrorInfo(BaseModel):
    """Why a job did not produce an accepted image, in operator terms."""

    kind: str
    layer: str | None = None
    category: str | None = None


class JobRecord(BaseModel):
    """The archived account of one job; also the state behind its buttons."""

    job_id: str
    trigger: Trigger
    parent_job_id: str | None = None
    created_at: datetime
    started_at: datetime | None = None  # when a worker picked the job up (queue wait = started - created)
    finished_at: datetime | None = None
    status: JobStatus = "failed"
    original_text: str
    translation: str | None = None
    english_prompt: str | None = None
    final_prompt: str | None = None
    negative_prompt: str | None = None
    model_id: str
    model_alias: str | None = None
    style: str | None = None
    preset: str | None = None
    user_negative: str | None = None  # --no, as the user wrote it
    negative_terms: list[str] = []  # --no, in English
    source_image_key: str | None = None
    # The Slack file the source image was shown as: a user's photo, or the result an edit changed.
    source_file_id: str | None = None
    # How the user's photo was used; ``photo_mode_asked`` is what the form or the translation call
    # chose, which differs when no configured model could do it and the nearest mode was used.
    photo_mode: PhotoMode | None = None
    photo_mode_asked: PhotoMode | None = None
    photo_similarity: PhotoSimilarity | None = None
    # An edit's lineage: what was asked, the operation and the model that did it.
    edit: EditSpec | None = None
    edit_operation: str | None = None
    instruction: str | None = None
    # How a mention in a result's thread was carried out, as its translation call decided: an edit
    # of the posted image (a local change), or a new image from the revised prompt (a global one).
    routed: Literal["local_edit", "global"] | None = None
    seed: int | None = None
    cfg_scale: float | None = None
    width: int
    height: int
    requirements: list[str] = []
    moderation: list[ModerationDecision] = []
    attempts: list[Attempt] = []
    chosen_attempt: int | None = None
    stage_seconds: dict[str, float] = {}
    calls: list[ModelCall] = []
    estimated_cost_usd: float | None = None
    overlaps: list[Overlap] = []
    refusal_cost: RefusalCost | None = None
    slack: SlackContext | None = None
    error: ErrorInfo | None = None
    posted_file_id: str | None = None
    posted_message_ts: str | None = None
    reports: list[FalsePositiveReport] = []
    # Set by the 👍 採用 action; the fine-tuning dataset export reads these.
    approved: bool = False
    approved_by: str | None = None
    approved_at: datetime | None = None
    # Set by 🗑 削除: the Slack message and file are gone; the archive keeps the record.
    deleted_by: str | None = None
    deleted_at: datetime | None = None
    lang: Literal["ja", "en"] = "ja"

    def chosen(self) -> Attempt | None:
        """The attempt that was (or would be) posted."""
        return self.attempt(self.chosen_attempt)

    def attempt(self, index: int | None) -> Attempt | None:
        """The attempt numbered ``index``, if there is one."""
        for attempt in self.attempts:
            if attempt.index == index:
                return attempt
        return None


class Checkpoint(BaseModel):
    """How far a job got before it was interrupted: a resumed job starts after ``stage``.

    ``translated``: the request passed text moderation and has its English prompt (no model call
    is repeated for it). ``generated``: an image was chosen and archived; only posting is left.
    """

    stage: Literal["translated", "generated"]
    record: JobRecord


class ButtonRef(BaseModel):
    """What a result button carries: a job id and attempt, looked up in the archive."""

    job_id: str = Field(pattern=JOB_ID_PATTERN.pattern)
    attempt: int = Field(ge=0, le=1000)

    def encode(self) -> str:
        """Compact value for the button (far below Slack's 2,000 characters)."""
        return f"{self.job_id}:{self.attempt}"

    @classmethod
    def decode(cls, value: str) -> ButtonRef:
        """Parse a button value; raises ValueError when tampered with or malformed."""
        job_id, sep, attempt = value.partition(":")
        if not sep or not attempt.isdigit():
            raise ValueError("malformed button value")
        try:
            return cls(job_id=job_id, attempt=int(attempt))
        except ValidationError as exc:
            raise ValueError("invalid button value") from exc


def button_ref(value: str) -> ButtonRef:
    """A button value from Slack as a ButtonRef; InputRejected("button.invalid") when tampered with."""
    try:
        return ButtonRef.decode(value)
    except ValueError as exc:
        raise InputRejected("button.invalid") from exc
