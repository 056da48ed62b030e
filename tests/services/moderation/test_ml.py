"""ML moderation layers (services/ml_moderation.py): Comprehend toxicity and Bedrock guardrails.

Real boto3 clients talk to the AWS emulator, so requests and answers go through botocore's
serialisers and parsers exactly as they would against AWS.
"""

from __future__ import annotations

import base64
import io
import logging
import socket
import unicodedata
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from services.core.errors import ModerationUnavailable
from services.generation.translation import JAPANESE as TRANSLATION_JAPANESE
from services.generation.translation import looks_english
from services.moderation.ml import (
    GUARDRAIL_MAX_SIDE,
    TOXIC_LABELS,
    TOXICITY_CATEGORY,
    GuardrailChecker,
    TextVerdict,
    ToxicityChecker,
    guardrail_category,
    split_segments,
)
from tests.servers.aws_emulator import AwsEmulator, Error, Recorded

GUARDRAIL_ID = "abc123def456"
GUARDRAIL_VERSION = "3"

# DetectToxicContent documents each TextSegment as at most "1 KB"; the checker reads that as 1,000
# UTF-8 bytes (the stricter meaning), and ten of them stay within the documented 10 KB list.
SEGMENT_BYTES = 1000

# One attempt: botocore's own retries are not what these tests are about, and they add seconds.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _comprehend(config: Config | None = None) -> Any:
    return boto3.client("comprehend", region_name="us-east-1", config=config or NO_RETRIES)


def _bedrock(config: Config | None = None) -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", config=config or NO_RETRIES)


def _result(toxicity: float = 0.01, **scores: float) -> dict[str, Any]:
    """One ToxicLabels entry: every label at 0.01 unless given."""
    return {
        "Labels": [{"Name": name, "Score": scores.get(name, 0.01)} for name in TOXIC_LABELS],
        "Toxicity": toxicity,
    }


def _per_segment(score: Callable[[str], dict[str, Any]]) -> Callable[[Recorded], dict[str, Any]]:
    """A DetectToxicContent answer with one result per segment, computed from the segment text."""

    def answer(record: Recorded) -> dict[str, Any]:
        return {"ResultList": [score(segment["Text"]) for segment in record.body["TextSegments"]]}

    return answer


def _sentences(total_bytes: int) -> str:
    """English text of about ``total_bytes`` bytes, made of numbered sentences."""
    sentences: list[str] = []
    while len(" ".join(sentences)) < total_bytes:
        n = len(sentences) + 1
        sentences.append(f"Sentence {n} describes a quiet harbour at dawn, with boats and gulls.")
    return " ".join(sentences)


# --- segments ----------------------------------------------------------------------------------------


def test_short_text_is_one_segment() -> None:
    assert split_segments("  a red fox in the snow  ") == ["a red fox in the snow"]
    assert split_segments(" \n\t ") == []


def test_segments_end_at_sentence_boundaries() -> None:
    text = _sentences(3000)

    segments = split_segments(text)

    assert 3 <= len(segments) <= 4
    assert all(len(s.encode()) <= SEGMENT_BYTES for s in segments)
    assert all(s.endswith(".") for s in segments)
    assert " ".join(segments) == text


def test_segments_fall_back_to_commas_then_spaces_then_hard_cuts() -> None:
    commas = ", ".join(["word " * 10] * 30)  # clauses, no full stop
    spaces = "word " * 400
    blob = "x" * 2500

    assert all(s.endswith(",") for s in split_segments(commas)[:-1])
    assert all(s.endswith("word") for s in split_segments(spaces))
    assert [len(s) for s in split_segments(blob)] == [1000, 1000, 500]


