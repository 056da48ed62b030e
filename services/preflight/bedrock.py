"""Bedrock checks: does each configured model exist here, is it ACTIVE, may this account use it, and
does the text model take the bot's forced tool choice.

Everything is asked of the control plane (service ``bedrock``): GetFoundationModel and
GetFoundationModelAvailability for foundation models (see ``catalogue``), GetInferenceProfile,
GetCustomModel and GetProvisionedModelThroughput for the other identifiers. No model is invoked: the
checks cost nothing and change nothing. A call the role may not make is a warning that the check was
skipped, never a failure of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from services.core.causes import diagnose_error
from services.core.errors import error_code
from services.preflight.catalogue import ACCESS_FIX, AWS_ERRORS, Access, Catalogue, access_of, day
from services.preflight.models import accepts_forced_tool, parse_model
from services.preflight.profiles import ProfileLookup, base_of_arn
from services.preflight.report import Check, Status, fail, ok, warn

_UNKNOWN_ARN = (
    "not checked: the preflight knows foundation-model, inference-profile, custom-model and "
    "provisioned-model ARNs only"
)


@dataclass(frozen=True)
class ModelSetting:
    """One configured model: the setting's name, its value, and what the bot does with it."""

    name: str
    model_id: str
    role: Literal["image", "text"]
    # Whether the model is on the path of every request, so that the bot should not start without it.
    fatal: bool = False
    # Whether the bot's Converse calls force a named tool on it (translation, verification).
    forced_tool: bool = False


