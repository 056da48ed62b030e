"""Text as the banned-term rules read it: folded widths, kana, homoglyphs and leetspeak.

Both scripts are normalised here; ``matching`` then reads the Latin words as tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

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
