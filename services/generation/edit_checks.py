"""What every edit is checked by: the words (rules, Comprehend) and each output (Rekognition, then
the vision model comparing before and after against what was asked).

The same layers as a new image: the Editor (editing.py) runs them in order around each model call.
"""

from __future__ import annotations

import logging

from services.core.errors import BotError
from services.core.job import Attempt
from services.generation.ledger import Ledger
from services.generation.ports import (
    ImageScreen,
    ImageVerifier,
    Progress,
    ProgressFn,
    RuleBook,
    ToxicityScreen,
)
from services.generation.stages import fail_closed, screen_image

logger = logging.getLogger(__name__)


class EditChecks:
    """The moderation and verification layers of an edit, each recorded on its ledger."""

    def __init__(
        self,
        *,
        rules: RuleBook,
        moderator: ImageScreen,
        verifier: ImageVerifier,
        toxicity: ToxicityScreen | None = None,
    ) -> None:
        self._rules = rules
        self._moderator = moderator
        self._verifier = verifier
        self._toxicity = toxicity

    def words(self, text: str, layer: str, ledger: Ledger) -> None:
        """The banned-term rules on ``text`` (the user's words, or their English)."""
        with ledger.timed("moderation"):
            match = self._rules.find(text)
        ledger.decide(layer, match is not None, match.category if match else None)

    def toxicity(self, english: str, ledger: Ledger) -> None:
        """Comprehend on the edit's English, when configured; fail closed."""
        toxicity = self._toxicity
        if toxicity is None:
            return
        with ledger.timed("moderation"):
            verdict = fail_closed(lambda: toxicity.check(english))
        ledger.bill("toxicity", "comprehend")
        ledger.decide("toxicity", verdict.flagged, verdict.category, verdict.scores)

    def safe(self, attempt: Attempt, data: bytes, ledger: Ledger, report: ProgressFn) -> bool:
        """Rekognition on the edited image; never posted unchecked (ModerationUnavailable)."""
        report(Progress("safety", attempt.index))
        verdict = screen_image(self._moderator, ledger, attempt, data)
        if verdict.action != "post":
            # An edit is not blurred: the user asked for this picture, and a blurred one is no use.
            attempt.outcome = "unsafe"
            return False
        return True

    def compare(
        self,
        attempt: Attempt,
        before: bytes,
        after: bytes,
        *,
        job_id: str,
        asked: tuple[str, str],
        ledger: Ledger,
        report: ProgressFn,
    ) -> None:
        """The vision model compares before and after against what was asked: the user's words, in English."""
        report(Progress("verification", attempt.index))
        try:
            with ledger.model_call("verification", attempt):
                verdict, usage = self._verifier.verify_edit(before, after, *asked)
        except BotError as exc:
            # The image is safe; say honestly that it was not compared, rather than fail the edit.
            logger.warning("job %s: edit check unavailable: %s", job_id, exc.kind)
            attempt.outcome = "unverified"
            return
        ledger.bill("verify", self._verifier.model_id, usage)
        attempt.verdict = verdict
        attempt.outcome = "accepted" if verdict.matches else "rejected_by_verifier"
