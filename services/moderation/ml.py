"""Second moderation layer: machine-learned text and image checks behind the banned-term rules.

* ``ToxicityChecker`` scores the English translation with Amazon Comprehend DetectToxicContent, which
  only supports English ("ja" is answered with UnsupportedLanguageException).
* ``GuardrailChecker`` runs a Bedrock guardrail through ApplyGuardrail on text in any language its
  tier supports (Japanese needs the Standard tier) and on images.

Both fail closed: any client or connection error raises ``ModerationUnavailable`` and the caller
decides whether to refuse the request or carry on with the remaining layers.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image
from pydantic import BaseModel, ConfigDict

from services.core.causes import diagnose_error, log_diagnosis
from services.core.errors import ModerationUnavailable, error_code
from services.core.images import fit

__all__ = [
    "GUARDRAIL_MAX_IMAGE_BYTES",
    "GUARDRAIL_MAX_SIDE",
    "TOXICITY_CATEGORY",
    "TOXIC_LABELS",
    "GuardrailChecker",
    "GuardrailSource",
    "TextVerdict",
    "ToxicityChecker",
    "guardrail_category",
    "split_segments",
]

logger = logging.getLogger(__name__)

TOXIC_LABELS = (
    "GRAPHIC",
    "HARASSMENT_OR_ABUSE",
    "HATE_SPEECH",
    "INSULT",
    "PROFANITY",
    "SEXUAL",
    "VIOLENCE_OR_THREAT",
)
"""Every label DetectToxicContent reports (botocore ``ToxicContentType``)."""

TOXICITY_CATEGORY = "TOXICITY"
"""Category of a verdict flagged by the overall score alone, with no configured label over threshold."""

# DetectToxicContent limits, as documented for TextSegments ("A list of up to 10 text strings. Each
# string has a maximum size of 1 KB, and the maximum size of the list is 10 KB."; the same prose is
# in botocore's comprehend service model, whose TextSegment.Text shape only sets min 1, no max).
# "1 KB" is read as 1,000 UTF-8 bytes, the stricter of the two meanings (as for the guardrail's
# "4 MB" below): 1,024-byte segments would be rejected if the service counts in thousands. Ten
# segments of at most 1,000 bytes also keep the list within 10 KB either way.
_SEGMENT_BYTES = 1000
_MAX_SEGMENTS = 10

# Cut points, best first. A cut only counts in the second half of the window so that an early
# full stop does not waste one of the ten segments on a few words.
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’)\]]*\s+|\n\s*")
_CLAUSE_END = re.compile(r"[,;:、，；：]\s*")
_WHITESPACE = re.compile(r"\s+")

# Japanese script, matched in NFKC text: 々〆〇, kana (with ・ and ー), katakana extensions, kanji
# (extension A, the URO, extensions B and later) and the twelve compatibility ideographs in
# U+F900-FAFF that NFKC leaves alone (﨑 U+FA11 and others); the rest of that block, half-width
# katakana and forms such as ㈱ or ㍻ are folded into these ranges by NFKC.
_JAPANESE = re.compile(
    "[\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f]+"
)

# A text counts as Japanese, and is refused, when more than this share of its letters are Japanese;
# below it the Japanese characters are names kept in an English prompt and are dropped. The same
# 10% that translation.looks_english allows for non-Latin letters in English input.
_MAX_JAPANESE_SHARE = 0.1

GuardrailSource = Literal["INPUT", "OUTPUT"]

# ApplyGuardrail image limits: "4 MB" per image (read as 4,000,000 bytes, the stricter of the two
# meanings) and 8000 px per side.
GUARDRAIL_MAX_IMAGE_BYTES = 4_000_000
GUARDRAIL_MAX_SIDE = 8000


class TextVerdict(BaseModel):
    """What one ML moderation layer said about a text or an image."""

    model_config = ConfigDict(frozen=True)

    flagged: bool
    layer: str = "toxicity"
    category: str | None = None
    scores: dict[str, float] = {}
    toxicity: float = 0.0


def split_segments(
    text: str, *, max_bytes: int = _SEGMENT_BYTES, max_segments: int = _MAX_SEGMENTS
) -> list[str]:
    """Split ``text`` into at most ``max_segments`` non-empty pieces of at most ``max_bytes`` UTF-8 bytes.

    Cuts fall at the end of a sentence if possible, else after a comma, else at a space, and only
    inside a word when a whole window has no space. Text beyond the last segment is dropped.
    """
    if max_bytes < 4 or max_segments < 1:  # a window must hold any UTF-8 character, or we loop
        raise ValueError("max_bytes must be at least 4 and max_segments at least 1")
    # Lone surrogates cannot be encoded as UTF-8; botocore would fail on them before sending.
    rest = text.encode("utf-8", "replace").decode("utf-8").strip()
    segments: list[str] = []
    while rest and len(segments) < max_segments:
        encoded = rest.encode("utf-8")
        if len(encoded) <= max_bytes:
            segments.append(rest)
            rest = ""
            break
        # The longest prefix within max_bytes that does not end inside a multi-byte character.
        window = encoded[:max_bytes].decode("utf-8", "ignore")
        cut = _cut_point(window)
        head, rest = rest[:cut].strip(), rest[cut:].lstrip()
        if head:
            segments.append(head)
    if rest:
        logger.warning(
            "toxicity check covers the first %d segments only; %d bytes left unchecked",
            len(segments),
            len(rest.encode("utf-8")),
        )
    return segments


def _english_text(text: str) -> str:
    """``text`` as sent to Comprehend: NFKC, with Japanese names removed; raises if it is Japanese."""
    # NFKC first, so the language test sees compatibility forms as what they are: 欄 (U+F91D) is
    # the kanji 欄, ｋｉｌｌ is "kill", ㈱ is (株).
    text = unicodedata.normalize("NFKC", text)
    runs = _JAPANESE.findall(text)
    if not runs:
        return text
    letters = sum(1 for char in text if _is_letter(char))
    japanese = sum(1 for run in runs for char in run if _is_letter(char))
    # We always declare "en", and nothing documents that Comprehend checks the text against the
    # declared language, so Japanese would most likely be scored as (harmless) English. A silent
    # pass is worse than no answer: refuse, as the service does for LanguageCode "ja".
    if japanese > letters * _MAX_JAPANESE_SHARE:
        raise ModerationUnavailable("comprehend DetectToxicContent: UnsupportedLanguage (Japanese text)")
    # A name or two in an English prompt (the pipeline drops the Japanese it recognises before
    # calling; these are the ones it missed): left out, as Comprehend could not read them anyway.
    logger.info("toxicity check: %d Japanese letters left out of an English text", japanese)
    return _JAPANESE.sub(" ", text)


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


def _cut_point(window: str) -> int:
    half = len(window) // 2
    for pattern in (_SENTENCE_END, _CLAUSE_END, _WHITESPACE):
        ends = [m.end() for m in pattern.finditer(window) if m.end() > half]
        if ends:
            return ends[-1]
    return len(window)


class ToxicityChecker:
    """Comprehend DetectToxicContent on English text."""

    def __init__(self, client: Any, *, threshold: float = 0.5, labels: Sequence[str] | None = None) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        chosen = tuple(TOXIC_LABELS if labels is None else (label.upper() for label in labels))
        unknown = sorted(set(chosen) - set(TOXIC_LABELS))
        if unknown:
            raise ValueError(f"unknown toxicity labels {unknown}; known: {list(TOXIC_LABELS)}")
        self._client = client
        self._threshold = threshold
        self._labels = frozenset(chosen)

    def check(self, text: str) -> TextVerdict:
        """Score ``text`` (English); flag it when a configured label or the overall toxicity is high.

        The text is scored in NFKC form (full-width letters, ligatures and compatibility characters
        as their plain equivalents). Japanese text is refused with ModerationUnavailable; a few
        Japanese characters in English text (a name kept untranslated) are left out of the score.
        Only the first 10,000 bytes are scored (ten 1 KB segments, the API's limit). The product caps
        requests at 1,000 characters, whose English translation stays well below that.
        """
        segments = split_segments(_english_text(text))
        if not segments:
            return TextVerdict(flagged=False, layer="toxicity")
        try:
            response = self._client.detect_toxic_content(
                TextSegments=[{"Text": segment} for segment in segments], LanguageCode="en"
            )
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("comprehend DetectToxicContent", exc) from exc

        results = response.get("ResultList") or []
        # One result per segment, in order. Anything else means we cannot tell which text was
        # scored, so we treat it like an outage rather than as a pass.
        if len(results) != len(segments):
            raise ModerationUnavailable(
                f"comprehend DetectToxicContent: {len(results)} results for {len(segments)} segments"
            )
        scores: dict[str, float] = {}
        toxicity = 0.0
        for result in results:
            toxicity = max(toxicity, float(result.get("Toxicity", 0.0)))
            for label in result.get("Labels") or []:
                name = str(label.get("Name", ""))
                scores[name] = max(scores.get(name, 0.0), float(label.get("Score", 0.0)))

        hits = {
            name: score for name, score in scores.items() if name in self._labels and score >= self._threshold
        }
        category: str | None = None
        if hits:
            category = max(hits, key=lambda name: hits[name])
        elif toxicity >= self._threshold:
            category = TOXICITY_CATEGORY
        return TextVerdict(
            flagged=category is not None,
            layer="toxicity",
            category=category,
            scores=scores,
            toxicity=toxicity,
        )


# Which assessment items name the category of an intervention, in order of preference: what the
# image or text *is* (content filters) before what it is *about* (topics), words and PII.
def _assessment_items(assessment: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(action, category) of every policy item in one ApplyGuardrail assessment."""
    for item in _dig_list(assessment, "contentPolicy", "filters"):
        yield str(item.get("action", "")), str(item.get("type", "CONTENT"))
    for item in _dig_list(assessment, "topicPolicy", "topics"):
        yield str(item.get("action", "")), str(item.get("name", "TOPIC"))
    for key in ("customWords", "managedWordLists"):
        for item in _dig_list(assessment, "wordPolicy", key):
            yield str(item.get("action", "")), "WORDS"
    for key in ("piiEntities", "regexes"):
        for item in _dig_list(assessment, "sensitiveInformationPolicy", key):
            yield str(item.get("action", "")), "PII"
    for item in _dig_list(assessment, "contextualGroundingPolicy", "filters"):
        yield str(item.get("action", "")), str(item.get("type", "GROUNDING"))


def _dig_list(node: Mapping[str, Any], outer: str, inner: str) -> list[Mapping[str, Any]]:
    section = node.get(outer)
    items = section.get(inner) if isinstance(section, Mapping) else None
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def guardrail_category(assessments: Sequence[Mapping[str, Any]]) -> str:
    """The category of an intervention: the first BLOCKED item, else the first item acted on."""
    items = [item for assessment in assessments for item in _assessment_items(assessment)]
    for action, category in items:
        if action == "BLOCKED":
            return category
    # A guardrail that only masks PII (ANONYMIZED) still answers GUARDRAIL_INTERVENED.
    for action, category in items:
        if action not in ("", "NONE"):
            return category
    return "OTHER"


class GuardrailChecker:
    """Bedrock ApplyGuardrail on text (any supported language) and on images."""

    def __init__(self, client: Any, guardrail_id: str, guardrail_version: str) -> None:
        self._client = client
        self._guardrail_id = guardrail_id
        self._guardrail_version = guardrail_version

    def check_text(self, text: str, source: GuardrailSource = "INPUT") -> TextVerdict:
        """Apply the guardrail to ``text``; flagged when the guardrail intervenes."""
        if not text.strip():
            return TextVerdict(flagged=False, layer="guardrail")
        return self._apply([{"text": {"text": text}}], source)

    def check_image(self, data: bytes, source: GuardrailSource = "OUTPUT") -> TextVerdict:
        """Apply the guardrail to an image, shrunk first to the ApplyGuardrail limits."""
        try:
            image, fmt = fit(data, max_bytes=GUARDRAIL_MAX_IMAGE_BYTES, max_side=GUARDRAIL_MAX_SIDE)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            # An image we cannot decode is an image we cannot check.
            raise ModerationUnavailable(f"guardrail: unreadable image ({type(exc).__name__})") from exc
        # botocore base64-encodes the blob itself: pass raw bytes.
        return self._apply([{"image": {"format": fmt, "source": {"bytes": image}}}], source)

    def _apply(self, content: list[dict[str, Any]], source: GuardrailSource) -> TextVerdict:
        try:
            response = self._client.apply_guardrail(
                guardrailIdentifier=self._guardrail_id,
                guardrailVersion=self._guardrail_version,
                source=source,
                content=content,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("bedrock ApplyGuardrail", exc) from exc

        action = response.get("action")
        if action == "NONE":
            return TextVerdict(flagged=False, layer="guardrail")
        if action != "GUARDRAIL_INTERVENED":
            # botocore does not validate enums in answers; an action we do not know is not a pass.
            raise ModerationUnavailable(f"bedrock ApplyGuardrail: unexpected action {action!r}")
        category = guardrail_category(response.get("assessments") or [])
        return TextVerdict(flagged=True, layer="guardrail", category=category)


def _unavailable(what: str, exc: Exception) -> ModerationUnavailable:
    """Fail closed, and say why: a missing permission or region is not an outage."""
    diagnosis = diagnose_error(exc)
    log_diagnosis(logger, what, diagnosis)
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return ModerationUnavailable(f"{what}: {code}").because(diagnosis)
