"""The message catalogue users read (services/slack/messages/).

Rule for Japanese text: a message that contains a full stop 。 is a sentence (or several)
and must end like one: with 。, with a closing full-width parenthesis ） (the trailing
"（ジョブ ID: …）" / "（… 秒）" notes), or with a closing backtick after an example command.
A message without 。 is a label (button, field name, progress stage, quoted title) and
must be short and on one line, since it is embedded in other messages or in buttons.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from services.core import errors
from services.slack.messages import EN, JA, keys, t

# Every placeholder any template uses, with a plausible value.
VALUES: dict[str, object] = {
    "user": "U0123ABCD",
    "text": "屋根の上の猫",
    "action": "再生成",
    "stage": "画像を生成しています",
    "elapsed": 12,
    "attempt": 2,
    "total": 6,
    "count": 3,
    "limit": 1000,
    "value": "6.5",
    "job_id": "20261121T093015-0123abcd",
    "category": "暴力的な表現",
    "categories": "暴力",
}
SENTENCE_ENDINGS = ("。", "）", "`")
LABEL_MAX_CHARS = 25
FORBIDDEN = ("Exception", "Traceback", "Error:", "{", "}", "None")
ALL_KEYS = sorted(keys())
SERVICES = Path(errors.__file__).parent.parent


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogue_is_not_empty() -> None:
    assert len(ALL_KEYS) > 30


def _values() -> dict[str, object]:
    """VALUES, plus "x" for any placeholder a newer message introduced."""
    # t() without values returns the raw template, so placeholders can be read from it.
    used = set().union(*(_placeholders(t(key)) for key in ALL_KEYS))
    return {**dict.fromkeys(used, "x"), **VALUES}


@pytest.mark.parametrize("key", ALL_KEYS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_message_renders_without_internals(key: str, lang: str) -> None:
    rendered = t(key, lang, **_values())  # type: ignore[arg-type]

    assert rendered.strip()
    for word in FORBIDDEN:
        assert word not in rendered, f"{key} ({lang}) shows {word!r}: {rendered}"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_english_templates_use_only_placeholders_of_the_japanese_one(key: str) -> None:
    assert _placeholders(t(key, "en")) <= _placeholders(t(key, "ja"))


@pytest.mark.parametrize("key", ALL_KEYS)
def test_japanese_sentences_end_properly_and_labels_are_short(key: str) -> None:
    rendered = t(key, "ja", **_values())

    if "。" in rendered:
        assert rendered.endswith(SENTENCE_ENDINGS), f"{key} does not end like a sentence: {rendered!r}"
    else:
        assert "\n" not in rendered, f"label {key} spans lines"
        assert len(rendered) <= LABEL_MAX_CHARS, f"label {key} is long for a label: {rendered!r}"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_japanese_messages_are_japanese(key: str) -> None:
    template = t(key, "ja")
    # Button labels such as "➕ cfg" are the only ones allowed to lack Japanese script.
    if key.startswith("button.cfg_"):
        return
    # Kana, kanji or Japanese punctuation such as 「」 (the quoted-title template is only that).
    assert any("\u3000" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in template), key


@pytest.mark.parametrize("key", ["model_misconfigured", "internal_error", "upload_failed"])
def test_operator_facing_failures_carry_the_job_id(key: str) -> None:
    assert "20261121T093015-0123abcd" in t(key, **_values())


def test_every_error_kind_has_a_message() -> None:
    # ModerationRejected is told through moderation.<layer> instead of its kind.
    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.BotError)
        and not issubclass(cls, errors.ModerationRejected)
    }

    assert kinds <= set(ALL_KEYS), kinds - set(ALL_KEYS)


def _literal_first_args(call_name: str) -> set[str]:
    """String literals passed first to ``call_name(...)`` anywhere in services/ (error kinds)."""
    found: set[str] = set()
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == call_name
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_input_rejections_raised_by_services_have_messages() -> None:
    kinds = _literal_first_args("InputRejected")

    assert {"input.empty", "button.invalid"} <= kinds
    missing = kinds - keys()
    assert not missing, missing


def test_untranslated_english_falls_back_to_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every key is translated now, so drop one English entry to see the fallback.
    monkeypatch.delitem(EN, "result.field.seed")
    assert t("result.field.seed", "en") == t("result.field.seed", "ja")
    assert t("button.regenerate", "en") == "🔄 Regenerate"


def test_unknown_key_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key")


def test_every_japanese_key_has_an_english_text() -> None:
    missing = [key for key in JA if key not in EN]
    assert not missing, missing
    extra = [key for key in EN if key not in JA]
    assert not extra, extra


@pytest.mark.parametrize("key", sorted(JA))
def test_english_and_japanese_use_the_same_placeholders(key: str) -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}

    assert fields(EN[key]) == fields(JA[key]), key


@pytest.mark.parametrize("key", sorted(EN))
def test_every_english_text_renders_with_dummy_values(key: str) -> None:
    names = {name for _, name, _, _ in string.Formatter().parse(EN[key]) if name}
    rendered = EN[key].format(**dict.fromkeys(names, "x"))

    assert rendered.strip()
    assert "{" not in rendered and "}" not in rendered, rendered
