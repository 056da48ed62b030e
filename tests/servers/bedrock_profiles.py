"""GetInferenceProfile of the Bedrock control plane, for the system-defined cross-region profiles
(``us.``, ``eu.``, ``apac.``, ``jp.``, ``global.`` … in front of a foundation model id).

Shapes, path and enums are botocore's ``bedrock/2023-04-20/service-2.json``:
``GET /inference-profiles/{inferenceProfileIdentifier}`` answers inferenceProfileName,
inferenceProfileArn, inferenceProfileId, models[{modelArn}], status (ACTIVE) and type
(SYSTEM_DEFINED | APPLICATION), all required. The identifier must match botocore's pattern, else
ValidationException; an unknown profile is ResourceNotFoundException (404), whose text is the
emulator's own.

Which profiles exist: ``<geography>.<model id>`` for every model id the registry knows, offered only to
callers in a region of that geography (``global`` to every region). The regions per geography below are
the emulator's own simplification: AWS lists the destination regions per profile, and they differ from
model to model.
"""

from __future__ import annotations

import re
from typing import Any

from tests.servers.bedrock_common import Error
from tests.servers.bedrock_control import ACCOUNT, ModelRegistry

# botocore's pattern of inferenceProfileIdentifier (GetInferenceProfile).
_IDENTIFIER = re.compile(
    r"(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
    r"(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+"
)
_ARN = re.compile(r"arn:aws[^:]*:bedrock:[^:]*:[^:]*:(inference-profile|application-inference-profile)/(.+)")

# Destination regions of each geography's profiles (the emulator's own, see the module docstring).
GEOGRAPHY_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"),
    "apac": ("ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-central-1", "ca-west-1"),
    "global": ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2"),
}


def _not_found(identifier: str) -> Error:
    return Error("ResourceNotFoundException", f"Inference profile {identifier} not found.", 404)


def get_inference_profile(models: ModelRegistry, identifier: str, region: str) -> dict[str, Any] | Error:
    """GetInferenceProfile by id or ARN, as seen by a caller in region (registry lock held)."""
    if not _IDENTIFIER.fullmatch(identifier):
        return Error(
            "ValidationException",
            f"1 validation error detected: Value '{identifier}' at 'inferenceProfileIdentifier' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: {_IDENTIFIER.pattern}",
            400,
        )
    match = _ARN.fullmatch(identifier)
    if match and match.group(1) == "application-inference-profile":
        return _not_found(identifier)  # application profiles are not emulated
    profile_id = match.group(2) if match else identifier
    geography, _, model_id = profile_id.partition(".")
    regions = GEOGRAPHY_REGIONS.get(geography)
    state = models.state(model_id) if regions else None
    if regions is None or state is None or (geography != "global" and region not in regions):
        return _not_found(identifier)
    return {
        "inferenceProfileName": f"{geography.upper()} {state.name}",
        "description": f"Routes requests to {state.name} in {', '.join(regions)}.",
        "inferenceProfileArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{profile_id}",
        "inferenceProfileId": profile_id,
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{model_id}"} for r in regions],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }
