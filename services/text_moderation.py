"""First moderation layer: banned terms in Japanese and English, matched after normalisation.

Runs on the user's Japanese text and again on its English translation. The bundled list lives in
``services/data/banned_terms.txt``; operators add their own files in the same format (documented in
that file's header) through ``TextRules.load(extra_files=...)`` without code changes.

Matching is built to survive common obfuscation (full-/half-width, katakana/hiragana, spacing and
punctuation between characters, invisible characters, combining marks, homoglyphs, leetspeak) while
keeping false positives low: Japanese terms match as substrings of the text with every non-letter
removed, Latin terms match whole words only. A reserved ``[allow]`` section lists benign phrases
that contain a banned term (エセックス contains セックス); a match lying inside one is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel

__all__ = ["ALLOW_CATEGORY", "DEFAULT_CATEGORY", "BannedTerm", "RuleMatch", "TextRules", "normalize"]

DEFAULT_CATEGORY = "general"
"""Category of term lines that appear before any ``[section]`` header."""

ALLOW_CATEGORY = "allow"
"""Reserved section: benign phrases that contain a banned term; matches inside them are ignored."""

_PACKAGE = "services"
_BUNDLED_FILE = ("data", "banned_terms.txt")

# Latin terms shorter than this only match whole (merged) tokens. Matching short terms across
# joined tokens would turn "a SS officer" into "ass"; long terms are very unlikely to be formed by
# accident, so for them we also catch "porn ography" and "ch1ld-p0rn" (see _Pattern.spans).
_MIN_COMPACT_LATIN = 6

# Ordinary English words that, joined to a neighbour, spell a banned term: "a hero in armour" is
# "heroin", "will be head of sales" is "behead". A joined match that uses one of these as a whole
# word is ignored; letter-spaced obfuscation ("h e r o i n") is unaffected because single
# characters are never checked.
_FUNCTION_WORDS = frozenset({
    "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no",
    "of", "on", "or", "so", "to", "up", "us", "we", "all", "and", "any", "are", "but", "can",
    "did", "for", "had", "has", "her", "him", "his", "its", "may", "not", "now", "our", "out",
    "she", "the", "too", "was", "who", "you", "from", "have", "into", "onto", "that", "them",
    "then", "they", "this", "with",
})  # fmt: skip

_SECTION_NAME = re.compile(r"[a-z0-9_]+")
_LATIN_RUN = re.compile(r"[a-z0-9@$]+")  # "@" and "$" are leet letters, so they belong to the word
# Not leetspeak: a plain number or price ("455" stays "455"), or a number with a one-letter unit or
# prefix, so "5.3.x" (a version, merged to "53x"), "4k" and "x64" do not turn into words.
_NUMBER = re.compile(r"\$?[0-9]+|[0-9]+[a-z]|[a-z][0-9]+")


def _fold_table() -> Mapping[int, str]:
    # Katakana → hiragana so コロス, ｺﾛｽ (after NFKC) and ころす compare equal. ー (U+30FC) is
    # outside the range and is kept: it is part of words like ヌード on both sides.
    table = {code: chr(code - 0x60) for code in range(0x30A1, 0x30F7)}
    # Lower-case look-alikes (the text is already casefolded) mapped to the Latin letter they
    # imitate, so "kіll" with a Cyrillic і is "kill". Deliberately small: only common confusables.
    homoglyphs = {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z",
        # Latin letters outside ASCII that NFKC leaves alone
        "ɑ": "a", "ı": "i", "ȷ": "j", "ɡ": "g",
    }  # fmt: skip
    table.update({ord(src): dst for src, dst in homoglyphs.items()})
    return MappingProxyType(table)


_FOLD = _fold_table()

# Leetspeak is applied only when matching Latin words: in Japanese text digits are real content.
_LEET: Mapping[int, int] = MappingProxyType(str.maketrans("013457@$", "oieastas"))

# Kana voicing marks survive the combining-mark removal so が does not become か (which would
# change words), then are dropped if NFC could not attach them to a kana.
_KANA_VOICING = frozenset({"\u3099", "\u309a"})

# Hangul fillers are letters (Lo) that render as blank space; used to pad words invisibly.
_INVISIBLE_LETTERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0"})

# Cf: zero-width and format characters (U+200B/C/D, U+2060, U+FEFF, soft hyphen, bidi controls,
# tags). Mn/Me: combining marks, which includes the variation selectors U+FE00-FE0F and
# U+E0100-E01EF. All of these are invisible or decorative, so they only serve to split words.
_IGNORED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})


def _is_ignored(char: str) -> bool:
    if char in _KANA_VOICING:
        return False
    return char in _INVISIBLE_LETTERS or unicodedata.category(char) in _IGNORED_CATEGORIES


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def normalize(text: str) -> str:
    """Return ``text`` in the canonical form that both terms and user text are matched in."""
    # NFKC folds full-width Latin, half-width katakana and compatibility forms (ｋｉｌｌ, ｺﾛｽ, ①, ﬁ);
    # casefold is the Unicode-correct lower-casing (ß → ss).
    text = unicodedata.normalize("NFKC", text).casefold()
    # Decompose so accents become separate marks we can drop ("kíll" → "kill"), then recompose
    # to keep the kana that carry a voicing mark intact.
    decomposed = unicodedata.normalize("NFD", text)
    text = unicodedata.normalize("NFC", "".join(c for c in decomposed if not _is_ignored(c)))
    text = "".join(c for c in text if c not in _KANA_VOICING)
    return text.translate(_FOLD)


def _leet(word: str) -> str:
    return word if _NUMBER.fullmatch(word) else word.translate(_LEET)


def _is_cjk(normalised: str) -> bool:
    return any(not c.isascii() and unicodedata.category(c)[0] == "L" for c in normalised)


def _word_forms(word: str) -> frozenset[str]:
    # Plural / -ing / -ed forms, plus the e-dropping ones so "rape" catches "raped", "raping".
    # "-es" only after a sibilant ("sexes"): "heroin" + "es" is "heroines", an ordinary word.
    forms = {word, word + "s", word + "ing", word + "ed"}
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(word + "es")
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    return frozenset(forms)


class BannedTerm(BaseModel, frozen=True):
    """One entry of a banned-terms list."""

    term: str
    category: str


class RuleMatch(BaseModel, frozen=True):
    """The banned term that matched and its category."""

    term: str
    category: str


@dataclass(frozen=True, slots=True)
class _Run:
    """A run of Latin word characters; offsets index the normalised text."""

    text: str
    start: int
    end: int
    segment: int  # runs in one segment are separated only by spaces, punctuation, symbols


def _latin_runs(normalised: str) -> list[_Run]:
    runs: list[_Run] = []
    segment = 0
    previous_end = 0
    for found in _LATIN_RUN.finditer(normalised):
        # Letters or digits of another script (Japanese) between two runs start a new segment:
        # "A案とB案" must not merge into "ab", while "k.i.l.l" must merge into "kill".
        if runs and any(_is_word_char(c) for c in normalised[previous_end : found.start()]):
            segment += 1
        runs.append(_Run(found.group(), found.start(), found.end(), segment))
        previous_end = found.end()
    return runs


def _merge_single_chars(runs: Sequence[_Run]) -> list[_Run]:
    # "k i l l", "k.i.l.l", "k-i-l-l", "k_i_l_l" → one token "kill". Only runs of single characters
    # merge, so ordinary words keep their boundaries ("a cat" stays "a", "cat").
    merged: list[_Run] = []
    i = 0
    while i < len(runs):
        first = runs[i]
        j = i + 1
        if len(first.text) == 1:
            while j < len(runs) and len(runs[j].text) == 1 and runs[j].segment == first.segment:
                j += 1
        text = "".join(run.text for run in runs[i:j])
        merged.append(_Run(text, first.start, runs[j - 1].end, first.segment))
        i = j
    return merged


@dataclass(frozen=True, slots=True)
class _View:
    """The normalised text prepared for each kind of matching; built once per ``find`` call."""

    # Letters and digits only, for Japanese/CJK substring matching; compact_pos maps each
    # character back to its offset in the normalised text.
    compact: str
    compact_pos: tuple[int, ...]
    # Latin tokens (single characters merged, leetspeak mapped) and where each token occurs.
    tokens: tuple[_Run, ...]
    token_index: Mapping[str, tuple[int, ...]]
    # Latin runs joined without separators, one segment per "\0"-separated block, with the runs'
    # offsets (matches must align to them) and the map back to the normalised text.
    latin: str
    latin_pos: tuple[int, ...]
    latin_runs: Mapping[int, tuple[int, str]]  # start of each run → (its end, its raw text)
    latin_ends: frozenset[int]

    @classmethod
    def build(cls, normalised: str) -> _View:
        compact_pos = tuple(i for i, c in enumerate(normalised) if _is_word_char(c))
        compact = "".join(normalised[i] for i in compact_pos)

        runs = _latin_runs(normalised)
        tokens = tuple(
            _Run(_leet(run.text), run.start, run.end, run.segment) for run in _merge_single_chars(runs)
        )
        index: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            index.setdefault(token.text, []).append(position)

        raw_latin: list[str] = []
        latin_pos: list[int] = []
        latin_runs: dict[int, tuple[int, str]] = {}
        for i, run in enumerate(runs):
            if i and run.segment != runs[i - 1].segment:
                raw_latin.append("\0")
                latin_pos.append(-1)
            start = len(latin_pos)
            raw_latin.append(run.text)
            latin_pos.extend(range(run.start, run.end))
            latin_runs[start] = (len(latin_pos), run.text)
        # Leetspeak maps one character to one, so offsets survive applying it per segment.
        latin = "\0".join(_leet(part) for part in "".join(raw_latin).split("\0"))

        return cls(
            compact=compact,
            compact_pos=compact_pos,
            tokens=tokens,
            token_index=MappingProxyType({text: tuple(found) for text, found in index.items()}),
            latin=latin,
            latin_pos=tuple(latin_pos),
            latin_runs=MappingProxyType(latin_runs),
            latin_ends=frozenset(end for end, _ in latin_runs.values()),
        )


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A term compiled for matching: either a CJK substring or a sequence of Latin words."""

    source: BannedTerm
    cjk: str  # compact form of a Japanese/CJK term; empty for Latin terms
    words: tuple[str, ...]  # Latin words of the term; empty for CJK terms
    last_forms: frozenset[str]  # last word with its plural/-ing/-ed forms
    joined_forms: frozenset[str]  # words joined, with suffixes; empty for short terms

    @classmethod
    def compile(cls, term: BannedTerm) -> _Pattern:
        normalised = normalize(term.term)
        if _is_cjk(normalised):
            compact = "".join(c for c in normalised if _is_word_char(c))
            return cls(term, compact, (), frozenset(), frozenset())
        words = tuple(_leet(run.text) for run in _merge_single_chars(_latin_runs(normalised)))
        if not words:
            raise ValueError(f"term {term.term!r} has no letters or digits after normalisation")
        joined = "".join(words)
        joined_forms = _word_forms(joined) if len(joined) >= _MIN_COMPACT_LATIN else frozenset()
        return cls(term, "", words, _word_forms(words[-1]), joined_forms)

    @property
    def key(self) -> str:
        """Identity after normalisation, used to drop duplicate entries."""
        return self.cjk or " ".join(self.words)

    def spans(self, view: _View) -> Iterator[tuple[int, int]]:
        """Yield every (start, end) in the normalised text where this pattern matches."""
        if self.cjk:
            for start in _find_offsets(view.compact, self.cjk):
                yield view.compact_pos[start], view.compact_pos[start + len(self.cjk) - 1] + 1
            return
        yield from self._token_spans(view)
        for form in self.joined_forms:
            for start in _find_offsets(view.latin, form):
                end = start + len(form)
                # Only whole runs count, so "therapist" does not contain "rapist" and "heroine" is
                # not "heroin": the match must start where a run starts and end where one ends.
                if start in view.latin_runs and end in view.latin_ends and _joins_words(view, start, end):
                    yield view.latin_pos[start], view.latin_pos[end - 1] + 1

    def _token_spans(self, view: _View) -> Iterator[tuple[int, int]]:
        count = len(self.words)
        first_forms = self.last_forms if count == 1 else frozenset({self.words[0]})
        for form in first_forms:
            for i in view.token_index.get(form, ()):
                window = view.tokens[i : i + count]
                if (
                    len(window) == count
                    and all(token.segment == window[0].segment for token in window)
                    and all(t.text == w for t, w in zip(window[1:-1], self.words[1:-1], strict=True))
                    and window[-1].text in self.last_forms
                ):
                    yield window[0].start, window[-1].end


def _joins_words(view: _View, start: int, end: int) -> bool:
    # True unless the aligned match [start, end) in view.latin uses a function word as a piece.
    while start < end:
        start, piece = view.latin_runs[start]
        if len(piece) > 1 and piece in _FUNCTION_WORDS:
            return False
    return True


def _find_offsets(haystack: str, needle: str) -> Iterator[int]:
    start = haystack.find(needle)
    while start != -1:
        yield start
        start = haystack.find(needle, start + 1)


class TextRules:
    """An immutable, compiled banned-term list; build it with ``TextRules.load()``."""

    __slots__ = ("_allow", "_patterns")

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
        view = _View.build(normalize(text))
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