def test_segments_never_split_a_multibyte_character() -> None:
    text = "é" * 700  # 2 bytes each, no spaces: 1400 bytes

    segments = split_segments(text)

    assert [len(s.encode()) for s in segments] == [1000, 400]
    assert "".join(segments) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a" * SEGMENT_BYTES, ["a" * SEGMENT_BYTES], id="exactly at the limit: one segment"),
        pytest.param("a" * (SEGMENT_BYTES + 1), ["a" * SEGMENT_BYTES, "a"], id="one byte over: a hard cut"),
        pytest.param(
            "あ" * 333 + "a",  # 999 + 1 bytes
            ["あ" * 333 + "a"],
            id="multi-byte text exactly at the limit",
        ),
        pytest.param(
            "あ" * 333 + "ab",  # 1001 bytes: the last "b" does not fit
            ["あ" * 333 + "a", "b"],
            id="multi-byte text one byte over",
        ),
        pytest.param(
            "a" * (SEGMENT_BYTES - 1) + "あい",  # あ takes bytes 1000-1002: it straddles the limit
            ["a" * (SEGMENT_BYTES - 1), "あい"],
            id="3-byte character straddling the limit moves whole to the next segment",
        ),
        pytest.param(
            "a" * (SEGMENT_BYTES - 2) + "é",  # é takes bytes 999-1000: it ends exactly at the limit
            ["a" * (SEGMENT_BYTES - 2) + "é"],
            id="2-byte character ending at the limit stays",
        ),
        pytest.param(
            "a" * (SEGMENT_BYTES - 3) + "😀b",  # the 4-byte emoji takes bytes 998-1001
            ["a" * (SEGMENT_BYTES - 3), "😀b"],
            id="4-byte character straddling the limit",
        ),
    ],
)
def test_segment_byte_limit_boundary(text: str, expected: list[str]) -> None:
    segments = split_segments(text)

    assert segments == expected
    assert all(len(s.encode("utf-8")) <= SEGMENT_BYTES for s in segments)
    assert "".join(segments) == text  # nothing lost, no character split or replaced


_MIXED_WIDTHS = st.sampled_from(["a", "b", " ", "\n", ".", "、", "é", "あ", "漢", "😀"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_MIXED_WIDTHS, max_size=600))
def test_any_text_splits_within_the_limit_without_breaking_characters(text: str) -> None:
    # 1-, 2-, 3- and 4-byte characters with spaces and full stops; at most 2,400 bytes, so no
    # text is dropped for the ten-segment cap.
    segments = split_segments(text)

    assert all(0 < len(s.encode("utf-8")) <= SEGMENT_BYTES for s in segments)
    # Cuts only drop the whitespace they fall on: every other character arrives whole and in order.
    assert "".join("".join(segments).split()) == "".join(text.split())


def test_text_beyond_ten_segments_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    text = _sentences(15_000)

    with caplog.at_level(logging.WARNING, logger="services.moderation.ml"):
        segments = split_segments(text)

    assert len(segments) == 10
    assert all(len(s.encode()) <= SEGMENT_BYTES for s in segments)
    assert sum(len(s.encode()) for s in segments) <= 10_000  # "10 KB" in the stricter meaning
    assert text.startswith(" ".join(segments))
    assert "left unchecked" in caplog.text


# --- ToxicityChecker -----------------------------------------------------------------------------------


def test_below_threshold_is_not_flagged(aws: AwsEmulator) -> None:
    aws.push("DetectToxicContent", {"ResultList": [_result(toxicity=0.3, SEXUAL=0.49, INSULT=0.2)]})

    verdict = ToxicityChecker(_comprehend()).check("a woman swimming at the beach, watercolour")

    assert verdict == TextVerdict(
        flagged=False, layer="toxicity", category=None, scores=verdict.scores, toxicity=0.3
    )
    assert verdict.scores["SEXUAL"] == pytest.approx(0.49)
    assert set(verdict.scores) == set(TOXIC_LABELS)
    [request] = aws.requests("DetectToxicContent")
    assert request.body == {
        "TextSegments": [{"Text": "a woman swimming at the beach, watercolour"}],
        "LanguageCode": "en",
    }


def test_above_threshold_is_flagged_with_the_highest_label(aws: AwsEmulator) -> None:
    aws.push("DetectToxicContent", {"ResultList": [_result(toxicity=0.8, SEXUAL=0.91, INSULT=0.6)]})

    verdict = ToxicityChecker(_comprehend()).check("a sexy woman")

    assert verdict.flagged
    assert verdict.layer == "toxicity"
    assert verdict.category == "SEXUAL"
    assert verdict.toxicity == pytest.approx(0.8)


