"""Final prompt text within each model's limits (services/prompting.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.generation.image_models import Capabilities
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE
from services.generation.prompting import PromptBuilder, trim_at_phrase

# --- trim_at_phrase ----------------------------------------------------------------------------------


def test_text_under_the_limit_is_unchanged() -> None:
    text = "a cat, on a roof. at night"

    assert trim_at_phrase(text, 100) == text
    assert trim_at_phrase(text, len(text)) == text


def test_whitespace_is_collapsed_even_under_the_limit() -> None:
    assert trim_at_phrase("  a cat,\n\ton   a roof ", 100) == "a cat, on a roof"


def test_cut_at_the_last_comma_that_keeps_half() -> None:
    text = "a cat on a roof, at night, under the moon, watercolor style"
    limit = 45  # cut[:45] == "a cat on a roof, at night, under the moon, wa"

    assert trim_at_phrase(text, limit) == "a cat on a roof, at night, under the moon"


def test_cut_at_the_last_period_that_keeps_half() -> None:
    text = "A cat sits on a roof. The moon is full and bright tonight"
    limit = 30

    assert trim_at_phrase(text, limit) == "A cat sits on a roof"


def test_semicolon_is_a_phrase_end_too() -> None:
    assert trim_at_phrase("a cat on a roof; a moon above it all", 20) == "a cat on a roof"


def test_boundary_before_half_falls_back_to_a_space() -> None:
    # The only comma is at index 5, under half of 42: cut at the last space instead.
    text = "a cat, sitting quietly on the tiled roof of an old house"
    result = trim_at_phrase(text, 42)

    assert result == "a cat, sitting quietly on the tiled roof"


def test_no_boundary_and_no_space_cuts_hard() -> None:
    text = "x" * 50

    assert trim_at_phrase(text, 20) == "x" * 20


def test_space_before_half_is_ignored_and_cut_is_hard() -> None:
    text = "ab " + "c" * 50

    assert trim_at_phrase(text, 20) == ("ab " + "c" * 50)[:20]


_WORDS = st.text(alphabet=st.sampled_from("abcxyz.,; \n\t猫"), min_size=0, max_size=400)


@settings(max_examples=400, deadline=None, database=None)
@given(text=_WORDS | st.text(max_size=400), limit=st.integers(min_value=0, max_value=300))
def test_trim_never_exceeds_the_limit_and_keeps_a_prefix(text: str, limit: int) -> None:
    normalised = " ".join(text.split())

    result = trim_at_phrase(text, limit)

    assert len(result) <= limit
    assert normalised.startswith(result)
    if len(normalised) <= limit:
        assert result == normalised


@settings(max_examples=200, deadline=None, database=None)
@given(
    phrases=st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=30), min_size=1, max_size=60),
    limit=st.integers(min_value=20, max_value=400),
)
def test_trim_of_comma_separated_phrases_keeps_at_least_half(phrases: list[str], limit: int) -> None:
    text = ", ".join(phrases)

    result = trim_at_phrase(text, limit)

    normalised = " ".join(text.split())
    assert len(result) <= limit
    if len(normalised) > limit:
        # A cut at a boundary or space keeps half; otherwise the hard cut keeps the whole allowance.
        assert len(result) >= limit // 2 - 1
        assert not result.endswith((",", ";", " "))


# --- PromptBuilder -----------------------------------------------------------------------------------


def test_builder_applies_template_and_negative_list() -> None:
    builder = PromptBuilder("{prompt}, watercolor, soft light", ["blurry", " text ", "", "  ", "watermark"])

    built = builder.build("  a cat on a roof ", max_chars=1024, negative_max_chars=1024)

    assert built.text == "a cat on a roof, watercolor, soft light"
    assert built.negative == "blurry, text, watermark"


def test_builder_defaults_to_the_prompt_alone_and_no_negative() -> None:
    built = PromptBuilder().build("a cat", max_chars=512, negative_max_chars=512)

    assert built.text == "a cat"
    assert built.negative is None


def test_builder_leaves_braces_in_the_english_prompt_alone() -> None:
    built = PromptBuilder("{prompt}, oil painting").build("a {cat}", max_chars=100, negative_max_chars=None)

    assert built.text == "a {cat}, oil painting"


def test_builder_without_negative_allowance_sends_no_negative() -> None:
    built = PromptBuilder(negative_terms=["blurry"]).build("a cat", max_chars=100, negative_max_chars=None)

    assert built.negative is None


@pytest.mark.parametrize("caps", [TITAN_IMAGE, NOVA_CANVAS], ids=["titan-512", "nova-1024"])
def test_builder_respects_both_limits_of_each_model(caps: Capabilities) -> None:
    max_chars = caps.max_prompt_chars
    negative_max = caps.max_negative_chars
    assert negative_max is not None
    english = ", ".join(f"detail number {i}" for i in range(200))  # ~3,400 characters
    negatives = [f"unwanted thing {i}" for i in range(200)]
    builder = PromptBuilder("{prompt}, watercolor", negatives)

    built = builder.build(english, max_chars=max_chars, negative_max_chars=negative_max)

    assert max_chars // 2 <= len(built.text) <= max_chars
    assert built.text.startswith("detail number 0, detail number 1,")
    assert not built.text.endswith(",")
    assert built.negative is not None
    assert negative_max // 2 <= len(built.negative) <= negative_max
    assert built.negative.startswith("unwanted thing 0, unwanted thing 1")
    assert not built.negative.endswith(",")


def test_limits_are_the_documented_ones() -> None:
    assert (TITAN_IMAGE.max_prompt_chars, TITAN_IMAGE.max_negative_chars) == (512, 512)
    assert (NOVA_CANVAS.max_prompt_chars, NOVA_CANVAS.max_negative_chars) == (1024, 1024)
