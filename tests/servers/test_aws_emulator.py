"""The AWS emulator, driven by real boto3 clients through botocore's AWS_ENDPOINT_URL_* variables."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from tests.servers.aws_emulator import AwsEmulator, Error, Recorded, png_info

NOVA = "amazon.nova-canvas-v1:0"
TITAN_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-image-generator-v2:0"
SDXL = "stability.stable-diffusion-xl-v1"
SD3 = "stability.sd3-5-large-v1:0"
CLAUDE = "us.anthropic.claude-sonnet-4-20250514-v1:0"


@pytest.fixture(scope="module")
def server() -> Iterator[AwsEmulator]:
    with AwsEmulator() as emulator:
        yield emulator


@pytest.fixture
def aws(server: AwsEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AwsEmulator]:
    server.reset()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    yield server
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()


# One session keeps loaded service models; endpoints and credentials still come from the environment,
# which botocore reads when each client is created.
SESSION = boto3.session.Session()
OPEN_CLIENTS: list[Any] = []


def client(service: str, attempts: int = 1) -> Any:
    retries = {"mode": "standard", "max_attempts": attempts}
    made = SESSION.client(service, region_name="us-east-1", config=Config(retries=retries))
    OPEN_CLIENTS.append(made)
    return made


def invoke(model_id: str, body: dict[str, Any], attempts: int = 1) -> dict[str, Any]:
    response = client("bedrock-runtime", attempts).invoke_model(
        modelId=model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
    )
    assert response["contentType"] == "application/json"
    parsed: dict[str, Any] = json.loads(response["body"].read())
    return parsed


def decode_image(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def small_png(colour: tuple[int, int, int] = (1, 2, 3), size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def nova_body(**config: Any) -> dict[str, Any]:
    return {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a cat on a roof"},
        "imageGenerationConfig": config,
    }


def test_nova_text_image_default(aws: AwsEmulator) -> None:
    body = invoke(NOVA, nova_body(numberOfImages=2, width=512, height=768, seed=7))

    assert len(body["images"]) == 2
    images = [decode_image(b64) for b64 in body["images"]]
    assert [image.size for image in images] == [(512, 768), (512, 768)]
    infos = [png_info(base64.b64decode(b64)) for b64 in body["images"]]
    assert [info["emulator-index"] for info in infos] == ["0", "1"]
    assert {info["emulator-seed"] for info in infos} == {"7"}
    assert {info["emulator-call"] for info in infos} == {"1"}
    assert infos[0]["emulator-prompt"] == "a cat on a roof"
    assert images[0].getpixel((0, 0)) != images[1].getpixel((0, 0))

    second = invoke(NOVA, nova_body())
    assert decode_image(second["images"][0]).size == (1024, 1024)
    assert png_info(base64.b64decode(second["images"][0]))["emulator-call"] == "2"
    recorded = aws.requests("InvokeModel")
    assert [r.model_id for r in recorded] == [NOVA, NOVA]
    assert recorded[0].body["imageGenerationConfig"]["seed"] == 7
    assert recorded[0].headers["authorization"].startswith("AWS4-HMAC-SHA256")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (nova_body(width=1000, height=1000), "(1000, 1000) is not valid"),
        ({**nova_body(), "textToImageParams": {"text": "x" * 513}}, "expected maxLength: 512, actual: 513"),
        (nova_body(numberOfImages=6), "numberOfImages: 6 is not less or equal to 5"),
        (nova_body(seed=2_147_483_647), "seed"),
        (nova_body(cfgScale=1.0), "cfgScale"),
        ({"taskType": "TEXT_IMAGE", "textToImageParams": {}}, "required key [text] not found"),
    ],
)
def test_titan_validation(aws: AwsEmulator, body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClientError) as caught:
        invoke(TITAN_ARN, body)

    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("Malformed input request: ")
    assert fragment in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert aws.requests("InvokeModel")[0].model_id == TITAN_ARN


def test_titan_accepts_listed_size_and_nova_rejects_unaligned(aws: AwsEmulator) -> None:
    body = invoke(TITAN_ARN, nova_body(width=1173, height=640, seed=2_147_483_646))
    assert decode_image(body["images"][0]).size == (1173, 640)

    with pytest.raises(ClientError, match="divisible by 16"):
        invoke(NOVA, nova_body(width=1000, height=1008))
    with pytest.raises(ClientError, match="less than 4194304"):
        invoke(NOVA, nova_body(width=2048, height=2048))


TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "safe": {"type": "boolean"},
        "count": {"type": "integer", "minimum": 1, "maximum": 5},
        "floor": {"type": "number", "minimum": 0.5},
        "tags": {"type": "array", "items": {"type": "string"}},
        "mood": {"enum": ["calm", "angry"]},
        "style": {"$ref": "#/$defs/Style"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "optional": {"type": "string"},
    },
    "required": ["title", "safe", "count", "floor", "tags", "mood", "style", "note"],
    "$defs": {
        "Style": {
            "type": "object",
            "properties": {"palette": {"type": "string"}, "level": {"type": "integer"}},
            "required": ["palette", "level"],
        }
    },
}


def converse_with_tool(tool: str = "describe", attempts: int = 1) -> dict[str, Any]:
    tools = [
        {"toolSpec": {"name": name, "inputSchema": {"json": TOOL_SCHEMA}}} for name in ("describe", "other")
    ]
    response: dict[str, Any] = client("bedrock-runtime", attempts).converse(
        modelId=CLAUDE,
        messages=[{"role": "user", "content": [{"text": "describe this"}]}],
        toolConfig={"tools": tools, "toolChoice": {"tool": {"name": tool}}},
    )
    return response


def tool_use(response: dict[str, Any]) -> dict[str, Any]:
    [block] = response["output"]["message"]["content"]
    use: dict[str, Any] = block["toolUse"]
    return use


def test_converse_forced_tool_default_and_scripted(aws: AwsEmulator) -> None:
    first = converse_with_tool()

    assert first["stopReason"] == "tool_use"
    use = tool_use(first)
    assert use["name"] == "describe"
    assert use["toolUseId"].startswith("tooluse_")
    assert use["input"] == {
        "title": "emulated title",
        "safe": True,
        "count": 3,
        "floor": 0.5,
        "tags": [],
        "mood": "calm",
        "style": {"palette": "emulated palette", "level": 0},
        "note": "emulated note",
    }
    usage = first["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"] > 0
    assert isinstance(first["metrics"]["latencyMs"], int)

    aws.push_tool_input("describe", {"title": "scripted"}, Error("ValidationException", "bad tool input"))
    assert tool_use(converse_with_tool())["input"] == {"title": "scripted"}
    with pytest.raises(ClientError) as caught:
        converse_with_tool()
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "bad tool input"}
    assert tool_use(converse_with_tool("other"))["name"] == "other"
    assert tool_use(converse_with_tool())["input"]["title"] == "emulated title"

    assert len(aws.requests("Converse", tool="describe")) == 4
    assert [r.tool for r in aws.requests()] == ["describe", "describe", "describe", "other", "describe"]
    ids = {tool_use(converse_with_tool())["toolUseId"], tool_use(converse_with_tool())["toolUseId"]}
    assert len(ids) == 2


def test_converse_image_block_is_recorded(aws: AwsEmulator) -> None:
    png = small_png()
    image_block = {"image": {"format": "png", "source": {"bytes": png}}}
    response = client("bedrock-runtime").converse(
        modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "what is this?"}, image_block]}]
    )

    assert response["stopReason"] == "end_turn"
    assert response["output"]["message"]["content"] == [{"text": "emulated reply"}]
    [recorded] = aws.requests("Converse")
    assert recorded.tool is None
    assert recorded.images() == [png]
    # On the wire the blob is base64 text inside the JSON document.
    source = recorded.body["messages"][0]["content"][1]["image"]["source"]
    assert source["bytes"] == base64.b64encode(png).decode()


def test_throttling_is_retried_by_botocore(aws: AwsEmulator) -> None:
    aws.push("InvokeModel", Error("ThrottlingException", "Too many requests", status=429))

    body = invoke(NOVA, nova_body(), attempts=3)

    assert len(body["images"]) == 1
    assert len(aws.requests("InvokeModel")) == 2


def test_model_timeout_surfaces_with_its_code(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error("ModelTimeoutException", "Model has timed out", status=408))

    with pytest.raises(ClientError) as caught:
        invoke(NOVA, nova_body(), attempts=3)

    assert caught.value.response["Error"]["Code"] == "ModelTimeoutException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 408
    assert len(aws.requests("InvokeModel")) == 1


def test_scripting_precedence_and_responders(aws: AwsEmulator) -> None:
    seen: list[Recorded] = []

    def responder(recorded: Recorded) -> dict[str, Any]:
        seen.append(recorded)
        return {"images": ["from-responder"]}

    aws.set_responder("InvokeModel", responder)
    aws.push("InvokeModel", {"images": ["generic"]})
    aws.push(f"InvokeModel:{NOVA}", {"images": ["specific"]})

    assert invoke(NOVA, nova_body())["images"] == ["specific"]
    assert invoke(NOVA, nova_body())["images"] == ["generic"]
    assert invoke(NOVA, nova_body())["images"] == ["from-responder"]
    assert [r.model_id for r in seen] == [NOVA]
    aws.set_responder("InvokeModel", None)
    assert png_info(base64.b64decode(invoke(NOVA, nova_body())["images"][0]))["emulator-call"] == "4"


def test_a_responder_may_answer_with_json_it_encoded_once(aws: AwsEmulator) -> None:
    aws.set_responder("InvokeModel", lambda _: b'{"images": ["pre-encoded"]}')

    assert invoke(NOVA, nova_body())["images"] == ["pre-encoded"]


def test_detect_moderation_labels(aws: AwsEmulator) -> None:
    rekognition = client("rekognition")
    png = small_png()

    default = rekognition.detect_moderation_labels(Image={"Bytes": png})
    assert default["ModerationLabels"] == []
    assert default["ModerationModelVersion"] == "7.0"

    label = {"Name": "Explicit", "ParentName": "", "Confidence": 97.5, "TaxonomyLevel": 1}
    aws.push("DetectModerationLabels", {"ModerationLabels": [label], "ModerationModelVersion": "7.0"})
    assert rekognition.detect_moderation_labels(Image={"Bytes": png})["ModerationLabels"] == [label]

    with pytest.raises(ClientError) as caught:
        rekognition.detect_moderation_labels(Image={"Bytes": b"GIF89a not supported"})
    assert caught.value.response["Error"]["Code"] == "InvalidImageFormatException"
    assert [r.images() for r in aws.requests("DetectModerationLabels")] == [
        [png],
        [png],
        [b"GIF89a not supported"],
    ]


def test_detect_toxic_content_and_language(aws: AwsEmulator) -> None:
    comprehend = client("comprehend")

    with pytest.raises(ClientError) as caught:
        comprehend.detect_toxic_content(TextSegments=[{"Text": "こんにちは"}], LanguageCode="ja")
    assert caught.value.response["Error"]["Code"] == "UnsupportedLanguageException"
    assert "ja" in caught.value.response["Error"]["Message"]

    segments = [{"Text": "hi"}, {"Text": "there"}]
    result = comprehend.detect_toxic_content(TextSegments=segments, LanguageCode="en")
    assert len(result["ResultList"]) == 2
    assert {label["Name"] for label in result["ResultList"][0]["Labels"]} == {
        "PROFANITY",
        "HATE_SPEECH",
        "INSULT",
        "GRAPHIC",
        "HARASSMENT_OR_ABUSE",
        "SEXUAL",
        "VIOLENCE_OR_THREAT",
    }

    with pytest.raises(ClientError, match="TextSizeLimitExceededException"):
        comprehend.detect_toxic_content(TextSegments=[{"Text": "x"}] * 11, LanguageCode="en")

    languages = comprehend.detect_dominant_language(Text="猫が屋根の上にいる")["Languages"]
    assert languages == [{"LanguageCode": "ja", "Score": pytest.approx(0.99)}]
    assert comprehend.detect_dominant_language(Text="a cat")["Languages"][0]["LanguageCode"] == "en"


def test_apply_guardrail_default(aws: AwsEmulator) -> None:
    response = client("bedrock-runtime").apply_guardrail(
        guardrailIdentifier="arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123",
        guardrailVersion="DRAFT",
        source="INPUT",
        content=[{"text": {"text": "hello"}}],
    )

    assert response["action"] == "NONE"
    assert response["outputs"] == []
    assert response["usage"]["contentPolicyUnits"] == 1
    [recorded] = aws.requests("ApplyGuardrail")
    assert recorded.path.endswith("/version/DRAFT/apply")


def test_sdxl_default_shape_and_validation(aws: AwsEmulator) -> None:
    body = invoke(SDXL, {"text_prompts": [{"text": "a fox"}], "width": 1344, "height": 768, "seed": 5})

    assert body["result"] == "success"
    [artifact] = body["artifacts"]
    assert artifact["seed"] == 5
    assert artifact["finishReason"] == "SUCCESS"
    assert decode_image(artifact["base64"]).size == (1344, 768)

    with pytest.raises(ClientError, match="cfg_scale"):
        invoke(SDXL, {"text_prompts": [{"text": "a fox"}], "cfg_scale": 36})
    with pytest.raises(ClientError, match=r"\(1000, 1000\) is not valid"):
        invoke(SDXL, {"text_prompts": [{"text": "a fox"}], "width": 1000, "height": 1000})

    init = base64.b64encode(small_png(size=(896, 1152))).decode()
    body = invoke(SDXL, {"text_prompts": [{"text": "a fox"}], "init_image": init})
    assert decode_image(body["artifacts"][0]["base64"]).size == (896, 1152)
    assert aws.requests("InvokeModel")[-1].images() == [base64.b64decode(init)]


def test_sd3_default_shape(aws: AwsEmulator) -> None:
    square = invoke(SD3, {"prompt": "a fox", "seed": 3})
    assert square["seeds"] == [3]
    assert square["finish_reasons"] == [None]
    assert decode_image(square["images"][0]).size == (1024, 1024)
    assert decode_image(square["images"][0]).format == "PNG"

    wide = invoke(SD3, {"prompt": "a fox", "aspect_ratio": "16:9", "output_format": "jpeg"})
    image = decode_image(wide["images"][0])
    assert (image.format, image.size) == ("JPEG", (1344, 768))
    assert png_info(base64.b64decode(wide["images"][0]))["emulator-prompt"] == "a fox"


def test_latency(aws: AwsEmulator) -> None:
    aws.set_latency("DetectDominantLanguage", 0.2)
    comprehend = client("comprehend")

    started = time.monotonic()
    comprehend.detect_dominant_language(Text="hello")
    assert time.monotonic() - started >= 0.2


def test_unknown_route_and_missing_auth(aws: AwsEmulator) -> None:
    request = urllib.request.Request(f"{aws.url}/nowhere", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 404
    assert caught.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert json.loads(caught.value.read())["__type"] == "UnknownOperationException"
    caught.value.close()

    unsigned = urllib.request.Request(f"{aws.url}/model/{NOVA}/invoke", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(unsigned, timeout=5)
    assert caught.value.code == 403
    assert caught.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    caught.value.close()
    assert aws.requests() == []


def test_concurrent_requests_are_all_recorded(aws: AwsEmulator) -> None:
    aws.set_latency("*", 0.05)
    bedrock = client("bedrock-runtime")

    def call(_: int) -> str:
        return str(
            tool_use(
                bedrock.converse(
                    modelId=CLAUDE,
                    messages=[{"role": "user", "content": [{"text": "hi"}]}],
                    toolConfig={
                        "tools": [{"toolSpec": {"name": "describe", "inputSchema": {"json": TOOL_SCHEMA}}}],
                        "toolChoice": {"tool": {"name": "describe"}},
                    },
                )
            )["toolUseId"]
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(call, range(8)))

    assert len(set(ids)) == 8
    assert len(aws.requests("Converse", tool="describe")) == 8
