"""Local HTTP emulator speaking the real AWS wire protocols for Bedrock Runtime, Rekognition and Comprehend.

Real boto3 clients reach it through botocore's standard ``AWS_ENDPOINT_URL_*`` environment variables, so
requests and responses go through botocore's serializers, parsers, error handling and retry logic.

Protocols (checked against botocore's service models and ``botocore/parsers.py``):

* bedrock-runtime is ``rest-json``: ``POST /model/{modelId}/invoke|converse`` and
  ``POST /guardrail/{id}/version/{v}/apply``. ``modelId`` is percent-encoded in the path (``:`` and ``/``
  of ARNs included). Errors carry the code in the ``x-amzn-ErrorType`` header and ``{"message": ...}`` in
  the body.
* Rekognition and Comprehend are ``json`` 1.1: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``.
  Errors carry ``{"__type": <code>, "Message": ...}`` in the body.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image, PngImagePlugin


@dataclass(frozen=True)
class Error:
    """A scripted AWS error answer."""

    code: str
    message: str = "emulated error"
    status: int = 400


@dataclass(frozen=True)
class Recorded:
    """One request the emulator received (headers lower-cased; raw is the undecoded body)."""

    op: str
    model_id: str | None
    body: dict[str, Any]
    headers: dict[str, str]
    tool: str | None
    raw: bytes = field(default=b"", repr=False)
    path: str = ""
    received: float = field(default=0.0, repr=False, compare=False)

    def images(self) -> list[bytes]:
        """Decoded image bytes carried by the request, in document order."""
        if self.op == "DetectModerationLabels":
            image = self.body.get("Image")
            data = image.get("Bytes") if isinstance(image, dict) else None
            return [decoded] if (decoded := _b64(data)) is not None else []
        if self.op in ("Converse", "ApplyGuardrail"):
            return [img for img in (_b64(src) for src in _block_image_sources(self.body)) if img is not None]
        if self.op == "InvokeModel":
            return [img for img in (_b64(val) for val in _invoke_image_fields(self.body)) if img is not None]
        return []


Response = dict[str, Any] | Error | Callable[[Recorded], "dict[str, Any] | Error"]
Responder = Callable[[Recorded], "dict[str, Any] | Error"]

REST_JSON = "rest-json"
JSON_11 = "json"

_MALFORMED_BODY = "Malformed input request, please reformat your input and try again."
_NO_USER_MESSAGE = (
    "A conversation must start with a user message. "
    "Try again with a conversation that starts with a user message."
)
_JSON_TARGETS = {
    "RekognitionService.DetectModerationLabels": "DetectModerationLabels",
    "Comprehend_20171127.DetectToxicContent": "DetectToxicContent",
    "Comprehend_20171127.DetectDominantLanguage": "DetectDominantLanguage",
}

_TOXIC_LABELS = (
    "PROFANITY",
    "HATE_SPEECH",
    "INSULT",
    "GRAPHIC",
    "HARASSMENT_OR_ABUSE",
    "SEXUAL",
    "VIOLENCE_OR_THREAT",
)
_GUARDRAIL_USAGE_REQUIRED = (
    "topicPolicyUnits",
    "contentPolicyUnits",
    "wordPolicyUnits",
    "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits",
    "contextualGroundingPolicyUnits",
)
_REKOGNITION_MAX_IMAGE = 5_242_880
_TOXIC_MAX_SEGMENTS = 10
_TOXIC_MAX_SEGMENT_BYTES = 1024
_LANGUAGE_MAX_BYTES = 100_000
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")

_TITAN_SIZES = frozenset(
    (
        (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
        (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
        (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
        (1408, 640), (704, 320), (1152, 640), (1173, 640),
    )
)  # fmt: skip
_SDXL_SIZES = frozenset(
    (
        (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
        (640, 1536), (768, 1344), (832, 1216), (896, 1152),
    )
)  # fmt: skip
_SD3_ASPECT_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")

_AMAZON_TOP_KEYS = frozenset(
    (
        "taskType", "textToImageParams", "imageVariationParams", "colorGuidedGenerationParams",
        "inPaintingParams", "outPaintingParams", "backgroundRemovalParams", "imageGenerationConfig",
    )
)  # fmt: skip
_AMAZON_CONFIG_KEYS = frozenset(("numberOfImages", "width", "height", "cfgScale", "seed", "quality"))
_AMAZON_TASK_PARAMS = {
    "TEXT_IMAGE": "textToImageParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
    "IMAGE_VARIATION": "imageVariationParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "BACKGROUND_REMOVAL": "backgroundRemovalParams",
}
_INVOKE_IMAGE_KEYS = frozenset(("inImage", "images", "init_image", "image", "conditionImage"))


@dataclass(frozen=True)
class _Limits:
    """Per-family limits of the Amazon image models."""

    text_max: int
    seed_max: int
    default_seed: int


_TITAN = _Limits(text_max=512, seed_max=2_147_483_646, default_seed=42)
_NOVA = _Limits(text_max=1024, seed_max=858_993_459, default_seed=12)


class _Invalid(Exception):
    """Raised by validators; carries the ValidationException message."""


def _malformed(pointer: str, detail: str) -> _Invalid:
    """A ValidationException worded like the model-schema validator behind Bedrock."""
    return _Invalid(
        f"Malformed input request: {pointer}: {detail}, please reformat your input and try again."
    )


def _b64(value: Any) -> bytes | None:
    """Decode a base64 string, or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _dig(node: Any, *path: str) -> Any:
    """node[path[0]][path[1]]..., or None as soon as a level is missing or not an object."""
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _block_image_sources(body: dict[str, Any]) -> Iterator[Any]:
    """Base64 image sources of Converse / ApplyGuardrail content blocks (tool results included)."""

    def from_blocks(blocks: Any) -> Iterator[Any]:
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            image = block.get("image")
            if isinstance(image, dict) and isinstance(image.get("source"), dict):
                yield image["source"].get("bytes")
            tool_result = block.get("toolResult")
            if isinstance(tool_result, dict):
                yield from from_blocks(tool_result.get("content"))

    for message in body.get("messages") or []:
        if isinstance(message, dict):
            yield from from_blocks(message.get("content"))
    yield from from_blocks(body.get("content"))


