"""Local HTTP emulator speaking the real AWS wire protocols for Bedrock (runtime and control plane),
Rekognition and Comprehend.

Real boto3 clients reach it through botocore's standard ``AWS_ENDPOINT_URL_*`` environment variables, so
requests and responses go through botocore's serializers, parsers, error handling and retry logic.

Protocols (checked against botocore's service models and ``botocore/parsers.py``):

* bedrock-runtime is ``rest-json``: ``POST /model/{modelId}/invoke|converse`` and
  ``POST /guardrail/{id}/version/{v}/apply``. ``modelId`` is percent-encoded in the path (``:`` and ``/``
  of ARNs included). Errors carry the code in the ``x-amzn-ErrorType`` header and ``{"message": ...}`` in
  the body.
* bedrock (the control plane) is ``rest-json`` too: ``GET /foundation-models[/{id}]``,
  ``GET /foundation-model-availability/{id}``, ``GET /custom-models/{id}``,
  ``GET /provisioned-model-throughput/{id}`` (see ``bedrock_control``), ``GET /inference-profiles/{id}``
  (see ``bedrock_profiles``).
* Rekognition and Comprehend are ``json`` 1.1: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``.
  Errors carry ``{"__type": <code>, "Message": ...}`` in the body.

The rest lives beside this module: ``bedrock_amazon`` (Titan, Nova Canvas bodies), ``bedrock_stability``
(SDXL, SD3 / Core / Ultra, the Stability AI Image Services), ``bedrock_control`` (which model ids exist and
whether the account may use them), ``bedrock_profiles`` (cross-region inference profiles),
``aws_moderation`` (guardrail, Rekognition, Comprehend answers) and ``aws_recorded`` (what is recorded
of each request).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.servers.aws_moderation import (
    apply_guardrail,
    detect_dominant_language,
    detect_moderation_labels,
    detect_toxic_content,
)
from tests.servers.aws_recorded import Recorded
from tests.servers.bedrock_amazon import amazon_image
from tests.servers.bedrock_common import Error, Invalid, dig, malformed, png_info
from tests.servers.bedrock_control import ModelRegistry, ModelState
from tests.servers.bedrock_profiles import get_inference_profile
from tests.servers.bedrock_stability import IMAGE_SERVICES, image_service, prompt_image, sdxl_image
from tests.servers.schema_example import example_from_schema

__all__ = ["AwsEmulator", "Error", "ModelState", "Recorded", "example_from_schema", "png_info"]


# An answer is a JSON object, an error, or JSON already encoded (bytes): a large scripted answer
# encoded once, so the emulator spends no CPU on it per call.
Response = dict[str, Any] | Error | bytes | Callable[[Recorded], "dict[str, Any] | Error | bytes"]
Responder = Callable[[Recorded], "dict[str, Any] | Error | bytes"]

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

_CONTROL_ROUTES = {
    "foundation-models": "GetFoundationModel",
    "foundation-model-availability": "GetFoundationModelAvailability",
    "custom-models": "GetCustomModel",
    "provisioned-model-throughput": "GetProvisionedModelThroughput",
    "inference-profiles": "GetInferenceProfile",
}
_IAM_ACTIONS = {
    "Converse": "bedrock:InvokeModel",
    "DetectModerationLabels": "rekognition:DetectModerationLabels",
    "DetectToxicContent": "comprehend:DetectToxicContent",
    "DetectDominantLanguage": "comprehend:DetectDominantLanguage",
}
REGION = "us-east-1"
_BAD_TOKEN = "The security token included in the request is invalid."
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")


def _control_route(segments: list[str]) -> tuple[str, str, str | None] | None:
    """The bedrock control-plane GET routes."""
    if segments[1:] == ["foundation-models"]:
        return REST_JSON, "ListFoundationModels", None
    if len(segments) == 3 and segments[1] in _CONTROL_ROUTES and segments[2]:
        return REST_JSON, _CONTROL_ROUTES[segments[1]], unquote(segments[2])
    return None


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
    """Bedrock (runtime and control plane) + Rekognition + Comprehend on one local port, scriptable per
    operation and per model."""

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
        self._models = ModelRegistry()
        self._denied: dict[str, str | None] = {}
        self._access_key: str | None = None
        self._offered: dict[str, frozenset[str]] = {}

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
        """The botocore endpoint variables that route the four services here."""
        return {
            "AWS_ENDPOINT_URL_BEDROCK": self.url,
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

    def set_model_state(
        self,
        model_id: str,
        *,
        lifecycle: str | None = None,
        legacy_time: datetime | None = None,
        public_extended_access_time: datetime | None = None,
        end_of_life_time: datetime | None = None,
        authorized: bool | None = None,
        entitled: bool | None = None,
        region_available: bool | None = None,
        agreement: str | None = None,
        agreement_error: str | None = None,
        recently_used: bool | None = None,
    ) -> ModelState:
        """Script what GetFoundationModel / GetFoundationModelAvailability report for a foundation model
        id (not an ARN or profile) and so how InvokeModel / Converse answer for it; None leaves a field.

        lifecycle "ACTIVE" | "LEGACY"; agreement "AVAILABLE" | "PENDING" | "NOT_AVAILABLE" | "ERROR".
        Runtime effect: region_available=False -> ValidationException (invalid identifier);
        authorized / entitled False or agreement not AVAILABLE -> AccessDeniedException; an
        end_of_life_time in the past -> ResourceNotFoundException (end of life); LEGACY with
        recently_used=False -> ResourceNotFoundException (Legacy, not used in 30 days). A scripted state
        applies before queued answers and responders."""
        given = {
            "lifecycle": lifecycle,
            "legacy_time": legacy_time,
            "public_extended_access_time": public_extended_access_time,
            "end_of_life_time": end_of_life_time,
            "authorized": authorized,
            "entitled": entitled,
            "region_available": region_available,
            "agreement": agreement,
            "agreement_error": agreement_error,
            "recently_used": recently_used,
        }
        if lifecycle not in (None, "ACTIVE", "LEGACY"):
            raise ValueError(f"lifecycle must be ACTIVE or LEGACY, not {lifecycle}")
        if agreement not in (None, "AVAILABLE", "PENDING", "NOT_AVAILABLE", "ERROR"):
            raise ValueError(f"agreement must be AVAILABLE, PENDING, NOT_AVAILABLE or ERROR, not {agreement}")
        with self._lock:
            return self._models.set_state(model_id, {k: v for k, v in given.items() if v is not None})

    def forget_model(self, model_id: str) -> None:
        """Make a foundation model id unknown: the runtime answers "The provided model identifier is
        invalid.", the control plane ResourceNotFoundException."""
        with self._lock:
            self._models.forget(model_id)

    def add_custom_model(self, name: str, base_model_id: str, region: str = REGION) -> str:
        """Register a custom model (GetCustomModel; invocable by ARN as its base model); its ARN."""
        with self._lock:
            return self._models.add_custom(name, base_model_id, region)

    def add_provisioned_throughput(
        self, name: str, model_id: str, *, units: int = 1, status: str = "InService", region: str = REGION
    ) -> str:
        """Register a Provisioned Throughput of a foundation model id or custom model ARN; its ARN."""
        with self._lock:
            return self._models.add_provisioned(name, model_id, units, status, region)

    def deny_access(self, op: str = "*", message: str | None = None) -> None:
        """Answer op ("*": every operation) with AccessDeniedException, as IAM does for a principal
        without the action; message defaults to IAM's "... is not authorized to perform: ..." text."""
        with self._lock:
            self._denied[op] = message

    def allow_access(self, op: str = "*") -> None:
        """Undo deny_access(op)."""
        with self._lock:
            self._denied.pop(op, None)

    def offer_only(self, op: str, regions: Iterable[str] | None) -> None:
        """Serve op only to requests signed for one of regions (None: in every region again).

        Elsewhere the answer is UnknownOperationException with no message, the generic answer of an AWS
        endpoint to an operation it does not serve. AWS documents no specific error for a feature missing
        from a region (Comprehend's DetectToxicContent is not offered everywhere), so this is a stand-in."""
        with self._lock:
            if regions is None:
                self._offered.pop(op, None)
            else:
                self._offered[op] = frozenset(regions)

    def require_access_key(self, access_key_id: str | None) -> None:
        """Reject SigV4 requests signed with another access key (UnrecognizedClientException, as for a
        wrong or deleted key); None accepts any key again."""
        with self._lock:
            self._access_key = access_key_id

    def reset(self) -> None:
        """Forget recorded requests, scripts, responders, latencies, counters and model states."""
        with self._lock:
            self._recorded.clear()
            self._fifo.clear()
            self._responders.clear()
            self._latency.clear()
            self._invoke_calls = 0
            self._tool_use_ids = 0
            self._models.reset()
            self._denied.clear()
            self._access_key = None
            self._offered.clear()

    # -- request handling ------------------------------------------------------------------------------

    def _route(self, handler: _Handler) -> tuple[str, str, str | None] | None:
        """(protocol, operation, model id) for a request, or None when it matches nothing."""
        segments = urlsplit(handler.path).path.split("/")
        if handler.command == "GET":
            return _control_route(segments)
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
        if handler.command == "GET":
            body = dict(parse_qsl(urlsplit(handler.path).query))
        elif malformed and op != "InvokeModel":
            self._send_error(handler, protocol, Error("SerializationException", "Malformed JSON body"))
            return
        forced = dig(body, "toolConfig", "toolChoice", "tool", "name") if op == "Converse" else None
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
            refused = self._refusal(record)
            queue = next((self._fifo[k] for k in keys if self._fifo.get(k)), None)
            scripted: Response | None = queue.popleft() if queue and refused is None else None
            if scripted is None and refused is None:
                scripted = next((self._responders[k] for k in keys if k in self._responders), None)
            if scripted is None and refused is None and op in ("InvokeModel", "Converse"):
                refused = self._models.runtime_error(model_id or "")
            delay = next((self._latency[k] for k in [*keys, "*"] if k in self._latency), 0.0)
        if delay > 0:
            time.sleep(delay)
        answer: dict[str, Any] | Error | bytes
        try:
            if refused is not None:
                answer = refused
            elif callable(scripted):
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
        body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        handler.reply(200, body, {"Content-Type": content_type})

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
            "ApplyGuardrail": apply_guardrail,
            "DetectModerationLabels": detect_moderation_labels,
            "DetectToxicContent": detect_toxic_content,
            "DetectDominantLanguage": detect_dominant_language,
            "GetFoundationModel": self._control,
            "GetFoundationModelAvailability": self._control,
            "ListFoundationModels": self._control,
            "GetCustomModel": self._control,
            "GetProvisionedModelThroughput": self._control,
            "GetInferenceProfile": self._control,
        }
        try:
            return handlers[record.op](record)
        except Invalid as exc:
            return Error("ValidationException", str(exc))

    def _refusal(self, record: Recorded) -> Error | None:
        """Credentials, IAM denials and scripted model states, checked before any answer (lock held)."""
        match = _CREDENTIAL.search(record.headers.get("authorization", ""))
        if self._access_key is not None and match and match.group(1) != self._access_key:
            return Error("UnrecognizedClientException", _BAD_TOKEN, 403)
        offered = self._offered.get(record.op)
        if offered is not None and (match.group(2) if match else REGION) not in offered:
            return Error("UnknownOperationException", "", 400)
        denied = next((op for op in (record.op, "*") if op in self._denied), None)
        if denied is not None:
            action = _IAM_ACTIONS.get(record.op, f"bedrock:{record.op}")
            message = self._denied[denied] or (
                f"User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: {action} "
                f"because no identity-based policy allows the {action} action"
            )
            return Error("AccessDeniedException", message, 403)
        if record.op in ("InvokeModel", "Converse") and self._models.is_scripted(record.model_id or ""):
            return self._models.runtime_error(record.model_id or "")
        return None

    def _control(self, record: Recorded) -> dict[str, Any] | Error:
        """The bedrock control-plane operations."""
        match = _CREDENTIAL.search(record.headers.get("authorization", ""))
        region = match.group(2) if match else REGION
        identifier = record.model_id or ""
        with self._lock:
            if record.op == "GetFoundationModel":
                return self._models.get_foundation_model(identifier, region)
            if record.op == "GetFoundationModelAvailability":
                return self._models.get_availability(identifier)
            if record.op == "GetCustomModel":
                return self._models.get_custom_model(identifier)
            if record.op == "GetProvisionedModelThroughput":
                return self._models.get_provisioned(identifier)
            if record.op == "GetInferenceProfile":
                return get_inference_profile(self._models, identifier, region)
            return self._models.list_foundation_models(record.body, region)

    def _invoke_model(self, record: Recorded, call: int) -> dict[str, Any] | Error:
        """Dispatch on the model id (Image Services), else on the request body's model family."""
        body, model_id = record.body, record.model_id or ""
        with self._lock:
            base = self._models.base_model(model_id) or model_id
        if base in IMAGE_SERVICES:
            return image_service(base, model_id, body, call)
        if "taskType" in body:
            return amazon_image(model_id, body, call, base=base)
        if "text_prompts" in body:
            return sdxl_image(model_id, body, call)
        if "prompt" in body:
            return prompt_image(model_id, body, call, base=base)
        raise malformed("#", "the emulator does not know this model's request format")

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
            raise Invalid(_NO_USER_MESSAGE)
        if record.tool is None:
            return self._converse_body(record, {"text": "emulated reply"}, "end_turn")
        specs = [
            t["toolSpec"]
            for t in (record.body.get("toolConfig") or {}).get("tools") or []
            if isinstance(t, dict) and isinstance(t.get("toolSpec"), dict)
        ]
        spec = next((s for s in specs if s.get("name") == record.tool), None)
        if spec is None:
            raise Invalid(f"The tool {record.tool} in toolChoice is not defined in toolConfig.tools.")
        schema = (spec.get("inputSchema") or {}).get("json") or {}
        return self._tool_answer(record.tool, example_from_schema(schema, "input") or {}, record)
