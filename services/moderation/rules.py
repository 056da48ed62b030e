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

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import groupby
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel

__all__ = ["ALLOW_CATEGORY", "DEFAULT_CATEGORY", "BannedTerm", "RuleMatch", "TextRules", "normalize"]

DEFAULT_CATEGORY = "general"
"""Category of term lines that appear before any ``[section]`` header."""

ALLOW_CATEGORY = "allow"
"""Reserved section: benign phrases that contain a banned term; matches inside them are ignored."""

_PACKAGE = "services.moderation"
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

_ONE_LETTER_WORDS = frozenset("ai")  # English words of one letter (the text is casefolded)

_SECTION_NAME = re.compile(r"[a-z0-9_]+")
_LATIN_RUN = re.compile(r"[a-z0-9@$]+")  # "@" and "$" are leet letters, so they belong to the word
# Not leetspeak: a plain number or price ("455" stays "455"), or a number with a one-letter unit or
# prefix, so "5.3.x" (a version, merged to "53x"), "4k", "x64" and a masked "53XXXX" do not turn
# into words.
_NUMBER = re.compile(r"\$?[0-9]+|[0-9]+([a-z])\1*|[a-z][0-9]+")
# Digits and "@" glued to either end of a word ("porn18", "18porn", "sex2", "@sex"). Not "$": a
# leading "$" is read as "s" ("$ex"), and "$killed" is a shell variable.
_AFFIX = "0123456789@"
# A letter written three or more times ("sexxx", "pooorn"); no English word has one, so reading it
# as one or two letters cannot turn an ordinary word into a term ("rapping" has only two p's).
_STRETCHED = re.compile(r"([a-z])\1{2,}")
# Separators that are also leet letters when they stand between the letters of a word: "k!ll".
_GLUE_LETTERS: Mapping[str, tuple[str, ...]] = MappingProxyType({"!": ("i",), "|": ("l", "i")})
# Alternative readings of one token, and tokens joined by punctuation, are capped so that a
# crafted text cannot make matching slow.
_MAX_READINGS = 16
_MAX_GLUED_TOKENS = 8
# The skeleton of a Latin string (see _skeleton) ignores what the readings change: leetspeak, "1"
# as "i" or "l", and repeated letters.
_SKELETON: Mapping[int, int] = MappingProxyType(str.maketrans("013457@$l", "oieastasi"))


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
        # Small capitals, as "fancy text" generators write them (ꜱᴇx); NFKC keeps them
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
        "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ʀ": "r",
        "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    }  # fmt: skip
    table.update({ord(src): dst for src, dst in homoglyphs.items()})
    # Letter-shaped symbols that NFKC keeps (it already folds Ⓢ, 🅂, 𝐬 and the like): negative
    # circled 🅢, negative squared 🆂 and regional indicators 🇸, each A-Z.
    for first in (0x1F150, 0x1F170, 0x1F1E6):
        table.update({first + i: chr(ord("a") + i) for i in range(26)})
    return MappingProxyType(table)


_FOLD = _fold_table()

# Leetspeak is applied only when matching Latin words: in Japanese text digits are real content.
# "1" stands for "i" or "l" ("k1ll", "ki11"): _LEET reads it as "i", _ONE_AS_L is the other reading.
_LEET: Mapping[int, int] = MappingProxyType(str.maketrans("013457@$", "oieastas"))
_ONE_AS_L: Mapping[int, int] = MappingProxyType(str.maketrans("013457@$", "oleastas"))

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


def _leet_readings(word: str) -> set[str]:
    if _NUMBER.fullmatch(word):
        return {word}
    read = word.translate(_LEET)
    if "1" not in word:
        return {read}
    ones = [i for i, char in enumerate(word) if char == "1"]
    if len(ones) > 3:
        return {read, word.translate(_ONE_AS_L)}
    readings = set()
    for mask in range(1 << len(ones)):  # each "1" as "i" or as "l"
        chars = list(read)
        for bit, i in enumerate(ones):
            if mask >> bit & 1:
                chars[i] = "l"
        readings.add("".join(chars))
    return readings


def _unstretched(word: str) -> set[str]:
    runs = list(_STRETCHED.finditer(word))
    if not runs:
        return {word}
    if len(runs) > 3:
        return {word, _STRETCHED.sub(r"\1", word), _STRETCHED.sub(r"\1\1", word)}
    readings = {word}
    for mask in range(1 << len(runs)):  # each stretched letter read once or twice
        parts, previous = [], 0
        for bit, run in enumerate(runs):
            parts += [word[previous : run.start()], run.group(1) * (1 + (mask >> bit & 1))]
            previous = run.end()
        readings.add("".join(parts) + word[previous:])
    return readings