def test_threshold_is_inclusive_and_configurable(aws: AwsEmulator) -> None:
    aws.push(
        "DetectToxicContent",
        {"ResultList": [_result(toxicity=0.2, GRAPHIC=0.5)]},
        {"ResultList": [_result(toxicity=0.2, GRAPHIC=0.5)]},
    )

    assert ToxicityChecker(_comprehend()).check("a battlefield").category == "GRAPHIC"
    assert not ToxicityChecker(_comprehend(), threshold=0.7).check("a battlefield").flagged


def test_overall_toxicity_alone_flags(aws: AwsEmulator) -> None:
    aws.push("DetectToxicContent", {"ResultList": [_result(toxicity=0.75, INSULT=0.4)]})

    verdict = ToxicityChecker(_comprehend()).check("you are all idiots")

    assert verdict.flagged
    assert verdict.category == TOXICITY_CATEGORY


def test_label_filter_ignores_other_labels(aws: AwsEmulator) -> None:
    checker = ToxicityChecker(_comprehend(), labels=["sexual", "VIOLENCE_OR_THREAT"])
    aws.push(
        "DetectToxicContent",
        {"ResultList": [_result(toxicity=0.3, PROFANITY=0.95)]},
        {"ResultList": [_result(toxicity=0.3, PROFANITY=0.95, VIOLENCE_OR_THREAT=0.6)]},
    )

    ignored = checker.check("damn, what a sunset")
    flagged = checker.check("damn, I will hurt you")

    assert not ignored.flagged
    assert ignored.scores["PROFANITY"] == pytest.approx(0.95)  # still reported for the log
    assert flagged.category == "VIOLENCE_OR_THREAT"  # PROFANITY scores higher but is not configured


def test_constructor_validates_labels_and_threshold() -> None:
    with pytest.raises(ValueError, match="NUDITY"):
        ToxicityChecker(None, labels=["SEXUAL", "NUDITY"])
    with pytest.raises(ValueError, match="threshold"):
        ToxicityChecker(None, threshold=1.5)


def test_long_text_is_sent_as_several_segments_and_scores_take_the_maximum(aws: AwsEmulator) -> None:
    text = _sentences(3000).replace("Sentence 30 describes", "Sentence 30 threatens to kill")
    aws.push(
        "DetectToxicContent",
        _per_segment(lambda s: _result(0.9, VIOLENCE_OR_THREAT=0.88) if "kill" in s else _result(0.05)),
    )

    verdict = ToxicityChecker(_comprehend()).check(text)

    [request] = aws.requests("DetectToxicContent")
    segments = [segment["Text"] for segment in request.body["TextSegments"]]
    assert len(segments) >= 3
    assert all(len(s.encode()) <= SEGMENT_BYTES for s in segments)
    assert " ".join(segments) == text
    assert sum("kill" in s for s in segments) == 1
    assert verdict.category == "VIOLENCE_OR_THREAT"
    assert verdict.toxicity == pytest.approx(0.9)


def test_emulator_accepts_our_segments_unscripted(aws: AwsEmulator) -> None:
    """The emulator's default answer enforces the real limits (10 segments, 1 KB each)."""
    verdict = ToxicityChecker(_comprehend()).check(_sentences(12_000))

    assert not verdict.flagged
    [request] = aws.requests("DetectToxicContent")
    assert len(request.body["TextSegments"]) == 10


def test_blank_text_makes_no_request(aws: AwsEmulator) -> None:
    assert ToxicityChecker(_comprehend()).check("   ") == TextVerdict(flagged=False)
    assert aws.requests("DetectToxicContent") == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("海辺で泳ぐ水着姿の女性", id="japanese"),
        pytest.param("a woman at the ﾋﾞｰﾁ", id="half-width katakana inside english"),
    ],
)
def test_japanese_text_fails_closed_without_a_request(aws: AwsEmulator, text: str) -> None:
    # With LanguageCode "en" the service is not documented to notice Japanese text (and the
    # emulator scores it as harmless), so the checker refuses before sending anything.
    with pytest.raises(ModerationUnavailable, match="UnsupportedLanguage"):
        ToxicityChecker(_comprehend()).check(text)

    assert aws.requests("DetectToxicContent") == []


