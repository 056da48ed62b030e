"""What a submitted form asks for (services/intake/forms.py), against the result it adjusts."""

from __future__ import annotations

from services.core.job import MAX_PROMPT_CHARS
from services.intake import FormInput, prefilled_prompt

# SD3.5 and Stable Image take 10,000 characters; the form's field holds 3,000.
LONG = ("a lighthouse and tall ships over a calm harbour at night, " * 200)[:10_000]


def test_a_prompt_the_field_holds_is_prefilled_whole() -> None:
    prompt = LONG[:MAX_PROMPT_CHARS]

    assert prefilled_prompt(prompt) == prompt
    assert prefilled_prompt(LONG) == LONG[:MAX_PROMPT_CHARS]


def test_a_long_prompt_left_as_prefilled_is_kept_whole() -> None:
    form = FormInput(text="夜の港", english_prompt=prefilled_prompt(LONG).strip())

    assert form.english_for(LONG) == LONG


def test_a_prompt_differing_only_in_whitespace_is_unchanged() -> None:
    original = "a cat\non a  roof"

    assert FormInput(english_prompt="a cat on a roof").english_for(original) == original


def test_an_edited_prompt_is_used_as_typed() -> None:
    edited = prefilled_prompt(LONG)[:-20] + " with fireworks"

    assert FormInput(english_prompt=edited).english_for(LONG) == " ".join(edited.split())
    assert FormInput(english_prompt="a  dog").english_for("a cat") == "a dog"


def test_an_empty_field_or_no_original_asks_for_a_translation_or_the_typed_prompt() -> None:
    assert FormInput(text="猫").english_for(LONG) is None
    assert FormInput(english_prompt=" a dog ").english_for(None) == "a dog"
    assert FormInput(english_prompt="").english_for(None) is None
