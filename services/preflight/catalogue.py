"""Which foundation models this account may use here: lifecycles, suggestions of an ACTIVE model of the
same family, and the image model chosen when IMAGE_MODEL_ID is not set.

GetFoundationModel gives the lifecycle (``modelLifecycle.status`` ACTIVE | LEGACY and, where AWS gives
them, the legacy and end-of-life times), GetFoundationModelAvailability the agreement, authorisation,
entitlement and region availability, and ListFoundationModels the candidates for a suggestion.

Access is enabled by default for every serverless model; a third-party model's Marketplace
subscription is made by its first call, when the role may subscribe (AWS's "Request access to
models" page). So a missing agreement or entitlement is *pending*: it should resolve itself, and
only blocks when the subscription failed (agreement ERROR). A model not offered in the region or not
authorised is *blocking*.
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
_CHOICE = "IMAGE_MODEL_ID (not set)"
# What makes a model usable, now that Bedrock enables every serverless model by default.
ACCESS_FIX = (
    "Bedrock enables serverless models by default, so look for what denies it: an IAM policy or SCP "
    "on bedrock:InvokeModel, the Anthropic first-time use form (Bedrock console, Model catalog), and for "
    "Marketplace models aws-marketplace:Subscribe, Unsubscribe and ViewSubscriptions for the role and "
    "a payment method on the account."
)


@dataclass(frozen=True)
class Access:
    """GetFoundationModelAvailability's answer: reasons the account cannot call the model here, and
    Marketplace steps still to happen (made by the first call when the role may subscribe)."""

    blocking: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lifecycle:
    """What GetFoundationModel and GetFoundationModelAvailability said about one foundation model."""

    status: str
    end_of_life: datetime | None
    access: Access

    def past_end_of_life(self) -> bool:
        """Whether the end of life AWS gave has passed."""
        return self.end_of_life is not None and self.end_of_life <= datetime.now(UTC)

    def usable(self) -> bool:
        """Whether the account may call the model here today (a pending subscription aside)."""
        return not self.access.blocking and not self.past_end_of_life()

    def ready(self) -> bool:
        """Usable, ACTIVE and with nothing pending."""
        return self.usable() and self.status == "ACTIVE" and not self.access.pending


@dataclass(frozen=True)
class Choice:
    """The image model chosen when IMAGE_MODEL_ID is not set, and the check line that says why."""

    model_id: str
    check: Check


def day(moment: datetime | None) -> str:
    """The UTC date of a moment, as 2026-09-30 ('' for None)."""
    return moment.astimezone(UTC).date().isoformat() if moment else ""


def access_of(answer: dict[str, Any], region: str) -> Access:
    """Blocking and pending findings of a GetFoundationModelAvailability answer."""
    blocking, pending = [], []
    if answer.get("regionAvailability") == "NOT_AVAILABLE":
        blocking.append(f"not offered in {region}")
    if answer.get("authorizationStatus") == "NOT_AUTHORIZED":
        blocking.append("this account is not authorised to use it")
    agreement = answer.get("agreementAvailability") or {}
    status = str(agreement.get("status", "AVAILABLE"))
    if status == "ERROR":
        detail = f": {agreement['errorMessage']}" if agreement.get("errorMessage") else ""
        blocking.append(f"its Marketplace agreement failed{detail}")
    elif status != "AVAILABLE":
        pending.append(f"model agreement {status.lower().replace('_', ' ')}")
    if answer.get("entitlementAvailability") == "NOT_AVAILABLE":
        pending.append("no Marketplace entitlement yet")
    return Access(tuple(blocking), tuple(pending))


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
            access_of(answer, self._region),
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
        """Whether the account may call model_id here (ACTIVE with nothing pending, with ``active``)."""
        try:
            found = self.lifecycle(model_id)
        except AWS_ERRORS:
            return False
        return found.ready() if active else found.usable()

    def choose_image_model(self, preference: tuple[str, ...] = IMAGE_MODEL_PREFERENCE) -> Choice:
        """The first model of ``preference`` that is ACTIVE and usable by this account in this region.

        Failing that, with a warning, the first ACTIVE one whose Marketplace subscription is still to
        be made, else the first usable Legacy one; failing all, the first of the list (a failure).
        When the control plane cannot be asked at all (no permission, no network), the first of the
        list, with a warning that nothing was checked.
        """
        skipped: list[str] = []
        second_best: dict[str, str] = {}  # "pending" / "legacy" -> the first such model
        for model_id in preference:
            try:
                found = self.lifecycle(model_id)
            except AWS_ERRORS as exc:
                if isinstance(exc, ClientError) and error_code(exc) == "ResourceNotFoundException":
                    skipped.append(f"{model_id}: not offered in {self._region}")
                    continue
                return Choice(preference[0], _unchecked(preference[0], exc))
            if found.ready():
                note = f" (skipped {'; '.join(skipped)})" if skipped else ""
                chosen = (
                    f"chose {model_id}, the first ACTIVE model of the preference list that this account "
                    f"may use in {self._region}{note}"
                )
                return Choice(model_id, ok(_CHOICE, chosen))
            if not found.usable():
                why = "; ".join(found.access.blocking) or f"end of life {day(found.end_of_life)}"
                skipped.append(f"{model_id}: {why}")
            elif found.status != "ACTIVE":
                second_best.setdefault("legacy", model_id)
                eol = f", end of life {day(found.end_of_life)}" if found.end_of_life else ""
                skipped.append(f"{model_id}: Legacy{eol}")
            else:
                second_best.setdefault("pending", model_id)
                skipped.append(f"{model_id}: {'; '.join(found.access.pending)}")
        chosen_id = second_best.get("pending") or second_best.get("legacy")
        if chosen_id is not None:
            what = "Legacy" if chosen_id == second_best.get("legacy") else "still to be subscribed"
            return Choice(
                chosen_id,
                warn(
                    _CHOICE,
                    f"chose {chosen_id}, which is {what}: no model of the preference list is ACTIVE and "
                    f"ready in {self._region} ({'; '.join(skipped)})",
                    "set IMAGE_MODEL_ID to an ACTIVE image model this account may use.",
                ),
            )
        return Choice(
            preference[0],
            fail(
                _CHOICE,
                f"no model of the preference list is usable in {self._region} ({'; '.join(skipped)})",
                f"set IMAGE_MODEL_ID (and AWS_REGION) to an image model this account may use there; "
                f"{ACCESS_FIX}",
                fatal=True,
            ),
        )


def _unchecked(model_id: str, exc: Exception) -> Check:
    diagnosis = diagnose_error(exc)
    return warn(
        _CHOICE,
        f"using {model_id}, the first of the preference list, unchecked: the Bedrock control plane could "
        f"not be asked ({diagnosis.cause.code}: {diagnosis.detail})",
        "allow bedrock:GetFoundationModel and bedrock:GetFoundationModelAvailability (README: IAM "
        "policy), or set IMAGE_MODEL_ID.",
    )
