"""First moderation layer: banned terms in Japanese and English, matched after normalisation.

Runs on the user's Japanese text and again on its English translation. The bundled list lives in
``services/data/banned_terms.txt``; operators add their own files in the same format (documented in
that file's header) through ``TextRules.load(extra_files=...)`` without code changes.

Matching is built to survive common obfuscation (full-/half-width, katakana/hiragana, spacing and
punctuation between characters, invisible characters, combining marks, homoglyphs, leetspeak) while
keeping false positives low: Japanese terms match as substrings of the text with every non-letter
removed, Latin terms match whole words only. A reserved ``[allow]`` section lists benign phrases
that contain a banned term (エセックス contains セックス); a match lying inside one is ignored.

Latin words are tokens: runs of letters and digits, with runs of single characters merged ("s e x",
"s.e.x"). A term matches a token, never part of one, so "Essex" and "sextant" pass. A token is also
read with leetspeak ("s3x", "k1ll" and "ki11"), without digits glued to its ends ("sex2", "18porn")
and with letters written three or more times squeezed ("sexxx"). Tokens separated by punctuation
alone, with no space, are also read joined ("se.x", "k!ll"), as are the words of a long term
split by a space ("porn ography").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

from services.moderation.matching import BannedTerm, _GlueTargets, _Pattern, _View
from services.moderation.normalise import _SECTION_NAME, normalize

__all__ = ["ALLOW_CATEGORY", "DEFAULT_CATEGORY", "BannedTerm", "RuleMatch", "TextRules", "normalize"]

DEFAULT_CATEGORY = "general"
"""Category of term lines that appear before any ``[section]`` header."""

ALLOW_CATEGORY = "allow"
"""Reserved section: benign phrases that contain a banned term; matches inside them are ignored."""

_PACKAGE = "services.moderation"
_BUNDLED_FILE = ("data", "banned_terms.txt")


class RuleMatch(BaseModel, frozen=True):
    """The banned term that matched and its category."""

    term: str
    category: str


class TextRules:
    """An immutable, compiled banned-term list; build it with ``TextRules.load()``."""

    __slots__ = ("_allow", "_glue", "_patterns")

    def __init__(self, terms: Iterable[BannedTerm]) -> None:
        patterns: list[_Pattern] = []
        allow: list[_Pattern] = []
        seen: set[tuple[bool, str]] = set()
        for term in terms:
            pattern = _Pattern.compile(term)
            is_allow = term.category == ALLOW_CATEGORY
            # The same term in two sections keeps its first entry (and so its first category).
            if (is_allow, pattern.key) in seen:
                continue
            seen.add((is_allow, pattern.key))
            (allow if is_allow else patterns).append(pattern)
        self._patterns = tuple(patterns)
        self._allow = tuple(allow)
        self._glue = _GlueTargets.of(form for p in (*patterns, *allow) for form in p.glued_forms)

    @classmethod
    def load(cls, extra_files: Sequence[Path] = ()) -> TextRules:
        """Build rules from the bundled list followed by the operator's files, in order."""
        bundled = resources.files(_PACKAGE).joinpath(*_BUNDLED_FILE)
        terms = cls.parse(bundled.read_text(encoding="utf-8"), source="/".join((_PACKAGE, *_BUNDLED_FILE)))
        for path in extra_files:
            terms.extend(cls.parse(path.read_text(encoding="utf-8"), source=str(path)))
        return cls(terms)

    @classmethod
    def parse(cls, text: str, source: str = "<string>") -> list[BannedTerm]:
        """Parse a banned-terms file; raise ValueError naming ``source`` and the line if malformed."""
        terms: list[BannedTerm] = []
        category = DEFAULT_CATEGORY
        for lineno, raw_line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                if line.startswith("["):
                    category = _section_name(line)
                    continue
                term = BannedTerm(term=_term_text(line), category=category)
                _Pattern.compile(term)  # reject terms that could never match
            except ValueError as exc:
                raise ValueError(f"{source}:{lineno}: {exc}") from None
            terms.append(term)
        return terms

    def find(self, text: str) -> RuleMatch | None:
        """Return the first banned term (in list order) found in ``text``, or None."""
        view = _View.build(normalize(text), self._glue)
        allowed: list[tuple[int, int]] | None = None
        for pattern in self._patterns:
            for start, end in pattern.spans(view):
                if allowed is None:  # computed lazily: most texts match nothing
                    allowed = [span for allow in self._allow for span in allow.spans(view)]
                if not any(a_start <= start and end <= a_end for a_start, a_end in allowed):
                    return RuleMatch(term=pattern.source.term, category=pattern.source.category)
        return None

    def __len__(self) -> int:
        """Number of banned terms, not counting duplicates or ``[allow]`` entries."""
        return len(self._patterns)


def _section_name(line: str) -> str:
    if not line.endswith("]"):
        raise ValueError(f"unclosed section header {line!r}")
    name = line[1:-1].strip()
    if not _SECTION_NAME.fullmatch(name):
        raise ValueError(f"section name must be lower-case letters, digits or '_', got {line!r}")
    return name


def _term_text(line: str) -> str:
    if "[" in line or "]" in line:
        raise ValueError(f"stray bracket in term {line!r} (section headers are '[name]' alone)")
    if "#" in line:
        raise ValueError(f"'#' in term {line!r}: comments must be on their own line")
    return line
