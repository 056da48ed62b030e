"""Which foundation models this account may use here: lifecycles, suggestions of an ACTIVE model of the
same family, and the image model chosen when IMAGE_MODEL_ID is not set.

GetFoundationModel gives the lifecycle (``modelLifecycle.status`` ACTIVE | LEGACY and, where AWS gives
them, the legacy and end-of-life times), GetFoundationModelAvailability the agreement, authorisation,
entitlement and region availability, and ListFoundationModels the candidates for a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.core.causes import diagnose_error
from services.core.errors import error_code
from services.preflight.models import IMAGE_MODEL_PREFERENCE, accepts_forced_tool, same_family, tier
from services.preflight.report import Check, fail, ok, warn

AWS_ERRORS = (ClientError, BotoCoreError)
# Candidates of a suggestion whose availability is asked, at most.
_SUGGESTIONS_TRIED = 3


@dataclass(frozen=True)
class Lifecycle:
    """What GetFoundationModel and GetFoundationModelAvailability said about one foundation model."""

    status: str
    end_of_life: datetime | None
    problems: tuple[str, ...]  # reasons this account cannot call it here

    def past_end_of_life(self) -> bool:
        """Whether the end of life AWS gave has passed."""
        return self.end_of_life is not None and self.end_of_life <= datetime.now(UTC)

    def usable(self) -> bool:
        """Whether the account may call the model here today."""
        return not self.problems and not self.past_end_of_life()


@dataclass(frozen=True)
class Choice:
    """The image model chosen when IMAGE_MODEL_ID is not set, and the check line that says why."""

    model_id: str
    check: Check


def day(moment: datetime | None) -> str:
    """The UTC date of a moment, as 2026-09-30 ('' for None)."""
    return moment.astimezone(UTC).date().isoformat() if moment else ""


def availability_problems(answer: dict[str, Any], region: str) -> tuple[str, ...]:
    """Why GetFoundationModelAvailability's answer rules the model out here (empty when it does not)."""
    problems = []
    if answer.get("regionAvailability") == "NOT_AVAILABLE":
        problems.append(f"not offered in {region}")
    if answer.get("authorizationStatus") == "NOT_AUTHORIZED":
        problems.append("this account is not authorised to use it")
    if answer.get("entitlementAvailability") == "NOT_AVAILABLE":
        problems.append("no entitlement (the Marketplace subscription is missing)")
    agreement = answer.get("agreementAvailability") or {}
    status = agreement.get("status", "AVAILABLE")
    if status != "AVAILABLE":
        detail = f": {agreement['errorMessage']}" if agreement.get("errorMessage") else ""
        problems.append(f"model agreement {status.lower().replace('_', ' ')}{detail}")
    return tuple(problems)


