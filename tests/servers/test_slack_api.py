"""Tests for the local Slack Web API server, driven by a real slack_sdk WebClient."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.servers.slack_api import SlackApiServer

TOKEN = "xoxb-test-token"
# Bytes that would be mangled by any text or form decoding on the way.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + b"--\r\n\r\n%41+&="


@pytest.fixture
def server() -> Iterator[SlackApiServer]:
    """A running server, stopped after the test."""
    with SlackApiServer(bot_token=TOKEN) as srv:
        yield srv


@pytest.fixture
def client(server: SlackApiServer) -> WebClient:
    """A WebClient pointed at the server."""
    return WebClient(token=TOKEN, base_url=server.base_url, timeout=5)


def test_auth_test(server: SlackApiServer, client: WebClient) -> None:
    """auth.test answers the bot identity and records the bearer token."""
    resp = client.auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"
    assert resp["team_id"] == "T0TEST"
    headers = {k.lower(): v for k, v in resp.headers.items()}
    assert headers["content-type"] == "application/json; charset=utf-8"
    (call,) = server.calls("auth.test")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/api/")


def test_post_message_with_blocks(server: SlackApiServer, client: WebClient) -> None:
    """chat.postMessage arrives as JSON; blocks are Python objects and ts values increase."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "こんにちは"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks, thread_ts="1.2")
    second = client.chat_postMessage(channel="C1", text="again")
    assert first["channel"] == "C1"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["thread_ts"] == "1.2"
    assert "thread_ts" not in second["message"]
    assert float(second["ts"]) > float(first["ts"])
    call = server.calls("chat.postMessage")[0]
    assert call.params["blocks"] == blocks
    assert call.params["text"] == "hi"
    assert call.headers["content-type"].startswith("application/json")


def test_form_encoded_methods(server: SlackApiServer, client: WebClient) -> None:
    """Form-encoded methods (reactions.add, chat.delete) and GET-style ones (users.info) are decoded."""
    client.reactions_add(channel="C1", timestamp="1.2", name="thumbsup")
    client.chat_delete(channel="C1", ts="1.2")
    user = client.users_info(user="U123")
    assert user["user"] == {"id": "U123", "locale": "ja-JP", "tz": "Asia/Tokyo"}
    assert server.calls("reactions.add")[0].params == {
        "channel": "C1",
        "timestamp": "1.2",
        "name": "thumbsup",
    }
    assert server.calls("chat.delete")[0].headers["content-type"] == "application/x-www-form-urlencoded"


def test_views_open_returns_view_with_id(client: WebClient) -> None:
    """views.open echoes the view with a generated id."""
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    resp = client.views_open(trigger_id="123.456", view=view)
    assert resp["view"]["id"].startswith("V")
    assert resp["view"]["type"] == "modal"


def test_files_upload_v2(server: SlackApiServer, client: WebClient) -> None:
    """files_upload_v2 runs all three steps; the exact bytes and thread land in uploaded_files()."""
    resp = client.files_upload_v2(
        file=PNG_BYTES,
        filename="image.png",
        title="生成画像",
        channel="C1",
        thread_ts="1700000000.000100",
        initial_comment="できました",
    )
    assert resp["file"]["name"] == "image.png"
    assert resp["file"]["size"] == len(PNG_BYTES)
    assert resp["file"]["mimetype"] == "image/png"
    (uploaded,) = server.uploaded_files()
    assert uploaded.data == PNG_BYTES
    assert uploaded.file_id == resp["file"]["id"]
    assert uploaded.filename == "image.png"
    assert uploaded.title == "生成画像"
    assert uploaded.channel_id == "C1"
    assert uploaded.thread_ts == "1700000000.000100"
    assert uploaded.initial_comment == "できました"
    url_call = server.calls("files.getUploadURLExternal")[0]
    assert url_call.params["length"] == str(len(PNG_BYTES))
    complete_call = server.calls("files.completeUploadExternal")[0]
    assert complete_call.params["files"] == [{"id": uploaded.file_id, "title": "生成画像"}]