@lru_cache(maxsize=8192)  # ordinary text repeats its words; the readings of each are worked out once
def _readings(raw: str) -> frozenset[str]:
    """Every way to read a Latin token: as written, with leetspeak (a "1" as "i" or "l"), without
    digits glued to its ends, and with letters written three or more times as one or two."""
    words = {raw}
    core = raw.strip(_AFFIX)
    if core != raw and any("a" <= char <= "z" for char in core):
        words.add(core)
    readings: set[str] = set()
    for word in words:
        for read in _leet_readings(word):
            readings |= _unstretched(read)
    if len(readings) > _MAX_READINGS:
        readings = set(sorted(readings)[:_MAX_READINGS]) | {_leet(raw)}
    return frozenset(readings)


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
class _Token:
    """A Latin token (a run, or single characters merged) and the ways it can be read."""

    raw: str  # as in the normalised text, separators removed
    readings: frozenset[str]  # see _readings; every token has at least its leetspeak reading
    start: int
    end: int
    segment: int


@dataclass(frozen=True, slots=True)
class _View:
    """The normalised text prepared for each kind of matching; built once per ``find`` call."""

    # Letters and digits only, for Japanese/CJK substring matching; compact_pos maps each
    # character back to its offset in the normalised text.
    compact: str
    compact_pos: tuple[int, ...]
    # Latin tokens (single characters merged) and where each reading of a token occurs.
    tokens: tuple[_Token, ...]
    token_index: Mapping[str, tuple[int, ...]]
    # Readings of two or more tokens glued by punctuation alone ("s.ex", "k!ll", "porn-18"), with
    # the span of each in the normalised text.
    glued: Mapping[str, tuple[tuple[int, int], ...]]
    # Latin runs joined without separators, one segment per "\0"-separated block, with the runs'
    # offsets (matches must align to them) and the map back to the normalised text.
    latin: str
    latin_pos: tuple[int, ...]
    latin_runs: Mapping[int, tuple[int, str]]  # start of each run → (its end, its raw text)
    latin_ends: frozenset[int]

    @classmethod
    def build(cls, normalised: str, glue: _GlueTargets) -> _View:
        """Prepare ``normalised``; tokens glued by punctuation are joined only towards ``glue``."""
        compact_pos = tuple(i for i, c in enumerate(normalised) if _is_word_char(c))
        compact = "".join(normalised[i] for i in compact_pos)

        runs = _latin_runs(normalised)
        tokens = tuple(
            _Token(run.text, _token_readings(run, normalised), run.start, run.end, run.segment)
            for run in _merge_single_chars(runs)
        )
        index: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            for reading in token.readings:
                index.setdefault(reading, []).append(position)

        raw_latin: list[str] = []
        latin_pos: list[int] = []
        latin_runs: dict[int, tuple[int, str]] = {}
        for i, run in enumerate(runs):
            if i and run.segment != runs[i - 1].segment:
                raw_latin.append("\0")
                latin_pos.append(-1)
            start = len(latin_pos)
            raw_latin.append(_leet(run.text))  # leetspeak maps one character to one: offsets hold
            latin_pos.extend(range(run.start, run.end))
            latin_runs[start] = (len(latin_pos), run.text)

        return cls(
            compact=compact,
            compact_pos=compact_pos,
            tokens=tokens,
            token_index=MappingProxyType({text: tuple(found) for text, found in index.items()}),
            glued=_glued_readings(normalised, tokens, glue),
            latin="".join(raw_latin),
            latin_pos=tuple(latin_pos),
            latin_runs=MappingProxyType(latin_runs),
            latin_ends=frozenset(end for end, _ in latin_runs.values()),
        )


def _token_readings(run: _Run, normalised: str) -> frozenset[str]:
    readings = _readings(run.text)
    # "draw a s e x", "i k i l l", "k.i.l.l a man": a one-letter word next to a spelled-out term
    # merges with it, so the token is also read without it.
    text = run.text
    lead = len(text) > 2 and text[0] in _ONE_LETTER_WORDS and normalised[run.start + 1].isspace()
    trail = len(text) > 2 and text[-1] in _ONE_LETTER_WORDS and normalised[run.end - 2].isspace()
    if lead:
        readings |= _readings(text[1:])
    if trail:
        readings |= _readings(text[:-1])
    if lead and trail and len(text) > 3:
        readings |= _readings(text[1:-1])
    return readings