class ModelChecks:
    """Checks of configured models against the Bedrock control plane (a boto3 ``bedrock`` client)."""

    def __init__(self, control: Any, region: str) -> None:
        self._control = control
        self._region = region
        self._profiles = ProfileLookup(control)
        self.catalogue = Catalogue(control, region)

    # -- one configured model ------------------------------------------------------------------------

    def check(self, setting: ModelSetting) -> list[Check]:
        """Every finding about one configured model; a single ✅ line when there is nothing to fix."""
        subject = f"{setting.name} {setting.model_id}"
        ref = parse_model(setting.model_id)
        checks: list[Check] = []
        base = ref.base_id
        if ref.kind in ("profile", "application-profile"):
            found, check = self._profiles.check(subject, ref, fatal=setting.fatal)
            checks.append(check)
            base = found or base
        elif ref.kind == "custom":
            base, check = self._custom(subject, setting)
            checks.append(check)
        elif ref.kind == "provisioned":
            base, check = self._provisioned(subject, setting)
            checks.append(check)
        elif ref.kind == "other":
            checks.append(warn(subject, _UNKNOWN_ARN))
        if base is not None:
            checks.extend(self._foundation(subject, setting, base))
            if setting.forced_tool and accepts_forced_tool(base):
                checks.append(ok(subject, "takes the forced tool choice of the bot's Converse calls"))
            elif setting.forced_tool:
                checks.append(self._forced_tool_failure(subject, setting))
        problems = [c for c in checks if c.status is not Status.OK]
        return problems or [ok(subject, "; ".join(c.message for c in checks))]

    def _foundation(self, subject: str, setting: ModelSetting, base: str) -> list[Check]:
        """Lifecycle and availability of the foundation model behind a setting."""
        try:
            details = self._control.get_foundation_model(modelIdentifier=base)["modelDetails"]
        except AWS_ERRORS as exc:
            return [self._lookup_failure(subject, setting, base, exc, "bedrock:GetFoundationModel")]
        lifecycle = details.get("modelLifecycle") or {}
        status = str(lifecycle.get("status", "ACTIVE"))
        checks: list[Check] = []
        try:
            answer = self._control.get_foundation_model_availability(modelId=base)
            access = access_of(answer, self._region)
        except AWS_ERRORS as exc:
            checks.append(self._skipped(subject, "bedrock:GetFoundationModelAvailability", exc))
            access = Access()
        if access.blocking:
            fix = f"set {setting.name} to a model this account may use in {self._region}, or: {ACCESS_FIX}"
            checks.append(fail(subject, "; ".join(access.blocking), fix, fatal=setting.fatal))
        if access.pending:
            checks.append(
                warn(
                    subject,
                    f"{'; '.join(access.pending)}: Bedrock subscribes the account on the first call, "
                    "if the role may (until then calls may be denied)",
                    "let the role subscribe (aws-marketplace:Subscribe, Unsubscribe, ViewSubscriptions) "
                    "and make one call, or subscribe in the Bedrock console (Model catalog).",
                )
            )
        end = lifecycle.get("endOfLifeTime")
        end_of_life = end if isinstance(end, datetime) else None
        if status == "LEGACY":
            checks.append(self._legacy(subject, setting, base, end_of_life, lifecycle))
        if not checks:
            named = "" if base == setting.model_id else f"{base} "
            checks.append(ok(subject, f"{named}ACTIVE and usable in {self._region}"))
        return checks

    def _legacy(
        self,
        subject: str,
        setting: ModelSetting,
        base: str,
        end_of_life: datetime | None,
        lifecycle: dict[str, Any],
    ) -> Check:
        suggestion = self.catalogue.suggest(
            base, image=setting.role == "image", forced_tool=setting.forced_tool
        )
        if end_of_life is not None and end_of_life <= datetime.now(UTC):
            target = suggestion or "an ACTIVE model (aws bedrock list-foundation-models)"
            return fail(
                subject,
                f"reached its end of life on {day(end_of_life)}: every call fails",
                f"set {setting.name} to {target}.",
                fatal=setting.fatal,
            )
        when = f", end of life {day(end_of_life)}" if end_of_life else " (AWS gives no end-of-life date yet)"
        extended = lifecycle.get("publicExtendedAccessTime")
        extended_note = (
            f", public extended access from {day(extended)}" if isinstance(extended, datetime) else ""
        )
        return warn(
            subject,
            f"Legacy{when}{extended_note}; Bedrock refuses Legacy models to accounts that have not used them "
            "in the last 30 days",
            f"switch {setting.name} to {suggestion}." if suggestion else "switch to an ACTIVE model.",
        )

    def _forced_tool_failure(self, subject: str, setting: ModelSetting) -> Check:
        return fail(
            subject,
            "the bot's Converse calls name the tool the model must call (toolChoice), which Bedrock accepts "
            "only from Claude 3 or later and Amazon Nova text models; every translation and verification "
            "would be rejected",
            f"set {setting.name} to such a model, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0 or "
            "amazon.nova-pro-v1:0 (or their us./apac./global. inference profiles).",
            fatal=setting.fatal,
        )

    def _custom(self, subject: str, setting: ModelSetting) -> tuple[str | None, Check]:
        try:
            answer = self._control.get_custom_model(modelIdentifier=setting.model_id)
        except AWS_ERRORS as exc:
            return None, self._lookup_failure(subject, setting, "", exc, "bedrock:GetCustomModel")
        status = str(answer.get("modelStatus", "Active"))
        base = base_of_arn(str(answer.get("baseModelArn", "")))
        if status != "Active":
            return base, fail(
                subject,
                f"custom model {answer.get('modelName', '')} is {status}",
                "wait for the customization job to finish, or fix it in the Bedrock console (Custom models).",
                fatal=setting.fatal,
            )
        return base, ok(subject, f"custom model {answer.get('modelName', '')} is Active, based on {base}")

    def _provisioned(self, subject: str, setting: ModelSetting) -> tuple[str | None, Check]:
        try:
            answer = self._control.get_provisioned_model_throughput(provisionedModelId=setting.model_id)
        except AWS_ERRORS as exc:
            return None, self._lookup_failure(
                subject, setting, "", exc, "bedrock:GetProvisionedModelThroughput"
            )
        status = str(answer.get("status", ""))
        base = base_of_arn(str(answer.get("foundationModelArn", "")))
        name = answer.get("provisionedModelName", "")
        if status == "InService":
            return base, ok(
                subject, f"provisioned throughput {name} is InService ({answer.get('modelUnits')} MU)"
            )
        if status in ("Creating", "Updating"):
            return base, warn(subject, f"provisioned throughput {name} is {status}", "wait until InService.")
        return base, fail(
            subject,
            f"provisioned throughput {name} is {status or 'not usable'}",
            f"recreate it in the Bedrock console (Provisioned Throughput), or set {setting.name} to another "
            "model.",
            fatal=setting.fatal,
        )

    def _lookup_failure(
        self, subject: str, setting: ModelSetting, base: str, exc: Exception, action: str
    ) -> Check:
        """An error of a Get* call: a model that does not exist fails, anything else skips the check."""
        code = error_code(exc) if isinstance(exc, ClientError) else ""
        if code == "ResourceNotFoundException":
            what = f"{base} " if base and base != setting.model_id else ""
            return fail(
                subject,
                f"{what}does not exist in {self._region} (unknown or misspelt id, or not offered here)",
                f"check the id (aws bedrock list-foundation-models --region {self._region}) and set "
                f"{setting.name} to a model offered here, or choose a region or inference profile "
                "(us./apac./global.) that has it.",
                fatal=setting.fatal,
            )
        if code == "ValidationException":
            message = "is not a valid Bedrock model identifier"
            return fail(subject, message, f"correct {setting.name}.", fatal=setting.fatal)
        return self._skipped(subject, action, exc)

    def _skipped(self, subject: str, action: str, exc: Exception) -> Check:
        diagnosis = diagnose_error(exc)
        return warn(
            subject,
            f"not checked: {action} failed ({diagnosis.cause.code}: {diagnosis.detail})",
            f"allow {action} for the role (README: IAM policy) to have it checked."
            if diagnosis.cause.code == "permission"
            else diagnosis.cause.fix,
        )