# Compatibility ideographs (U+F900-FAFF): 欄 U+F91D is the kanji 欄 U+6B04 under NFKC, while 﨑
# U+FA11 is one of the twelve that NFKC keeps; both are kanji and neither is English.
COMPAT_WITH_NFKC_FORM = "\uf91d"
COMPAT_WITHOUT_NFKC_FORM = "\ufa11"


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        pytest.param(
            f"a red torii gate at {COMPAT_WITHOUT_NFKC_FORM} shrine at dawn",
            "a red torii gate at   shrine at dawn",
            id="compatibility ideograph that NFKC keeps",
        ),
        pytest.param(
            f"an old wooden {COMPAT_WITH_NFKC_FORM} railing by the sea",
            "an old wooden   railing by the sea",
            id="compatibility ideograph that NFKC folds into a kanji",
        ),
        pytest.param(
            "a shop sign reading \u3231 ACME in neon",  # ㈱ is (株) under NFKC
            "a shop sign reading ( ) ACME in neon",
            id="enclosed ideograph",
        ),
        pytest.param("ａ ｒｅｄ ｆｏｘ ｉｎ ｔｈｅ ｓｎｏｗ", "a red fox in the snow", id="full-width latin"),
    ],
)
def test_text_is_scored_in_nfkc_with_japanese_names_left_out(aws: AwsEmulator, text: str, sent: str) -> None:
    verdict = ToxicityChecker(_comprehend()).check(text)

    assert not verdict.flagged
    [request] = aws.requests("DetectToxicContent")
    assert request.body["TextSegments"] == [{"Text": sent}]


def test_english_prompt_with_a_compatibility_ideograph_reaches_comprehend(aws: AwsEmulator) -> None:
    # The path such a request takes through the pipeline: it is not English (it goes to the
    # translator), a name the translator keeps in kanji is stripped before Comprehend, and the
    # checker never refuses it. It used to pass as English and be refused, which the user saw as
    # "safety check unreachable".
    request = f"portrait of the {COMPAT_WITHOUT_NFKC_FORM} family crest, ink on paper"
    assert not looks_english(request)
    pipeline_text = TRANSLATION_JAPANESE.sub(" ", request)

    verdict = ToxicityChecker(_comprehend()).check(pipeline_text)

    assert not verdict.flagged
    [sent] = aws.requests("DetectToxicContent")
    assert sent.body["TextSegments"] == [{"Text": "portrait of the   family crest, ink on paper"}]