def _glued_readings(
    normalised: str, tokens: Sequence[_Token], glue: _GlueTargets
) -> Mapping[str, tuple[tuple[int, int], ...]]:
    # Tokens separated by punctuation or symbols alone, with no space, are read joined as well:
    # "se.x", "s-ex", "k.ill" and "p-or-n" spell a term as surely as "s.e.x" does. A space still
    # separates words ("a ss" is not "ass"). Function words are not special here, unlike across
    # a space: "hero-in" and "be.head" are not how anyone writes "a hero in" or "be head".
    glued: dict[str, list[tuple[int, int]]] = {}
    for i, first in enumerate(tokens):
        if not glue.may_start(first.raw):
            continue
        joined = {first.raw}
        for j in range(i + 1, min(i + _MAX_GLUED_TOKENS, len(tokens))):
            token = tokens[j]
            gap = normalised[tokens[j - 1].end : token.start]
            if token.segment != first.segment or any(c.isspace() for c in gap):
                break
            letters = ("", *_GLUE_LETTERS.get(gap, ()))
            joined = {
                text for head in joined for x in letters if glue.may_start(text := head + x + token.raw)
            }
            if not joined:
                break
            joined = set(sorted(joined)[:_MAX_READINGS])
            for text in joined:
                if glue.may_be(text):
                    for reading in _readings(text):
                        glued.setdefault(reading, []).append((first.start, token.end))
    return MappingProxyType({text: tuple(spans) for text, spans in glued.items()})


def _skeleton(text: str) -> str:
    # Leetspeak read, "l" and "i" made one letter, and every repeated letter written once: every
    # reading of a string (see _readings) has the skeleton of the string, or of its core without
    # the digits glued to its ends.
    return "".join(char for char, _ in groupby(text.translate(_SKELETON)))


@dataclass(frozen=True, slots=True)
class _GlueTargets:
    """The skeletons of every term's joined forms, so that glued tokens are joined only while
    they could still spell one (joining every run of punctuated tokens costs too much)."""

    whole: frozenset[str]
    prefixes: frozenset[str]

    @classmethod
    def of(cls, forms: Iterable[str]) -> _GlueTargets:
        whole = frozenset(_skeleton(form) for form in forms)
        return cls(whole, frozenset(s[:n] for s in whole for n in range(len(s) + 1)))

    def may_start(self, raw: str) -> bool:
        """Whether ``raw`` may be the beginning of a glued term (digits at its end may be glue)."""
        core = raw.rstrip(_AFFIX)
        return _skeleton(core) in self.prefixes or _skeleton(core.lstrip(_AFFIX)) in self.prefixes

    def may_be(self, raw: str) -> bool:
        """Whether a reading of ``raw`` may be a glued term (the same test on whole skeletons)."""
        core = raw.strip(_AFFIX)
        return _skeleton(raw) in self.whole or _skeleton(core) in self.whole


def _is_function_word(raw: str) -> bool:
    return len(raw) > 1 and raw in _FUNCTION_WORDS


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A term compiled for matching: either a CJK substring or a sequence of Latin words."""

    source: BannedTerm
    cjk: str  # compact form of a Japanese/CJK term; empty for Latin terms
    words: tuple[str, ...]  # Latin words of the term; empty for CJK terms
    last_forms: frozenset[str]  # last word with its plural/-ing/-ed forms
    glued_forms: frozenset[str]  # words joined, with suffixes; empty for CJK terms
    joined_forms: frozenset[str]  # the same, for matching across spaces; empty for short terms

    @classmethod
    def compile(cls, term: BannedTerm) -> _Pattern:
        normalised = normalize(term.term)
        if _is_cjk(normalised):
            compact = "".join(c for c in normalised if _is_word_char(c))
            return cls(term, compact, (), frozenset(), frozenset(), frozenset())
        words = tuple(_leet(run.text) for run in _merge_single_chars(_latin_runs(normalised)))
        if not words:
            raise ValueError(f"term {term.term!r} has no letters or digits after normalisation")
        joined = _word_forms("".join(words))
        long_joined = joined if len("".join(words)) >= _MIN_COMPACT_LATIN else frozenset()
        return cls(term, "", words, _word_forms(words[-1]), joined, long_joined)

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
        for form in self.glued_forms:
            if len(self.words) > 1:  # a multi-word term written as one token: "selfharm"
                for i in view.token_index.get(form, ()):
                    yield view.tokens[i].start, view.tokens[i].end
            yield from view.glued.get(form, ())
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
                    and all(w in t.readings for t, w in zip(window[1:-1], self.words[1:-1], strict=True))
                    and not window[-1].readings.isdisjoint(self.last_forms)
                ):
                    yield window[0].start, window[-1].end


def _joins_words(view: _View, start: int, end: int) -> bool:
    # True unless the aligned match [start, end) in view.latin uses a function word as a piece
    # ("a hero in armour"). A lone letter that is not a word ("h e r o in") shows the term is
    # spelled out, not written in words, and then function words do not count.
    pieces = []
    while start < end:
        start, piece = view.latin_runs[start]
        pieces.append(piece)
    if any(len(piece) == 1 and piece not in _ONE_LETTER_WORDS for piece in pieces):
        return True
    return not any(_is_function_word(piece) for piece in pieces)


def _find_offsets(haystack: str, needle: str) -> Iterator[int]:
    start = haystack.find(needle)
    while start != -1:
        yield start
        start = haystack.find(needle, start + 1)


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
