"""Latin words as tokens, and where a banned term spans them (see ``rules`` for the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from types import MappingProxyType

from pydantic import BaseModel

from services.moderation.normalise import (
    _AFFIX,
    _FUNCTION_WORDS,
    _GLUE_LETTERS,
    _LATIN_RUN,
    _MAX_GLUED_TOKENS,
    _MAX_READINGS,
    _MIN_COMPACT_LATIN,
    _ONE_LETTER_WORDS,
    _SKELETON,
    _is_cjk,
    _is_word_char,
    _leet,
    _readings,
    _word_forms,
    normalize,
)


class BannedTerm(BaseModel, frozen=True):
    """One entry of a banned-terms list."""

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