def test_upload_validation(server: SlackApiServer, client: WebClient) -> None:
    """Missing arguments, unknown upload ids and never-uploaded files are rejected."""
    with pytest.raises(SlackApiError) as missing:
        client.api_call("files.getUploadURLExternal", params={"filename": "a.png"})
    assert missing.value.response["error"] == "invalid_arguments"

    issued = client.files_getUploadURLExternal(filename="a.png", length=3)
    with pytest.raises(SlackApiError) as not_uploaded:
        client.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id="C1")
    assert not_uploaded.value.response["error"] == "file_not_found"

    bad_url = issued["upload_url"].rsplit("/", 1)[0] + "/F_UNKNOWN"
    with pytest.raises(urllib.error.HTTPError) as http_error:
        urllib.request.urlopen(urllib.request.Request(bad_url, data=b"abc", method="POST"), timeout=5)
    assert http_error.value.code == 404
    http_error.value.close()
    assert server.uploaded_files() == []


def test_rate_limit_retry(server: SlackApiServer) -> None:
    """A 429 with Retry-After is retried by slack_sdk's RateLimitErrorRetryHandler and then succeeds."""
    client = WebClient(
        token=TOKEN,
        base_url=server.base_url,
        timeout=5,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    server.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=0)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"] is True
    calls = server.calls("chat.postMessage")
    assert len(calls) == 2
    assert calls[1].time >= calls[0].time


def test_fail_next_times_and_status_200(server: SlackApiServer, client: WebClient) -> None:
    """fail_next answers ok:false for exactly `times` calls."""
    server.fail_next("reactions.add", "already_reacted", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.reactions_add(channel="C1", timestamp="1.2", name="x")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "already_reacted"
    assert client.reactions_add(channel="C1", timestamp="1.2", name="x")["ok"] is True


def test_invalid_token(server: SlackApiServer) -> None:
    """A wrong bearer token gets invalid_auth and is still recorded."""
    bad = WebClient(token="xoxb-wrong", base_url=server.base_url, timeout=5)
    with pytest.raises(SlackApiError) as err:
        bad.auth_test()
    assert err.value.response["error"] == "invalid_auth"
    assert len(server.calls("auth.test")) == 1


def test_unknown_method(client: WebClient) -> None:
    """Unimplemented methods answer unknown_method."""
    with pytest.raises(SlackApiError) as err:
        client.api_call("nope.nothing")
    assert err.value.response["error"] == "unknown_method"


def test_response_url_post_recorded(server: SlackApiServer) -> None:
    """A JSON post to an issued response_url is recorded with its path; wait_for sees it."""
    url = server.response_url()
    assert url != server.response_url()
    blocks = [{"type": "divider"}]
    poster = threading.Thread(
        target=lambda: WebhookClient(url).send(text="done", blocks=blocks, response_type="in_channel")
    )
    poster.start()
    (call,) = server.wait_for("response_url", timeout=5)
    poster.join(timeout=5)
    assert call.params["text"] == "done"
    assert call.params["blocks"] == blocks
    assert call.params["_path"] == url.removeprefix(server.base_url.removesuffix("/api/"))


def test_wait_for_timeout(server: SlackApiServer, client: WebClient) -> None:
    """wait_for raises AssertionError naming the methods received so far."""
    client.auth_test()
    start = time.monotonic()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        server.wait_for("chat.postMessage", timeout=0.1)
    assert time.monotonic() - start < 1


def test_reset(server: SlackApiServer, client: WebClient) -> None:
    """reset clears calls, uploads and queued failures."""
    client.files_upload_v2(content="x", filename="a.txt", channel="C1")
    server.fail_next("auth.test")
    server.reset()
    assert server.calls() == []
    assert server.uploaded_files() == []
    assert client.auth_test()["ok"] is True
