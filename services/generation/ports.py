"""What the pipeline talks to: the stages it is given, and what it reports while a job runs.

Each collaborator is a Protocol so that the wiring passes the Bedrock, Rekognition and
Comprehend adapters and a unit test passes in-memory fakes; the image model and the archive
have their own (``ImageModel``, ``Archive``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from services.core.edits import EditPlan
from services.core.inputs import SourceFile
from services.core.job import Checkpoint, Job, Verdict
from services.generation.bedrock import Usage
from services.generation.translation import Translation
from services.moderation.image import ImageVerdict
from services.moderation.ml import TextVerdict
from services.moderation.rules import RuleMatch

if TYPE_CHECKING:
    # Both import this module; the ports only name their types.
    from services.generation.ledger import Ledger
    from services.generation.stages import Best


@dataclass(frozen=True)
class Progress:
    """A stage the job has reached; ``attempt``/``total`` count images, ``position`` is a place in line."""

    stage: str
    attempt: int = 0
    total: int = 0
    position: int = 0


ProgressFn = Callable[[Progress], None]
# Called with a snapshot of the record after each completed stage (services.storage.job_store keeps it).
CheckpointFn = Callable[[Checkpoint], None]


class RuleBook(Protocol):
    """Banned terms (services.moderation.rules.TextRules)."""

    def find(self, text: str) -> RuleMatch | None:
        """The first banned term found in ``text``, or None."""


class GuardrailScreen(Protocol):
    """A text check on the user's own words, in any language (Bedrock Guardrails)."""

    def check_text(self, text: str) -> TextVerdict:
        """Flagged when the guardrail intervenes."""


class ToxicityScreen(Protocol):
    """A text check on the English prompt (Comprehend)."""

    def check(self, text: str) -> TextVerdict:
        """Flagged when the text is toxic."""


class PromptTranslator(Protocol):
    """Japanese request to English prompt, with the model's own safety classification."""

    @property
    def model_id(self) -> str:
        """The text model, for the bill."""

    def translate(self, text: str, exclude: str | None = None, *, photo: bool = False) -> Translation:
        """The English prompt for ``text`` (and its exclusions); with ``photo``, how to use it."""

    def refine(
        self,
        request: str,
        current_prompt: str,
        change: str,
        exclude: str | None = None,
        local: frozenset[str] = frozenset(),
    ) -> Translation:
        """The current English prompt revised by the user's change; with ``local`` (the region
        edits possible on the posted image), an edit plan instead when the change is one of them."""

    def negative_terms(self, exclude: str) -> tuple[list[str], Usage]:
        """Exclusions as English terms."""


class LocalEdits(Protocol):
    """Edits of a posted image by words (services.generation.editing.Editor), for thread mentions."""

    def region_operations(self, job: Job) -> frozenset[str]:
        """The region edits possible on the image ``job`` refines; empty when it cannot be edited."""

    def edit_planned(self, job: Job, plan: EditPlan, ledger: Ledger, report: ProgressFn) -> Best:
        """Carry out ``plan`` on that image; ``ledger``'s record becomes the edit's, as ✏️ makes it."""


class PhotoFetcher(Protocol):
    """Downloads a photo a user attached in Slack, checked to be an image within the limits."""

    def fetch(self, file: SourceFile) -> bytes:
        """The file's bytes; InputRejected with a clear reason when it cannot be used."""


class ImageScreen(Protocol):
    """Image moderation and the posting policy (Rekognition)."""

    def check(self, image: bytes) -> ImageVerdict:
        """Labels found and whether the image is posted, blurred or blocked."""


class ImageVerifier(Protocol):
    """Checks an image against the request, and rewrites a prompt whose images missed."""

    @property
    def model_id(self) -> str:
        """The vision model, for the bill."""

    def verify(
        self, image: bytes, request_text: str, english_prompt: str, requirements: Sequence[str] = ()
    ) -> tuple[Verdict, Usage]:
        """Does ``image`` fulfil the request? Each requirement marked met or not."""

    def verify_edit(
        self, before: bytes, after: bytes, request_text: str, english: str
    ) -> tuple[Verdict, Usage]:
        """Was the edit carried out on ``before``, leaving the rest alone?"""

    def rewrite(self, request_text: str, prompt: str, failures: Sequence[str]) -> tuple[str, Usage]:
        """A better English prompt aimed at why earlier images failed."""