class Catalogue:
    """The foundation models of one region, as the Bedrock control plane (a boto3 ``bedrock`` client)
    describes them to this account."""

    def __init__(self, control: Any, region: str) -> None:
        self._control = control
        self._region = region

    def lifecycle(self, model_id: str) -> Lifecycle:
        """Lifecycle and availability of a foundation model id; raises the boto3 error of either call."""
        details = self._control.get_foundation_model(modelIdentifier=model_id)["modelDetails"]
        lifecycle = details.get("modelLifecycle") or {}
        end = lifecycle.get("endOfLifeTime")
        answer = self._control.get_foundation_model_availability(modelId=model_id)
        return Lifecycle(
            str(lifecycle.get("status", "ACTIVE")),
            end if isinstance(end, datetime) else None,
            availability_problems(answer, self._region),
        )

    def suggest(self, current: str, *, image: bool, forced_tool: bool = False) -> str:
        """An ACTIVE model of the same family that this account may use ('' if none is found);
        for an image model with none in its family, the first such model of the preference list.
        ``forced_tool``: only text models that take the bot's forced tool choice."""
        try:
            listed = self._control.list_foundation_models(byOutputModality="IMAGE" if image else "TEXT")
        except AWS_ERRORS:
            listed = {"modelSummaries": []}
        wanted = tier(current)
        candidates = sorted(
            (
                str(summary["modelId"])
                for summary in listed.get("modelSummaries", [])
                if (summary.get("modelLifecycle") or {}).get("status") == "ACTIVE"
                and summary.get("modelId") != current
                and same_family(current, str(summary.get("modelId")), image=image)
                and (not forced_tool or accepts_forced_tool(str(summary.get("modelId"))))
            ),
            key=lambda model_id: (tier(model_id) != wanted, [-ord(c) for c in model_id]),
        )
        for model_id in candidates[:_SUGGESTIONS_TRIED]:
            if self.usable(model_id):
                return f"{model_id} (ACTIVE, same family)"
        if image:
            for model_id in IMAGE_MODEL_PREFERENCE:
                if model_id != current and self.usable(model_id, active=True):
                    return f"{model_id} (ACTIVE; no active model of the same family here)"
        return ""

    def usable(self, model_id: str, *, active: bool = False) -> bool:
        """Whether the account may call model_id here (and it is ACTIVE, with ``active``)."""
        try:
            found = self.lifecycle(model_id)
        except AWS_ERRORS:
            return False
        return found.usable() and (not active or found.status == "ACTIVE")

    def choose_image_model(self, preference: tuple[str, ...] = IMAGE_MODEL_PREFERENCE) -> Choice:
        """The first model of ``preference`` that is ACTIVE and usable by this account in this region.

        Failing that, the first usable Legacy one (a warning); failing that, the first of the list (a
        failure). When the control plane cannot be asked at all (no permission, no network), the first
        of the list, with a warning that nothing was checked.
        """
        subject = "IMAGE_MODEL_ID (not set)"
        skipped: list[str] = []
        legacy: str | None = None
        for model_id in preference:
            try:
                found = self.lifecycle(model_id)
            except AWS_ERRORS as exc:
                if isinstance(exc, ClientError) and error_code(exc) == "ResourceNotFoundException":
                    skipped.append(f"{model_id}: not offered in {self._region}")
                    continue
                diagnosis = diagnose_error(exc)
                return Choice(
                    preference[0],
                    warn(
                        subject,
                        f"using {preference[0]}, the first of the preference list, unchecked: the Bedrock "
                        f"control plane could not be asked ({diagnosis.cause.code}: {diagnosis.detail})",
                        "allow bedrock:GetFoundationModel and bedrock:GetFoundationModelAvailability "
                        "(README: IAM policy), or set IMAGE_MODEL_ID.",
                    ),
                )
            if not found.usable():
                why = "; ".join(found.problems) or f"end of life {day(found.end_of_life)}"
                skipped.append(f"{model_id}: {why}")
            elif found.status != "ACTIVE":
                legacy = legacy or model_id
                eol = f", end of life {day(found.end_of_life)}" if found.end_of_life else ""
                skipped.append(f"{model_id}: Legacy{eol}")
            else:
                note = f" (skipped {'; '.join(skipped)})" if skipped else ""
                chosen = (
                    f"chose {model_id}, the first ACTIVE model of the preference list that this account "
                    f"may use in {self._region}{note}"
                )
                return Choice(model_id, ok(subject, chosen))
        if legacy is not None:
            return Choice(
                legacy,
                warn(
                    subject,
                    f"chose {legacy}, which is Legacy: no model of the preference list is ACTIVE and "
                    f"usable in {self._region} ({'; '.join(skipped)})",
                    "request access to an ACTIVE image model in the Bedrock console, or set IMAGE_MODEL_ID.",
                ),
            )
        return Choice(
            preference[0],
            fail(
                subject,
                f"no model of the preference list is usable in {self._region} ({'; '.join(skipped)})",
                f"in the Amazon Bedrock console for {self._region}, request access to one of "
                f"{', '.join(preference)}, or set IMAGE_MODEL_ID (and AWS_REGION) to a model you may use.",
                fatal=True,
            ),
        )
