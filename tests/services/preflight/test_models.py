"""What model identifiers name, and which text models take a forced tool choice."""

from __future__ import annotations

import pytest

from services.generation.image_models import model_family
from services.preflight import IMAGE_MODEL_PREFERENCE, accepts_forced_tool, parse_model
from services.preflight.models import same_family, tier

NOVA = "amazon.nova-canvas-v1:0"


@pytest.mark.parametrize(
    ("identifier", "kind", "base"),
    [
        (NOVA, "foundation", NOVA),
        (f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}", "foundation", NOVA),
        (f"us.{NOVA}", "profile", NOVA),
        (
            "apac.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "profile",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
        ),
        (
            "global.anthropic.claude-sonnet-4-20250514-v1:0",
            "profile",
            "anthropic.claude-sonnet-4-20250514-v1:0",
        ),
        (f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{NOVA}", "profile", NOVA),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            "application-profile",
            None,
        ),
        ("arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan/abc", "custom", None),
        ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123", "provisioned", None),
        ("arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123", "other", None),
    ],
)
def test_parse_model_tells_the_kinds_apart(identifier: str, kind: str, base: str | None) -> None:
    ref = parse_model(identifier)

    assert (ref.kind, ref.base_id) == (kind, base)


@pytest.mark.parametrize(
    ("model_id", "accepted"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", True),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", True),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", True),
        ("anthropic.claude-sonnet-4-20250514-v1:0", True),
        ("global.anthropic.claude-opus-4-1-20250805-v1:0", True),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("amazon.nova-pro-v1:0", True),
        ("apac.amazon.nova-lite-v1:0", True),
        ("amazon.nova-micro-v1:0", True),
        ("amazon.nova-premier-v1:0", True),
        ("amazon.nova-2-lite-v1:0", True),
        ("anthropic.claude-v2:1", False),
        ("anthropic.claude-instant-v1", False),
        ("amazon.nova-canvas-v1:0", False),
        ("amazon.titan-text-express-v1", False),
        ("meta.llama3-1-70b-instruct-v1:0", False),
        ("mistral.mistral-large-2407-v1:0", False),
    ],
)
def test_only_claude_3_and_later_and_nova_text_take_a_forced_tool(model_id: str, accepted: bool) -> None:
    assert accepts_forced_tool(model_id) is accepted


def test_families_and_tiers() -> None:
    assert same_family("amazon.titan-image-generator-v1", "amazon.titan-image-generator-v2:0", image=True)
    assert not same_family(NOVA, "amazon.titan-image-generator-v2:0", image=True)
    assert same_family("stability.stable-image-core-v1:0", "stability.stable-image-ultra-v1:1", image=True)
    assert same_family(
        "anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0", image=False
    )
    assert not same_family("anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-pro-v1:0", image=False)
    assert tier("anthropic.claude-3-5-sonnet-20240620-v1:0") == "sonnet"
    assert tier("amazon.nova-lite-v1:0") == "lite"
    assert tier(NOVA) is None


def test_every_preferred_image_model_has_an_adapter() -> None:
    # The bot builds an adapter for whichever it chooses; one it could not build would stop the start.
    assert IMAGE_MODEL_PREFERENCE[0] == NOVA
    assert all(model_family(model_id) for model_id in IMAGE_MODEL_PREFERENCE)