def _invoke_image_fields(node: Any) -> Iterator[Any]:
    """Base64 strings found under the image-carrying keys of an InvokeModel body."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _INVOKE_IMAGE_KEYS and isinstance(value, str):
                yield value
            elif (
                key in _INVOKE_IMAGE_KEYS
                and isinstance(value, list)
                and all(isinstance(v, str) for v in value)
            ):
                yield from value
            else:
                yield from _invoke_image_fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from _invoke_image_fields(item)


def _render_image(size: tuple[int, int], seed: int, index: int, text: dict[str, str], *, fmt: str) -> bytes:
    """A solid-colour image whose colour derives from (seed, index), tagged with text metadata."""
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    image = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=90, comment=json.dumps(text).encode())
    else:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
        image.save(out, "PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


def png_info(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG the emulator generated (JPEGs: their JSON comment)."""
    with Image.open(io.BytesIO(data)) as image:
        if isinstance(image, PngImagePlugin.PngImageFile):
            return {str(k): str(v) for k, v in image.text.items()}
        comment = image.info.get("comment")
    if isinstance(comment, bytes):
        parsed = json.loads(comment)
        return {str(k): str(v) for k, v in parsed.items()}
    return {}


def _image_size(data: bytes, pointer: str) -> tuple[int, int]:
    """(width, height) of an input image, or a ValidationException."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError) as exc:
        raise _malformed(pointer, "the image could not be decoded") from exc


def _number(obj: dict[str, Any], key: str, pointer: str, default: Any, *, integer: bool) -> Any:
    """obj[key] type-checked as an integer or number, else the default."""
    value = obj.get(key, default)
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        kind = "Integer" if integer else "Number"
        raise _malformed(f"{pointer}/{key}", f"expected type: {kind}, found: {type(value).__name__}")
    return value


def _in_range(value: float, low: float, high: float, pointer: str) -> None:
    """Range check worded like the schema validator."""
    if value < low:
        raise _malformed(pointer, f"{value} is not greater or equal to {low}")
    if value > high:
        raise _malformed(pointer, f"{value} is not less or equal to {high}")


def _text(obj: dict[str, Any], key: str, pointer: str, max_len: int, *, required: bool) -> str:
    """A string field with the model's length limit."""
    if key not in obj:
        if required:
            raise _malformed(pointer, f"required key [{key}] not found")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise _malformed(f"{pointer}/{key}", f"expected type: String, found: {type(value).__name__}")
    if not value:
        raise _malformed(f"{pointer}/{key}", "expected minLength: 1, actual: 0")
    if len(value) > max_len:
        raise _malformed(f"{pointer}/{key}", f"expected maxLength: {max_len}, actual: {len(value)}")
    return value


