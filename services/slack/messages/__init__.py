"""Every sentence a Slack user reads, Japanese first (``ja.py``), then English (``en.py``).

Keys are stable; a missing translation falls back to Japanese.
"""

from __future__ import annotations

from services.core.text import Language
from services.slack.messages.causes import EN_CAUSES, JA_CAUSES
from services.slack.messages.edits import EN_EDITS, JA_EDITS
from services.slack.messages.en import EN as _EN_BASE
from services.slack.messages.ja import JA as _JA_BASE
from services.slack.messages.photos import EN_PHOTOS, JA_PHOTOS

__all__ = ["EN", "JA", "keys", "t"]

JA: dict[str, str] = {**_JA_BASE, **JA_CAUSES, **JA_EDITS, **JA_PHOTOS}
EN: dict[str, str] = {**_EN_BASE, **EN_CAUSES, **EN_EDITS, **EN_PHOTOS}

_CATALOGUES: dict[str, dict[str, str]] = {"ja": JA, "en": EN}


def t(key: str, lang: Language = "ja", **values: object) -> str:
    """The message for ``key`` in ``lang`` (Japanese if untranslated), filled in."""
    template = _CATALOGUES.get(lang, JA).get(key) or JA[key]
    return template.format(**values) if values else template


def keys() -> set[str]:
    """All message keys (for tests that check every key renders)."""
    return set(JA)
