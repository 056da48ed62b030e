"""The Bedrock control plane (service ``bedrock``, rest-json) and the per-model access state that
InvokeModel and Converse consult.

Shapes, paths and enums are botocore's ``bedrock/2023-04-20/service-2.json``:
``GET /foundation-models`` (ListFoundationModels), ``GET /foundation-models/{modelIdentifier}``
(GetFoundationModel: ``modelDetails`` with ``modelLifecycle`` status ACTIVE | LEGACY and the optional
startOfLifeTime, legacyTime, publicExtendedAccessTime and endOfLifeTime timestamps),
``GET /foundation-model-availability/{modelId}`` (agreementAvailability.status AVAILABLE | PENDING |
NOT_AVAILABLE | ERROR, authorizationStatus AUTHORIZED | NOT_AUTHORIZED, entitlementAvailability and
regionAvailability AVAILABLE | NOT_AVAILABLE), ``GET /custom-models/{modelIdentifier}`` and
``GET /provisioned-model-throughput/{provisionedModelId}``. Error codes are the ones the model lists
for each operation (ResourceNotFoundException 404, AccessDeniedException 403, ValidationException 400).

The runtime answers for unusable models are the texts the service is seen returning (quoted in
public issue reports; AWS's troubleshooting page lists only the codes): an unknown id, or one not
offered in the region, gives ValidationException "The provided model identifier is invalid."; a model
without access gives AccessDeniedException "You don't have access to the model with the specified model
ID."; a model past its end of life ResourceNotFoundException "This model version has reached the end
of its life. ..."; a Legacy model the account has not used lately ResourceNotFoundException "Access
denied. This Model is marked by provider as Legacy and you have not been actively using the model in
the last 30 days." The ResourceNotFoundException texts of the control plane are the emulator's own.

Which ids exist: the image models this emulator renders (Titan, Nova Canvas, Stability) must be in the
catalogue below, as the real service knows only its own; ids of the text-model providers are taken on
trust when shaped like a model id, so tests need not list every Claude version. ``forget_model`` makes
any id unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tests.servers.bedrock_common import Error
from tests.servers.bedrock_stability import IMAGE_SERVICES

ACCOUNT = "123456789012"
GEOGRAPHIES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
_INVALID_ID = "The provided model identifier is invalid."
_NO_ACCESS = "You don't have access to the model with the specified model ID."
_END_OF_LIFE = (
    "This model version has reached the end of its life. "
    "Please refer to the AWS documentation for more details."
)
_LEGACY_UNUSED = (
    "Access denied. This Model is marked by provider as Legacy and you have not been actively using "
    "the model in the last 30 days."
)
# botocore's patterns for the path parameters (GetFoundationModelIdentifier, BedrockModelId).
_FM_IDENTIFIER = re.compile(
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}"
    r"[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})"
    r"([:][a-z0-9-]{1,63}){0,2})"
)
_MODEL_ID = re.compile(
    r"[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}"
    r"(/[a-z0-9]{12}|)"
)
_FM_ARN = re.compile(r"arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/(.+)")
_PROFILE_ARN = re.compile(r"arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:\d{12}:inference-profile/(.+)")
_TRUSTED_PROVIDERS = {
    "amazon": "Amazon", "anthropic": "Anthropic", "meta": "Meta", "mistral": "Mistral AI",
    "cohere": "Cohere", "ai21": "AI21 Labs", "deepseek": "DeepSeek", "openai": "OpenAI", "qwen": "Qwen",
    "writer": "Writer", "twelvelabs": "TwelveLabs", "luma": "Luma AI",
}  # fmt: skip

_IMAGE_IN = ("TEXT", "IMAGE")


def _service_name(model_id: str) -> str:
    """ "Stable Fast Upscale" for stability.stable-fast-upscale-v1:0."""
    return model_id.split(".", 1)[1].split("-v1", 1)[0].replace("-", " ").title()


_CATALOG: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("amazon.nova-canvas-v1:0", "Nova Canvas", "Amazon", _IMAGE_IN),
    ("amazon.titan-image-generator-v2:0", "Titan Image Generator G1 v2", "Amazon", _IMAGE_IN),
    ("amazon.titan-image-generator-v1", "Titan Image Generator G1", "Amazon", _IMAGE_IN),
    ("amazon.titan-image-generator-v1:0", "Titan Image Generator G1", "Amazon", _IMAGE_IN),
    ("stability.stable-diffusion-xl-v1", "SDXL 1.0", "Stability AI", _IMAGE_IN),
    ("stability.sd3-large-v1:0", "SD3 Large 1.0", "Stability AI", _IMAGE_IN),
    ("stability.sd3-5-large-v1:0", "Stable Diffusion 3.5 Large", "Stability AI", _IMAGE_IN),
    ("stability.stable-image-core-v1:0", "Stable Image Core 1.0", "Stability AI", ("TEXT",)),
    ("stability.stable-image-core-v1:1", "Stable Image Core 1.0", "Stability AI", ("TEXT",)),
    ("stability.stable-image-ultra-v1:0", "Stable Image Ultra 1.0", "Stability AI", ("TEXT",)),
    ("stability.stable-image-ultra-v1:1", "Stable Image Ultra 1.0", "Stability AI", ("TEXT",)),
    *((model_id, _service_name(model_id), "Stability AI", _IMAGE_IN) for model_id in IMAGE_SERVICES),
)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class ModelState:
    """What the control plane says about one foundation model, and whether the runtime serves it."""

    model_id: str
    name: str
    provider: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    lifecycle: str = "ACTIVE"
    start_of_life_time: datetime | None = None
    legacy_time: datetime | None = None
    public_extended_access_time: datetime | None = None
    end_of_life_time: datetime | None = None
    authorized: bool = True
    entitled: bool = True
    region_available: bool = True
    agreement: str = "AVAILABLE"
    agreement_error: str | None = None
    recently_used: bool = True
    scripted: bool = field(default=False, compare=False)

    def arn(self, region: str) -> str:
        """The foundation-model ARN in region."""
        return f"arn:aws:bedrock:{region}::foundation-model/{self.model_id}"

    def details(self, region: str) -> dict[str, Any]:
        """FoundationModelDetails / FoundationModelSummary."""
        lifecycle: dict[str, Any] = {"status": self.lifecycle}
        for key, moment in (
            ("startOfLifeTime", self.start_of_life_time),
            ("legacyTime", self.legacy_time),
            ("publicExtendedAccessTime", self.public_extended_access_time),
            ("endOfLifeTime", self.end_of_life_time),
        ):
            if moment is not None:
                lifecycle[key] = _iso(moment)
        return {
            "modelArn": self.arn(region),
            "modelId": self.model_id,
            "modelName": self.name,
            "providerName": self.provider,
            "inputModalities": list(self.inputs),
            "outputModalities": list(self.outputs),
            "responseStreamingSupported": "TEXT" in self.outputs,
            "customizationsSupported": [],
            "inferenceTypesSupported": ["ON_DEMAND"],
            "modelLifecycle": lifecycle,
        }

    def availability(self) -> dict[str, Any]:
        """GetFoundationModelAvailabilityResponse."""
        agreement: dict[str, Any] = {"status": self.agreement}
        if self.agreement_error:
            agreement["errorMessage"] = self.agreement_error
        return {
            "modelId": self.model_id,
            "agreementAvailability": agreement,
            "authorizationStatus": "AUTHORIZED" if self.authorized else "NOT_AUTHORIZED",
            "entitlementAvailability": "AVAILABLE" if self.entitled else "NOT_AVAILABLE",
            "regionAvailability": "AVAILABLE" if self.region_available else "NOT_AVAILABLE",
        }

    def runtime_error(self) -> Error | None:
        """How InvokeModel / Converse answer for this model, or None when they serve it."""
        if not self.region_available:
            return Error("ValidationException", _INVALID_ID, 400)
        if not (self.authorized and self.entitled and self.agreement == "AVAILABLE"):
            return Error("AccessDeniedException", _NO_ACCESS, 403)
        if self.end_of_life_time is not None and self.end_of_life_time <= datetime.now(UTC):
            return Error("ResourceNotFoundException", _END_OF_LIFE, 404)
        if self.lifecycle == "LEGACY" and not self.recently_used:
            return Error("ResourceNotFoundException", _LEGACY_UNUSED, 404)
        return None


@dataclass(frozen=True)
class _Custom:
    name: str
    arn: str
    base_model_id: str
    created: datetime


@dataclass(frozen=True)
class _Provisioned:
    name: str
    arn: str
    model_arn: str
    base_model_id: str
    units: int
    status: str
    created: datetime


def _strip(identifier: str) -> str:
    """The model id inside a foundation-model ARN, an inference-profile id or ARN, or identifier itself;
    '' for a profile whose geography is unknown."""
    match = _FM_ARN.fullmatch(identifier)
    if match:
        return match.group(1)
    match = _PROFILE_ARN.fullmatch(identifier)
    candidate = match.group(1) if match else identifier
    prefix, _, rest = candidate.partition(".")
    if prefix in GEOGRAPHIES:
        return rest
    return "" if match else candidate


def _validation(value: str, member: str, pattern: re.Pattern[str]) -> Error:
    """The AWS input-constraint ValidationException."""
    return Error(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern.pattern}",
        400,
    )


class ModelRegistry:
    """Foundation, custom and provisioned models; every method is called with the emulator's lock held."""

    def __init__(self) -> None:
        """The catalogue, all ACTIVE and available."""
        self._models: dict[str, ModelState] = {}
        self._forgotten: set[str] = set()
        self._custom: dict[str, _Custom] = {}
        self._provisioned: dict[str, _Provisioned] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the catalogue's defaults."""
        self._models = {
            model_id: ModelState(model_id, name, provider, inputs, ("IMAGE",))
            for model_id, name, provider, inputs in _CATALOG
        }
        self._forgotten.clear()
        self._custom.clear()
        self._provisioned.clear()

    def _registered(self) -> list[_Custom | _Provisioned]:
        return [*self._custom.values(), *self._provisioned.values()]

    # -- lookup ----------------------------------------------------------------------------------------

    def state(self, model_id: str) -> ModelState | None:
        """The state of a foundation model id (no ARN, no profile), or None when it does not exist."""
        if model_id in self._forgotten:
            return None
        known = self._models.get(model_id)
        if known is not None:
            return known
        provider = model_id.split(".", 1)[0]
        strict = provider == "stability" or model_id.startswith(("amazon.titan-image", "amazon.nova-canvas"))
        if strict or provider not in _TRUSTED_PROVIDERS or not _MODEL_ID.fullmatch(model_id):
            return None
        name = model_id.split(".", 1)[1]
        state = ModelState(model_id, name, _TRUSTED_PROVIDERS[provider], ("TEXT",), ("TEXT",))
        self._models[model_id] = state
        return state

    def base_model(self, identifier: str) -> str | None:
        """The foundation model id behind a model id, ARN, inference profile or registered custom /
        provisioned model, or None when the identifier names none."""
        for registered in self._registered():
            if identifier in (registered.arn, registered.name):
                return registered.base_model_id
        model_id = _strip(identifier)
        return model_id if model_id and self.state(model_id) is not None else None

    def is_scripted(self, identifier: str) -> bool:
        """Whether a test scripted this model's state (such states win over scripted answers)."""
        base = self.base_model(identifier)
        if base is None:
            return _strip(identifier) in self._forgotten
        state = self._models.get(base)
        return bool(state and state.scripted)

    def runtime_error(self, identifier: str) -> Error | None:
        """InvokeModel / Converse's answer for an unusable model, or None."""
        if identifier.startswith("arn:") and not (
            _FM_ARN.fullmatch(identifier) or _PROFILE_ARN.fullmatch(identifier)
        ):
            known = any(identifier == r.arn for r in self._registered())
            if not known:
                # Custom, imported and application-profile ARNs the test did not register: no rule here.
                return None
        base = self.base_model(identifier)
        if base is None:
            return Error("ValidationException", _INVALID_ID, 400)
        state = self.state(base)
        return state.runtime_error() if state else Error("ValidationException", _INVALID_ID, 400)

    # -- scripting ---------------------------------------------------------------------------------------

    def set_state(self, model_id: str, changes: dict[str, Any]) -> ModelState:
        """Apply changes to a model's state, adding the model when it is new to the catalogue."""
        self._forgotten.discard(model_id)
        provider = model_id.split(".", 1)[0]
        state = self.state(model_id) or ModelState(model_id, model_id, provider, ("TEXT",), ("IMAGE",))
        updated = replace(state, **changes, scripted=True)
        self._models[model_id] = updated
        return updated

    def forget(self, model_id: str) -> None:
        """Make a model id unknown to both planes."""
        self._models.pop(model_id, None)
        self._forgotten.add(model_id)

    def add_custom(self, name: str, base_model_id: str, region: str) -> str:
        """Register a custom model; its ARN."""
        arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{base_model_id}/{len(self._custom):012d}"
        self._custom[arn] = _Custom(name, arn, base_model_id, datetime.now(UTC))
        return arn

    def add_provisioned(self, name: str, model_id: str, units: int, status: str, region: str) -> str:
        """Register a Provisioned Throughput for a foundation or custom model; its ARN."""
        arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:provisioned-model/{len(self._provisioned):012d}"
        custom = self._custom.get(model_id)
        base = custom.base_model_id if custom else model_id
        model_arn = custom.arn if custom else f"arn:aws:bedrock:{region}::foundation-model/{model_id}"
        self._provisioned[arn] = _Provisioned(name, arn, model_arn, base, units, status, datetime.now(UTC))
        return arn

    # -- control-plane operations ----------------------------------------------------------------------

    def get_foundation_model(self, identifier: str, region: str) -> dict[str, Any] | Error:
        """GetFoundationModel."""
        if not _FM_IDENTIFIER.fullmatch(identifier):
            return _validation(identifier, "modelIdentifier", _FM_IDENTIFIER)
        match = _FM_ARN.fullmatch(identifier)
        state = self.state(match.group(1) if match else identifier)
        if state is None:
            return Error("ResourceNotFoundException", f"Could not find model {identifier}.", 404)
        return {"modelDetails": state.details(region)}

    def get_availability(self, model_id: str) -> dict[str, Any] | Error:
        """GetFoundationModelAvailability."""
        if not _MODEL_ID.fullmatch(model_id):
            return _validation(model_id, "modelId", _MODEL_ID)
        state = self.state(model_id)
        if state is None:
            return Error("ResourceNotFoundException", f"Could not find model {model_id}.", 404)
        return state.availability()

    def list_foundation_models(self, query: dict[str, str], region: str) -> dict[str, Any]:
        """ListFoundationModels with its byProvider / byOutputModality / byInferenceType filters."""
        provider = query.get("byProvider", "").lower()
        modality = query.get("byOutputModality")
        inference = query.get("byInferenceType")
        summaries = [
            state.details(region)
            for model_id, state in sorted(self._models.items())
            if model_id not in self._forgotten
            and (not provider or provider in (state.provider.lower(), model_id.split(".")[0]))
            and (not modality or modality in state.outputs)
            and (not inference or inference == "ON_DEMAND")
            and not query.get("byCustomizationType")
        ]
        return {"modelSummaries": summaries}

    def get_custom_model(self, identifier: str) -> dict[str, Any] | Error:
        """GetCustomModel by name or ARN."""
        custom = next((c for c in self._custom.values() if identifier in (c.arn, c.name)), None)
        if custom is None:
            return Error("ResourceNotFoundException", f"Could not find custom model {identifier}.", 404)
        region = custom.arn.split(":")[3]
        return {
            "modelArn": custom.arn,
            "modelName": custom.name,
            "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/{custom.base_model_id}",
            "customizationType": "FINE_TUNING",
            "modelStatus": "Active",
            "creationTime": _iso(custom.created),
        }

    def get_provisioned(self, identifier: str) -> dict[str, Any] | Error:
        """GetProvisionedModelThroughput by name or ARN."""
        found = next((p for p in self._provisioned.values() if identifier in (p.arn, p.name)), None)
        if found is None:
            return Error("ResourceNotFoundException", f"Could not find provisioned model {identifier}.", 404)
        region = found.arn.split(":")[3]
        return {
            "modelUnits": found.units,
            "desiredModelUnits": found.units,
            "provisionedModelName": found.name,
            "provisionedModelArn": found.arn,
            "modelArn": found.model_arn,
            "desiredModelArn": found.model_arn,
            "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/{found.base_model_id}",
            "status": found.status,
            "creationTime": _iso(found.created),
            "lastModifiedTime": _iso(found.created),
        }