def _megapixel_size(ratio_w: float, ratio_h: float) -> tuple[int, int]:
    """About one megapixel at the given aspect ratio, both sides multiples of 64."""
    area = 1024 * 1024
    width = max(64, round(math.sqrt(area * ratio_w / ratio_h) / 64) * 64)
    height = max(64, round(math.sqrt(area * ratio_h / ratio_w) / 64) * 64)
    return width, height


def _resolve_ref(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local JSON pointer ``#/...`` inside the root schema."""
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _numeric_example(schema: dict[str, Any], *, integer: bool) -> float:
    """Minimum, or 0, or the midpoint when both bounds are given."""
    low: float | None = schema.get("minimum")
    high: float | None = schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = float(schema["exclusiveMinimum"]) + (1 if integer else 0.001)
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = float(schema["exclusiveMaximum"]) - (1 if integer else 0.001)
    if low is not None and high is not None:
        return (low + high) // 2 if integer else (low + high) / 2
    if low is not None:
        return low
    if high is not None and high < 0:
        return high
    return 0


def _effective_schema(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and pick the first non-null anyOf/oneOf/allOf branch until a concrete schema remains."""
    for _ in range(64):
        if isinstance(schema.get("$ref"), str):
            schema = _resolve_ref(schema["$ref"], root)
            continue
        branches = [
            option
            for combinator in ("anyOf", "oneOf", "allOf")
            for option in schema.get(combinator) or []
            if isinstance(option, dict) and option.get("type") != "null"
        ]
        if not branches:
            break
        schema = branches[0]
    return schema


def _schema_type(schema: dict[str, Any]) -> str:
    """The JSON type a schema describes (first non-null of a type list; inferred when absent)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    return "object" if "properties" in schema else "array" if "items" in schema else "string"


def _string_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> str:
    """'emulated <name>', stretched or cut to the schema's length bounds."""
    text = f"emulated {name}".ljust(int(schema.get("minLength", 0)), "x")
    return text[: int(schema["maxLength"])] if "maxLength" in schema else text


def _object_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> dict[str, Any]:
    """Required properties only."""
    props = schema.get("properties") or {}
    return {p: example_from_schema(props.get(p, {}), p, root) for p in schema.get("required") or []}


def _array_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> list[Any]:
    """As few items as minItems allows (usually none)."""
    count = int(schema.get("minItems", 0))
    return [example_from_schema(schema.get("items", {}), name, root) for _ in range(count)]


_EXAMPLES: dict[str, Callable[[dict[str, Any], str, dict[str, Any]], Any]] = {
    "object": _object_example,
    "array": _array_example,
    "string": _string_example,
    "boolean": lambda schema, name, root: True,
    "integer": lambda schema, name, root: int(_numeric_example(schema, integer=True)),
    "number": lambda schema, name, root: _numeric_example(schema, integer=False),
    "null": lambda schema, name, root: None,
}


def example_from_schema(schema: Any, name: str = "value", root: dict[str, Any] | None = None) -> Any:
    """A minimal instance of a JSON schema: required properties only, deterministic values."""
    if not isinstance(schema, dict):
        return None
    root = schema if root is None else root
    schema = _effective_schema(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    build = _EXAMPLES.get(_schema_type(schema)) or _string_example
    return build(schema, name, root)


def _tokens(value: Any) -> int:
    """A rough token count: four characters of JSON per token."""
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4)


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its emulator."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, emulator: AwsEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the emulator."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        """Dispatch a POST (every emulated operation is a POST)."""
        self.server.emulator._dispatch(self)

    do_GET = do_PUT = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def read_body(self) -> bytes:
        """The request body, honouring Content-Length or chunked transfer encoding."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Write a complete HTTP/1.1 response."""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)


class AwsEmulator:
    """Bedrock Runtime + Rekognition + Comprehend on one local port, scriptable per operation."""

    def __init__(self) -> None:
        """Create a stopped emulator; call start() or use it as a context manager."""
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self._recorded: list[Recorded] = []
        self._fifo: dict[str, deque[Response]] = {}
        self._responders: dict[str, Responder] = {}
        self._latency: dict[str, float] = {}
        self._invoke_calls = 0
        self._tool_use_ids = 0

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> AwsEmulator:
        """Listen on 127.0.0.1 (ephemeral port) in a daemon thread."""
        if self._server is not None:
            return self
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="aws-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> AwsEmulator:
        """Start on entry."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on exit."""
        self.stop()

    def env(self) -> dict[str, str]:
        """The botocore endpoint variables that route the three services here."""
        return {
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": self.url,
            "AWS_ENDPOINT_URL_REKOGNITION": self.url,
            "AWS_ENDPOINT_URL_COMPREHEND": self.url,
        }

    # -- scripting -----------------------------------------------------------------------------------------

    def requests(self, op: str | None = None, *, tool: str | None = None) -> list[Recorded]:
        """Recorded requests in arrival order, optionally filtered by operation and forced tool."""
        with self._lock:
            recorded = list(self._recorded)
        return [r for r in recorded if (op is None or r.op == op) and (tool is None or r.tool == tool)]

    def push(self, key: str, *responses: Response) -> None:
        """Queue one-shot answers for key ("Op", "Converse:<tool>" or "InvokeModel:<model id>")."""
        with self._lock:
            self._fifo.setdefault(key, deque()).extend(responses)

    def push_tool_input(self, tool: str, *inputs: dict[str, Any] | Error) -> None:
        """Queue Converse answers in which the forced tool returns the given inputs."""
        answers: list[Response] = [
            item if isinstance(item, Error) else functools.partial(self._tool_answer, tool, dict(item))
            for item in inputs
        ]
        self.push(f"Converse:{tool}", *answers)

    def set_responder(self, key: str, fn: Responder | None) -> None:
        """Answer key with fn whenever no queued answer applies (None removes it)."""
        with self._lock:
            if fn is None:
                self._responders.pop(key, None)
            else:
                self._responders[key] = fn

    def set_latency(self, key: str, seconds: float) -> None:
        """Sleep before answering requests matching key ("*" matches everything)."""
        with self._lock:
            self._latency[key] = seconds

    def reset(self) -> None:
        """Forget recorded requests, scripts, responders, latencies and counters."""
        with self._lock:
            self._recorded.clear()
            self._fifo.clear()
            self._responders.clear()
            self._latency.clear()
            self._invoke_calls = 0
            self._tool_use_ids = 0

    # -- request handling ------------------------------------------------------------------------------

    def _route(self, handler: _Handler) -> tuple[str, str, str | None] | None:
        """(protocol, operation, model id) for a request, or None when it matches nothing."""
        segments = urlsplit(handler.path).path.split("/")
        if handler.command != "POST":
            return None
        if len(segments) == 4 and segments[1] == "model" and segments[3] in ("invoke", "converse"):
            op = "InvokeModel" if segments[3] == "invoke" else "Converse"
            return REST_JSON, op, unquote(segments[2])
        if (
            len(segments) == 6
            and segments[1] == "guardrail"
            and segments[3] == "version"
            and segments[5] == "apply"
        ):
            return REST_JSON, "ApplyGuardrail", None
        if segments == ["", ""] and handler.headers.get("X-Amz-Target") in _JSON_TARGETS:
            return JSON_11, _JSON_TARGETS[handler.headers["X-Amz-Target"]], None
        return None

    def _dispatch(self, handler: _Handler) -> None:
        """Parse, record, script and answer one request."""
        raw = handler.read_body()
        route = self._route(handler)
        if route is None:
            target = handler.headers.get("X-Amz-Target")
            message = f"Unknown operation: {handler.command} {handler.path}"
            message += f" ({target})" if target else ""
            self._send_error(handler, REST_JSON, Error("UnknownOperationException", message, 404), both=True)
            return
        protocol, op, model_id = route
        if not handler.headers.get("Authorization"):
            error = Error("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
            self._send_error(handler, protocol, error)
            return
        body: dict[str, Any] = {}
        malformed = False
        try:
            parsed = json.loads(raw) if raw else {}
            body, malformed = (parsed, False) if isinstance(parsed, dict) else ({}, True)
        except ValueError:
            malformed = True
        if malformed and op != "InvokeModel":
            self._send_error(handler, protocol, Error("SerializationException", "Malformed JSON body"))
            return
        forced = _dig(body, "toolConfig", "toolChoice", "tool", "name") if op == "Converse" else None
        tool = forced if isinstance(forced, str) else None
        record = Recorded(
            op=op,
            model_id=model_id,
            body=body,
            headers={k.lower(): v for k, v in handler.headers.items()},
            tool=tool,
            raw=raw,
            path=handler.path,
            received=time.monotonic(),
        )
        keys = [f"{op}:{tool}"] if tool else [f"{op}:{model_id}"] if op == "InvokeModel" else []
        keys.append(op)
        with self._lock:
            self._recorded.append(record)
            if op == "InvokeModel":
                self._invoke_calls += 1
            call = self._invoke_calls
            queue = next((self._fifo[k] for k in keys if self._fifo.get(k)), None)
            scripted: Response | None = queue.popleft() if queue else None
            if scripted is None:
                scripted = next((self._responders[k] for k in keys if k in self._responders), None)
            delay = next((self._latency[k] for k in [*keys, "*"] if k in self._latency), 0.0)
        if delay > 0:
            time.sleep(delay)
        try:
            if callable(scripted):
                answer = scripted(record)
            elif scripted is not None:
                answer = scripted
            elif malformed:
                answer = Error("ValidationException", _MALFORMED_BODY)
            else:
                answer = self._default(record, call)
        except Exception as exc:  # a broken responder must surface as a service error, not a hung socket
            answer = Error("InternalServerException", f"emulator responder failed: {exc!r}", 500)
        if isinstance(answer, Error):
            self._send_error(handler, protocol, answer)
            return
        content_type = "application/json" if protocol == REST_JSON else "application/x-amz-json-1.1"
        handler.reply(200, json.dumps(answer).encode(), {"Content-Type": content_type})

    @staticmethod
    def _send_error(handler: _Handler, protocol: str, error: Error, *, both: bool = False) -> None:
        """Serialise an error the way the protocol's botocore parser expects."""
        if protocol == REST_JSON:
            payload: dict[str, Any] = {"message": error.message}
            headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.code}
            if both:
                payload["__type"] = error.code
        else:
            payload = {"__type": error.code, "Message": error.message}
            headers = {"Content-Type": "application/x-amz-json-1.1"}
        handler.reply(error.status, json.dumps(payload).encode(), headers)

    # -- default answers -----------------------------------------------------------------------------------

    def _default(self, record: Recorded, call: int) -> dict[str, Any] | Error:
        """The unscripted behaviour of each operation."""
        handlers: dict[str, Callable[[Recorded], dict[str, Any] | Error]] = {
            "InvokeModel": functools.partial(self._invoke_model, call=call),
            "Converse": self._converse,
            "ApplyGuardrail": self._apply_guardrail,
            "DetectModerationLabels": self._detect_moderation_labels,
            "DetectToxicContent": self._detect_toxic_content,
            "DetectDominantLanguage": self._detect_dominant_language,
        }
        try:
            return handlers[record.op](record)
        except _Invalid as exc:
            return Error("ValidationException", str(exc))

    def _invoke_model(self, record: Recorded, call: int) -> dict[str, Any] | Error:
        """Dispatch on the request body's model family."""
        body, model_id = record.body, record.model_id or ""
        if "taskType" in body:
            return self._amazon_image(model_id, body, call)
        if "text_prompts" in body:
            return self._sdxl_image(model_id, body, call)
        if "prompt" in body:
            return self._stable_image(model_id, body, call)
        raise _malformed("#", "the emulator does not know this model's request format")

    def _amazon_image(self, model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
        """Titan Image Generator / Nova Canvas."""
        limits = _NOVA if "nova" in model_id.lower() else _TITAN
        extra = sorted(set(body) - _AMAZON_TOP_KEYS)
        if extra:
            raise _malformed("#", f"extraneous key [{extra[0]}] is not permitted")
        task = body["taskType"]
        if task not in _AMAZON_TASK_PARAMS:
            raise _malformed("#/taskType", f"{task} is not a valid enum value")
        params_key = _AMAZON_TASK_PARAMS[task]
        params = body.get(params_key)
        if not isinstance(params, dict):
            raise _malformed("#", f"required key [{params_key}] not found")
        pointer = f"#/{params_key}"
        text_required = task in ("TEXT_IMAGE", "COLOR_GUIDED_GENERATION")
        text = _text(params, "text", pointer, limits.text_max, required=text_required)
        _text(params, "negativeText", pointer, limits.text_max, required=False)

        source_size: tuple[int, int] | None = None
        if task == "IMAGE_VARIATION":
            images = params.get("images")
            if not isinstance(images, list) or not 1 <= len(images) <= 5:
                raise _malformed(f"{pointer}/images", "expected 1 to 5 base64 images")
            for i, image in enumerate(images):
                data = _b64(image)
                if data is None:
                    raise _malformed(f"{pointer}/images/{i}", "invalid base64 image")
                _image_size(data, f"{pointer}/images/{i}")
        elif task in ("INPAINTING", "OUTPAINTING", "BACKGROUND_REMOVAL"):
            data = _b64(params.get("image"))
            if data is None:
                raise _malformed(pointer, "required key [image] not found")
            source_size = _image_size(data, f"{pointer}/image")

        config = body.get("imageGenerationConfig") or {}
        if not isinstance(config, dict):
            raise _malformed("#/imageGenerationConfig", "expected type: JSONObject")
        extra = sorted(set(config) - _AMAZON_CONFIG_KEYS)
        if extra:
            raise _malformed("#/imageGenerationConfig", f"extraneous key [{extra[0]}] is not permitted")
        cfg = "#/imageGenerationConfig"
        count = _number(config, "numberOfImages", cfg, 1, integer=True)
        _in_range(count, 1, 5, f"{cfg}/numberOfImages")
        width = _number(config, "width", cfg, 1024, integer=True)
        height = _number(config, "height", cfg, 1024, integer=True)
        cfg_scale = _number(config, "cfgScale", cfg, 6.5, integer=False)
        _in_range(cfg_scale, 1.1, 10, f"{cfg}/cfgScale")
        seed = _number(config, "seed", cfg, limits.default_seed, integer=True)
        _in_range(seed, 0, limits.seed_max, f"{cfg}/seed")
        if source_size is not None:
            width, height = source_size
            count = 1 if task == "BACKGROUND_REMOVAL" else count
        elif limits is _TITAN:
            if (width, height) not in _TITAN_SIZES:
                raise _malformed(cfg, f"({width}, {height}) is not valid")
        else:
            self._check_nova_size(width, height)
        return {
            "images": [
                base64.b64encode(
                    self._tagged_image(
                        (width, height), seed=seed, index=i, call=call, prompt=text, model_id=model_id
                    )
                ).decode()
                for i in range(count)
            ]
        }

    @staticmethod
    def _check_nova_size(width: int, height: int) -> None:
        """Nova Canvas output size rules."""
        reason = ""
        if width % 16 or height % 16:
            reason = "width and height must be divisible by 16"
        elif not (320 <= width <= 4096 and 320 <= height <= 4096):
            reason = "width and height must be between 320 and 4096"
        elif width * height >= 4_194_304:
            reason = "the total pixel count must be less than 4194304"
        elif max(width, height) > 4 * min(width, height):
            reason = "the aspect ratio must be between 1:4 and 4:1"
        if reason:
            raise _malformed("#/imageGenerationConfig", f"({width}, {height}) is not valid: {reason}")

    @staticmethod
    def _tagged_image(
        size: tuple[int, int],
        *,
        seed: int,
        index: int,
        call: int,
        prompt: str,
        model_id: str,
        fmt: str = "png",
    ) -> bytes:
        """A generated image with the emulator's identifying metadata."""
        text = {
            "emulator-seed": str(seed),
            "emulator-index": str(index),
            "emulator-call": str(call),
            "emulator-prompt": prompt[:200],
            "emulator-model": model_id,
        }
        return _render_image(size, seed, index, text, fmt=fmt)

    def _sdxl_image(self, model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
        """Stability SDXL 1.0 (text_prompts API)."""
        prompts = body["text_prompts"]
        if not isinstance(prompts, list) or not prompts:
            raise _malformed("#/text_prompts", "expected minItems: 1, actual: 0")
        for i, prompt in enumerate(prompts):
            if not isinstance(prompt, dict) or not isinstance(prompt.get("text"), str) or not prompt["text"]:
                raise _malformed(f"#/text_prompts/{i}", "required key [text] not found")
        cfg_scale = _number(body, "cfg_scale", "#", 7, integer=False)
        _in_range(cfg_scale, 0, 35, "#/cfg_scale")
        steps = _number(body, "steps", "#", 30, integer=True)
        _in_range(steps, 10, 50, "#/steps")
        seed = _number(body, "seed", "#", 0, integer=True)
        _in_range(seed, 0, 4_294_967_295, "#/seed")
        if "init_image" in body:
            data = _b64(body["init_image"])
            if data is None:
                raise _malformed("#/init_image", "invalid base64 image")
            width, height = _image_size(data, "#/init_image")
        else:
            width = _number(body, "width", "#", 1024, integer=True)
            height = _number(body, "height", "#", 1024, integer=True)
        if (width, height) not in _SDXL_SIZES:
            raise _malformed("#", f"({width}, {height}) is not valid")
        positive = " ".join(p["text"] for p in prompts if float(p.get("weight", 1)) >= 0)
        png = self._tagged_image(
            (width, height), seed=seed, index=0, call=call, prompt=positive, model_id=model_id
        )
        artifact = {"seed": seed, "base64": base64.b64encode(png).decode(), "finishReason": "SUCCESS"}
        return {"result": "success", "artifacts": [artifact]}

    def _stable_image(self, model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
        """SD3 / SD3.5 Large, Stable Image Core / Ultra (prompt API)."""
        prompt = _text(body, "prompt", "#", 10_000, required=True)
        _text(body, "negative_prompt", "#", 10_000, required=False)
        seed = _number(body, "seed", "#", 0, integer=True)
        _in_range(seed, 0, 4_294_967_294, "#/seed")
        fmt = body.get("output_format", "png")
        if fmt not in ("png", "jpeg"):
            raise _malformed("#/output_format", f"{fmt} is not a valid enum value")
        if body.get("mode") == "image-to-image" or "image" in body:
            data = _b64(body.get("image"))
            if data is None:
                raise _malformed("#", "required key [image] not found")
            strength = _number(body, "strength", "#", 0.5, integer=False)
            _in_range(strength, 0, 1, "#/strength")
            src_w, src_h = _image_size(data, "#/image")
            width, height = _megapixel_size(src_w, src_h)
        else:
            ratio = body.get("aspect_ratio", "1:1")
            if ratio not in _SD3_ASPECT_RATIOS:
                raise _malformed("#/aspect_ratio", f"{ratio} is not a valid enum value")
            ratio_w, ratio_h = (int(part) for part in ratio.split(":"))
            width, height = _megapixel_size(ratio_w, ratio_h)
        image = self._tagged_image(
            (width, height), seed=seed, index=0, call=call, prompt=prompt, model_id=model_id, fmt=fmt
        )
        return {"seeds": [seed], "finish_reasons": [None], "images": [base64.b64encode(image).decode()]}

    def _next_tool_use_id(self) -> str:
        """tooluse_<n>, unique per emulator."""
        with self._lock:
            self._tool_use_ids += 1
            return f"tooluse_{self._tool_use_ids}"

    def _tool_answer(self, tool: str, tool_input: dict[str, Any], record: Recorded) -> dict[str, Any]:
        """A full Converse response in which the model calls tool with tool_input."""
        block = {"toolUse": {"toolUseId": self._next_tool_use_id(), "name": tool, "input": tool_input}}
        return self._converse_body(record, block, "tool_use")

    @staticmethod
    def _converse_body(record: Recorded, block: dict[str, Any], stop_reason: str) -> dict[str, Any]:
        """ConverseResponse with all members the service model marks required."""
        input_tokens = _tokens([record.body.get("system"), record.body.get("messages")])
        output_tokens = _tokens(block)
        return {
            "output": {"message": {"role": "assistant", "content": [block]}},
            "stopReason": stop_reason,
            "usage": {
                "inputTokens": input_tokens,
                "outputTokens": output_tokens,
                "totalTokens": input_tokens + output_tokens,
            },
            "metrics": {"latencyMs": int((time.monotonic() - record.received) * 1000)},
        }

    def _converse(self, record: Recorded) -> dict[str, Any]:
        """Forced tool -> schema-shaped input; otherwise a short text reply."""
        messages = record.body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _Invalid(_NO_USER_MESSAGE)
        if record.tool is None:
            return self._converse_body(record, {"text": "emulated reply"}, "end_turn")
        specs = [
            t["toolSpec"]
            for t in (record.body.get("toolConfig") or {}).get("tools") or []
            if isinstance(t, dict) and isinstance(t.get("toolSpec"), dict)
        ]
        spec = next((s for s in specs if s.get("name") == record.tool), None)
        if spec is None:
            raise _Invalid(f"The tool {record.tool} in toolChoice is not defined in toolConfig.tools.")
        schema = (spec.get("inputSchema") or {}).get("json") or {}
        return self._tool_answer(record.tool, example_from_schema(schema, "input") or {}, record)

    @staticmethod
    def _apply_guardrail(record: Recorded) -> dict[str, Any]:
        """A guardrail that lets everything through."""
        chars = sum(
            len((block.get("text") or {}).get("text") or "")
            for block in record.body.get("content") or []
            if isinstance(block, dict)
        )
        usage = dict.fromkeys(_GUARDRAIL_USAGE_REQUIRED, 0)
        usage["contentPolicyUnits"] = math.ceil(chars / 1000)
        return {"action": "NONE", "outputs": [], "assessments": [], "usage": usage}

    @staticmethod
    def _detect_moderation_labels(record: Recorded) -> dict[str, Any] | Error:
        """No labels for any valid PNG/JPEG."""
        image = record.body.get("Image")
        if not isinstance(image, dict) or not (image.get("Bytes") or image.get("S3Object")):
            return Error("InvalidParameterException", "Request has invalid parameters")
        if "Bytes" in image:
            data = _b64(image["Bytes"])
            if data is not None and len(data) > _REKOGNITION_MAX_IMAGE:
                return Error("ImageTooLargeException", "Image size is too large.")
            if data is None or not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
                return Error("InvalidImageFormatException", "Request has invalid image format")
        return {"ModerationLabels": [], "ModerationModelVersion": "7.0", "ContentTypes": []}

    @staticmethod
    def _detect_toxic_content(record: Recorded) -> dict[str, Any] | Error:
        """Every segment is harmless; only English is supported."""
        language = record.body.get("LanguageCode")
        if language != "en":
            return Error(
                "UnsupportedLanguageException",
                f"Amazon Comprehend can not process the language in the input text: {language}. "
                "Supported language codes: [en]",
            )
        segments = record.body.get("TextSegments") or []
        if len(segments) > _TOXIC_MAX_SEGMENTS:
            return Error(
                "TextSizeLimitExceededException",
                f"Input text size exceeds limit. Max number of text segments is {_TOXIC_MAX_SEGMENTS} "
                f"while in this request it is {len(segments)}.",
            )
        for segment in segments:
            size = len(str(segment.get("Text", "")).encode())
            if size > _TOXIC_MAX_SEGMENT_BYTES:
                return Error(
                    "TextSizeLimitExceededException",
                    f"Input text size exceeds limit. Max length of each text segment is "
                    f"{_TOXIC_MAX_SEGMENT_BYTES} bytes while in this request one is {size} bytes.",
                )
        result = {"Labels": [{"Name": name, "Score": 0.01} for name in _TOXIC_LABELS], "Toxicity": 0.01}
        return {"ResultList": [dict(result) for _ in segments]}

    @staticmethod
    def _detect_dominant_language(record: Recorded) -> dict[str, Any] | Error:
        """Japanese if any kana/kanji appears, else English."""
        text = str(record.body.get("Text", ""))
        if len(text.encode()) > _LANGUAGE_MAX_BYTES:
            return Error(
                "TextSizeLimitExceededException",
                "Input text size exceeds limit. "
                f"Max length of request text allowed is {_LANGUAGE_MAX_BYTES} bytes.",
            )
        code = "ja" if _JAPANESE.search(text) else "en"
        return {"Languages": [{"LanguageCode": code, "Score": 0.99}]}
