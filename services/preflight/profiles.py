"""Inference profiles (``us.…``, ``apac.…``, ``global.…`` ids and profile ARNs): GetInferenceProfile
says whether this region offers the profile and which foundation model it routes to."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.core.causes import diagnose_error
from services.core.errors import error_code
from services.preflight.models import ModelRef
from services.preflight.report import Check, fail, ok, warn


def base_of_arn(arn: str) -> str | None:
    """The model id in a foundation-model ARN (None for any other ARN)."""
    resource = arn.split(":", 5)[-1]
    kind, _, name = resource.partition("/")
    return name if kind == "foundation-model" and name else None


class ProfileLookup:
    """GetInferenceProfile through a boto3 ``bedrock`` client."""

    def __init__(self, control: Any) -> None:
        self._control = control

    def check(self, subject: str, ref: ModelRef, *, fatal: bool) -> tuple[str | None, Check]:
        """(the foundation model the profile routes to, the finding); the model is the one the id names
        when the profile could not be looked up."""
        try:
            answer = self._control.get_inference_profile(inferenceProfileIdentifier=ref.identifier)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None, fail(
                    subject,
                    "this region offers no such inference profile (a profile serves only the regions of "
                    "its geography: us. in US regions, apac. in Asia Pacific …)",
                    "use the profile of this region's geography, global., or the plain model id.",
                    fatal=fatal,
                )
            return ref.base_id, self._unchecked(subject, exc)
        except (BotoCoreError, AttributeError) as exc:  # AttributeError: a botocore without the operation
            return ref.base_id, self._unchecked(subject, exc)
        arns = [str(model.get("modelArn", "")) for model in answer.get("models", [])]
        base = next((b for b in map(base_of_arn, arns) if b), ref.base_id)
        status = answer.get("status", "ACTIVE")
        if status != "ACTIVE":
            return base, fail(subject, f"inference profile is {status}", "use another profile.", fatal=fatal)
        regions = sorted({arn.split(":")[3] for arn in arns if arn.count(":") >= 3})
        where = f" in {', '.join(regions)}" if regions else ""
        return base, ok(subject, f"inference profile routes to {base}{where}")

    @staticmethod
    def _unchecked(subject: str, exc: Exception) -> Check:
        diagnosis = diagnose_error(exc)
        fix = (
            "allow bedrock:GetInferenceProfile for the role (README: IAM policy) to have it checked."
            if diagnosis.cause.code == "permission"
            else diagnosis.cause.fix
        )
        return warn(
            subject,
            f"inference profile not checked ({diagnosis.cause.code}: {diagnosis.detail}); the model "
            "it names is checked instead",
            fix,
        )
