"""Tests for the local Slack Web API server, driven by a real slack_sdk WebClient."""

from __future__ import annotations

import io
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import requests
from PIL import Image
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.servers.slack_api import SlackApiServer
from tests.servers.slack_files import manifest_scopes

TOKEN = "xoxb-test-token"
# Bytes that would be mangled by any text or form decoding on the way.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + b"--\r\n\r\n%41+&="


def image_png(size: tuple[int, int]) -> bytes:
    """A small PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


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


# --- scopes and private files ----------------------------------------------------------------------------

PNG_IMAGE = image_png((40, 30))


def test_auth_test_reports_granted_scopes(server: SlackApiServer, client: WebClient) -> None:
    """x-oauth-scopes lists the manifest's bot scopes plus files:read, unless a test sets its own."""
    scopes = client.auth_test().headers["x-oauth-scopes"].split(",")
    assert scopes == list(manifest_scopes())  # manifest.yml declares files:read itself now
    assert {"chat:write", "files:read"} <= set(scopes)

    server.set_scopes(["chat:write", "commands"])
    assert client.auth_test().headers["x-oauth-scopes"] == "chat:write,commands"
    assert server.scopes == ("chat:write", "commands")
    server.set_scopes(None)
    assert client.auth_test().headers["x-oauth-scopes"].split(",") == scopes


def test_hosted_file_object(server: SlackApiServer) -> None:
    """add_file answers a Slack file object whose private URLs point at this server."""
    file = server.add_file(PNG_IMAGE, "写真 1.png")

    assert file["id"].startswith("F")
    assert (file["name"], file["mimetype"], file["filetype"], file["size"]) == (
        "写真 1.png",
        "image/png",
        "png",
        len(PNG_IMAGE),
    )
    assert (file["original_w"], file["original_h"]) == (40, 30)
    origin = server.base_url.removesuffix("/api/")
    assert file["url_private"] == f"{origin}/files-pri/T0TEST-{file['id']}/%E5%86%99%E7%9C%9F%201.png"
    assert file["url_private_download"].startswith(f"{origin}/files-pri/T0TEST-{file['id']}/download/")
    jpeg = server.add_file(b"\xff\xd8\xff not really", "photo.JPEG")
    assert (jpeg["mimetype"], jpeg["filetype"]) == ("image/jpeg", "jpg")
    assert "original_w" not in jpeg


def test_private_download_needs_the_bot_token(server: SlackApiServer) -> None:
    """The bot token gets the bytes; no token or another token gets a 200 HTML sign-in page."""
    file = server.add_file(PNG_IMAGE, "a.png")

    ok = requests.get(file["url_private"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert (ok.status_code, ok.headers["content-type"], ok.content) == (200, "image/png", PNG_IMAGE)
    download = requests.get(
        file["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert download.content == PNG_IMAGE
    assert download.headers["content-disposition"] == 'attachment; filename="a.png"'
    for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}, {"Authorization": TOKEN}):
        page = requests.get(file["url_private"], headers=headers, timeout=5)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.content.startswith(b"<!DOCTYPE html>")

    requests_seen = server.file_requests()
    assert [r.authorization for r in requests_seen] == [
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN}",
        None,
        "Bearer xoxb-wrong",
        TOKEN,
    ]
    assert [r.content_type.split(";")[0] for r in requests_seen] == [
        "image/png",
        "image/png",
        *["text/html"] * 3,
    ]
    assert server.calls() == []  # file GETs are not Web API calls


def test_download_without_files_read_gets_the_sign_in_page(server: SlackApiServer) -> None:
    """Taken to behave like a missing token: Slack does not document this case."""
    file = server.add_file(PNG_IMAGE, "a.png")
    server.set_scopes(["chat:write"])

    page = requests.get(file["url_private"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    assert page.headers["content-type"].startswith("text/html")


def test_redirect_to_another_host_and_who_forwards_the_token(server: SlackApiServer) -> None:
    """A file URL may redirect elsewhere; the other host records whether the token came along."""
    with SlackApiServer(bot_token=TOKEN) as other:
        elsewhere = other.add_file(PNG_IMAGE, "b.png")["url_private"]
        file = server.add_file(PNG_IMAGE, "a.png", redirect_to=elsewhere)
        bearer = {"Authorization": f"Bearer {TOKEN}"}

        first = requests.get(file["url_private"], headers=bearer, timeout=5, allow_redirects=False)
        assert (first.status_code, first.headers["location"]) == (302, elsewhere)
        # requests drops Authorization when a redirect changes host or port: the sign-in page ...
        followed = requests.get(file["url_private"], headers=bearer, timeout=5)
        assert followed.headers["content-type"].startswith("text/html")
        # ... urllib keeps it, so the token reaches the other host: the leak a test wants to catch.
        with urllib.request.urlopen(
            urllib.request.Request(file["url_private"], headers=bearer), timeout=5
        ) as leaked:
            assert leaked.read() == PNG_IMAGE

        seen = other.file_requests()
    assert [r.authorization for r in seen] == [None, f"Bearer {TOKEN}"]
    assert [r.content_type.split(";")[0] for r in seen] == ["text/html", "image/png"]
    assert [r.status for r in server.file_requests()] == [302, 302, 302]
    redirect = server.add_redirect("https://elsewhere.example/x", status=301)
    gone = requests.get(redirect, timeout=5, allow_redirects=False)
    assert (gone.status_code, gone.headers["location"]) == (301, "https://elsewhere.example/x")


def test_files_info(server: SlackApiServer, client: WebClient) -> None:
    """files.info answers hosted files, file_not_found otherwise, missing_scope without files:read."""
    file = server.add_file(PNG_IMAGE, "a.png", title="夕焼け")

    info = client.files_info(file=file["id"])
    assert info["file"] == {**file, "title": "夕焼け"}
    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F_NOPE")
    assert missing.value.response["error"] == "file_not_found"

    server.set_scopes(["chat:write"])
    with pytest.raises(SlackApiError) as scope:
        client.files_info(file=file["id"])
    assert (scope.value.response["error"], scope.value.response["needed"]) == ("missing_scope", "files:read")
    assert scope.value.response["provided"] == "chat:write"


def test_reset_clears_files_and_scopes(server: SlackApiServer) -> None:
    """reset forgets hosted files, their request log and scripted scopes."""
    file = server.add_file(PNG_IMAGE, "a.png")
    requests.get(file["url_private"], timeout=5)
    server.set_scopes([])

    server.reset()

    assert server.file_requests() == []
    assert "files:read" in server.scopes
    gone = requests.get(file["url_private"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert gone.status_code == 404