class _RecordingClient:
    """A stand-in Comprehend client that records the segments and scores them harmless."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def detect_toxic_content(self, TextSegments: list[dict[str, str]], LanguageCode: str) -> dict[str, Any]:
        assert LanguageCode == "en"
        self.sent.extend(segment["Text"] for segment in TextSegments)
        return {"ResultList": [_result() for _ in TextSegments]}


def test_no_compatibility_ideograph_is_refused_or_sent_in_english_text() -> None:
    client = _RecordingClient()
    checker = ToxicityChecker(client)
    assigned = [chr(c) for c in range(0xF900, 0xFB00) if unicodedata.category(chr(c)) != "Cn"]
    assert len(assigned) == 472

    for char in assigned:
        assert not checker.check(f"a lantern festival at the {char} temple gate at night").flagged

    assert len(client.sent) == len(assigned)
    assert all(sent == "a lantern festival at the   temple gate at night" for sent in client.sent)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"{COMPAT_WITHOUT_NFKC_FORM}の神社の鳥居", id="japanese with a compatibility ideograph"),
        pytest.param(f"{COMPAT_WITH_NFKC_FORM}干", id="compatibility ideographs only"),
        pytest.param("\u2f08\u2f1d", id="kangxi radicals, kanji under NFKC"),
        pytest.param("a cat on the 屋根", id="a japanese word is over a tenth of the letters"),
        pytest.param("佐々木", id="iteration mark"),
        pytest.param("\U00020bb7野家の牛丼", id="kanji outside the basic plane"),
    ],
)
def test_japanese_after_nfkc_fails_closed(aws: AwsEmulator, text: str) -> None:
    with pytest.raises(ModerationUnavailable, match="UnsupportedLanguage"):
        ToxicityChecker(_comprehend()).check(text)

    assert aws.requests("DetectToxicContent") == []


def test_unsupported_language_answer_fails_closed(aws: AwsEmulator) -> None:
    aws.push(
        "DetectToxicContent",
        Error(
            "UnsupportedLanguageException",
            "Amazon Comprehend can not process the language in the input text: ja. "
            "Supported language codes: [en]",
        ),
    )

    with pytest.raises(ModerationUnavailable, match="UnsupportedLanguageException"):
        ToxicityChecker(_comprehend()).check("Ceci n'est pas une pipe")


def test_comprehend_server_error_fails_closed(aws: AwsEmulator) -> None:
    aws.push("DetectToxicContent", Error("InternalServerException", "internal error", status=500))

    with pytest.raises(ModerationUnavailable, match="InternalServerException"):
        ToxicityChecker(_comprehend()).check("a red fox")


def test_missing_results_fail_closed(aws: AwsEmulator) -> None:
    aws.push("DetectToxicContent", {"ResultList": []})

    with pytest.raises(ModerationUnavailable, match="0 results for 1 segments"):
        ToxicityChecker(_comprehend()).check("a red fox")


def test_connection_error_fails_closed() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = boto3.client(
        "comprehend",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(connect_timeout=1, retries={"mode": "standard", "total_max_attempts": 1}),
    )

    with pytest.raises(ModerationUnavailable, match="EndpointConnectionError"):
        ToxicityChecker(client).check("a red fox")


# --- GuardrailChecker ---------------------------------------------------------------------------------


def _guardrail_answer(action: str, *assessments: dict[str, Any]) -> dict[str, Any]:
    """An ApplyGuardrailResponse with every member the service model marks required."""
    usage = {
        "topicPolicyUnits": 1,
        "contentPolicyUnits": 1,
        "wordPolicyUnits": 1,
        "sensitiveInformationPolicyUnits": 1,
        "sensitiveInformationPolicyFreeUnits": 0,
        "contextualGroundingPolicyUnits": 0,
    }
    outputs = [{"text": "Sorry, the model cannot answer this question."}] if action != "NONE" else []
    return {"usage": usage, "action": action, "outputs": outputs, "assessments": list(assessments)}


def _content_filter(kind: str, action: str, confidence: str = "HIGH") -> dict[str, Any]:
    return {
        "type": kind,
        "confidence": confidence,
        "filterStrength": "HIGH",
        "action": action,
        "detected": True,
    }


def _guardrail() -> GuardrailChecker:
    return GuardrailChecker(_bedrock(), GUARDRAIL_ID, GUARDRAIL_VERSION)


def _png(size: tuple[int, int], colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_guardrail_none_passes_japanese_text(aws: AwsEmulator) -> None:
    verdict = _guardrail().check_text("夕暮れの海辺を走る柴犬")

    assert verdict == TextVerdict(flagged=False, layer="guardrail")
    [request] = aws.requests("ApplyGuardrail")
    assert request.path == f"/guardrail/{GUARDRAIL_ID}/version/{GUARDRAIL_VERSION}/apply"
    assert request.body == {"source": "INPUT", "content": [{"text": {"text": "夕暮れの海辺を走る柴犬"}}]}


def test_guardrail_intervention_names_the_blocked_content_filter(aws: AwsEmulator) -> None:
    assessment = {
        "contentPolicy": {
            "filters": [
                _content_filter("INSULTS", "NONE", confidence="LOW"),
                _content_filter("SEXUAL", "BLOCKED"),
                _content_filter("VIOLENCE", "BLOCKED", confidence="MEDIUM"),
            ]
        }
    }
    aws.push("ApplyGuardrail", _guardrail_answer("GUARDRAIL_INTERVENED", assessment))

    verdict = _guardrail().check_text("セクシーな女性", source="OUTPUT")

    assert verdict == TextVerdict(flagged=True, layer="guardrail", category="SEXUAL")
    [request] = aws.requests("ApplyGuardrail")
    assert request.body["source"] == "OUTPUT"


@pytest.mark.parametrize(
    ("assessment", "category"),
    [
        pytest.param(
            {"topicPolicy": {"topics": [{"name": "Weapons", "type": "DENY", "action": "BLOCKED"}]}},
            "Weapons",
            id="denied topic",
        ),
        pytest.param(
            {
                "wordPolicy": {
                    "customWords": [],
                    "managedWordLists": [{"match": "damn", "type": "PROFANITY", "action": "BLOCKED"}],
                }
            },
            "WORDS",
            id="managed word list",
        ),
        pytest.param(
            {
                "sensitiveInformationPolicy": {
                    "piiEntities": [{"match": "090-1234-5678", "type": "PHONE", "action": "ANONYMIZED"}],
                    "regexes": [],
                }
            },
            "PII",
            id="anonymised PII still intervenes",
        ),
        pytest.param({}, "OTHER", id="no assessment details"),
    ],
)
def test_guardrail_categories(aws: AwsEmulator, assessment: dict[str, Any], category: str) -> None:
    aws.push("ApplyGuardrail", _guardrail_answer("GUARDRAIL_INTERVENED", assessment))

    verdict = _guardrail().check_text("text")

    assert verdict.flagged
    assert verdict.category == category


def test_blocked_item_wins_over_earlier_anonymised_one() -> None:
    assessments = [
        {"sensitiveInformationPolicy": {"piiEntities": [{"action": "ANONYMIZED", "type": "NAME"}]}},
        {"topicPolicy": {"topics": [{"name": "Drugs", "type": "DENY", "action": "BLOCKED"}]}},
    ]

    assert guardrail_category(assessments) == "Drugs"


def test_guardrail_unknown_action_fails_closed(aws: AwsEmulator) -> None:
    aws.push("ApplyGuardrail", _guardrail_answer("SOMETHING_NEW"))

    with pytest.raises(ModerationUnavailable, match="SOMETHING_NEW"):
        _guardrail().check_text("text")


def test_guardrail_errors_fail_closed(aws: AwsEmulator) -> None:
    aws.push(
        "ApplyGuardrail",
        Error("AccessDeniedException", "not authorized to perform bedrock:ApplyGuardrail", status=403),
        Error("ServiceUnavailableException", "try later", status=503),
    )

    with pytest.raises(ModerationUnavailable, match="AccessDeniedException"):
        _guardrail().check_text("text")
    with pytest.raises(ModerationUnavailable, match="ServiceUnavailableException"):
        _guardrail().check_image(_png((64, 64)))


def test_guardrail_image_sends_an_image_block(aws: AwsEmulator) -> None:
    png = _png((320, 200))

    verdict = _guardrail().check_image(png)

    assert not verdict.flagged
    [request] = aws.requests("ApplyGuardrail")
    assert request.body["source"] == "OUTPUT"
    [block] = request.body["content"]
    assert block["image"]["format"] == "png"
    # On the wire the blob is base64 (rest-json); botocore encoded the raw bytes we passed.
    assert base64.b64decode(block["image"]["source"]["bytes"]) == png
    assert request.images() == [png]


def test_guardrail_image_is_shrunk_to_the_limits(aws: AwsEmulator) -> None:
    aws.push(
        "ApplyGuardrail",
        _guardrail_answer(
            "GUARDRAIL_INTERVENED", {"contentPolicy": {"filters": [_content_filter("VIOLENCE", "BLOCKED")]}}
        ),
    )

    verdict = _guardrail().check_image(_png((8200, 40)))

    assert verdict == TextVerdict(flagged=True, layer="guardrail", category="VIOLENCE")
    [request] = aws.requests("ApplyGuardrail")
    [sent] = request.images()
    assert request.body["content"][0]["image"]["format"] == "jpeg"
    with Image.open(io.BytesIO(sent)) as image:
        assert max(image.size) <= GUARDRAIL_MAX_SIDE


def test_unreadable_image_fails_closed_without_a_request(aws: AwsEmulator) -> None:
    with pytest.raises(ModerationUnavailable, match="unreadable image"):
        _guardrail().check_image(b"\x89PNG\r\n\x1a\nnot really")

    assert aws.requests("ApplyGuardrail") == []
