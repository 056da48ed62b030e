"""Downloading a user's photo from Slack: the token goes to Slack's file hosts only, the bytes are checked."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.slack.files import SlackFiles
from tests.servers.slack_api import DEFAULT_BOT_TOKEN, SlackApiServer


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _files(slack_api: SlackApiServer, token: str = DEFAULT_BOT_TOKEN, **kwargs: int) -> SlackFiles:
    return SlackFiles(token, extra_origins=[slack_api.base_url], **kwargs)


def test_a_shared_png_downloads_with_the_bot_token(slack_api: SlackApiServer) -> None:
    data = _png()
    file = SourceFile.from_slack(slack_api.add_file(data, "photo.png", "image/png"))
    assert file is not None

    assert _files(slack_api).fetch(file) == data

    [request] = slack_api.file_requests()
    assert request.authorization == f"Bearer {DEFAULT_BOT_TOKEN}"


def test_a_wrong_token_gets_slacks_sign_in_page_and_a_clear_refusal(
    slack_api: SlackApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    file = SourceFile.from_slack(slack_api.add_file(_png(), "photo.png", "image/png"))
    assert file is not None

    with pytest.raises(InputRejected) as caught:
        _files(slack_api, token="xoxb-wrong").fetch(file)

    assert caught.value.kind == "image.unreadable"
    assert "files:read" in caplog.text
    assert "xoxb-wrong" not in caplog.text


def test_a_url_on_another_host_never_receives_the_token(slack_api: SlackApiServer) -> None:
    file = SourceFile(id="F0123456789", mimetype="image/png", size=10, url="https://attacker.example/f.png")

    with pytest.raises(InputRejected) as caught:
        SlackFiles(DEFAULT_BOT_TOKEN).fetch(file)

    assert caught.value.kind == "image.unreadable"


def test_plain_http_to_slacks_file_host_is_refused() -> None:
    assert not SlackFiles(DEFAULT_BOT_TOKEN).allowed("http://files.slack.com/files-pri/T1-F1/a.png")
    assert SlackFiles(DEFAULT_BOT_TOKEN).allowed("https://files.slack.com/files-pri/T1-F1/a.png")
    assert not SlackFiles(DEFAULT_BOT_TOKEN).allowed("file:///etc/passwd")


def test_a_redirect_to_another_host_is_not_followed_with_the_token(slack_api: SlackApiServer) -> None:
    shared = slack_api.add_file(
        _png(), "photo.png", "image/png", redirect_to="https://attacker.example/steal"
    )
    file = SourceFile.from_slack(shared)
    assert file is not None

    with pytest.raises(InputRejected):
        _files(slack_api).fetch(file)

    # One request, to Slack; nothing went to the other host (it is not even resolvable here).
    assert len(slack_api.file_requests()) == 1


def test_a_redirect_within_slack_is_followed(slack_api: SlackApiServer) -> None:
    data = _png()
    target = slack_api.add_file(data, "photo.png", "image/png")
    hop = slack_api.add_redirect(target["url_private"])
    file = SourceFile(id="F0123456789", mimetype="image/png", size=len(data), url=hop)

    assert _files(slack_api).fetch(file) == data
    assert [r.authorization for r in slack_api.file_requests()] == [f"Bearer {DEFAULT_BOT_TOKEN}"] * 2


def test_a_declared_non_image_is_refused_before_any_download(slack_api: SlackApiServer) -> None:
    file = SourceFile.from_slack(slack_api.add_file(b"%PDF-1.7 ...", "report.pdf", "application/pdf"))
    assert file is not None

    with pytest.raises(InputRejected) as caught:
        _files(slack_api).fetch(file)

    assert caught.value.kind == "image.not_image"
    assert slack_api.file_requests() == []


def test_a_file_declared_too_large_is_refused_before_any_download(slack_api: SlackApiServer) -> None:
    file = SourceFile.from_slack(slack_api.add_file(_png(), "photo.png", "image/png"))
    assert file is not None

    with pytest.raises(InputRejected) as caught:
        _files(slack_api, max_bytes=100).fetch(file)

    assert caught.value.kind == "image.too_large"
    assert slack_api.file_requests() == []


def test_a_file_larger_than_declared_is_cut_off_while_streaming(slack_api: SlackApiServer) -> None:
    data = _png((400, 400))
    shared = slack_api.add_file(data, "photo.png", "image/png")
    file = SourceFile.from_slack({**shared, "size": 10})  # Slack's size said small
    assert file is not None

    with pytest.raises(InputRejected) as caught:
        _files(slack_api, max_bytes=len(data) // 2).fetch(file)

    assert caught.value.kind == "image.too_large"


def test_bytes_that_are_not_an_image_are_refused_whatever_the_declared_type(
    slack_api: SlackApiServer,
) -> None:
    file = SourceFile.from_slack(slack_api.add_file(b"<html>not an image</html>" * 10, "x.png", "image/png"))
    assert file is not None

    with pytest.raises(InputRejected) as caught:
        _files(slack_api).fetch(file)

    assert caught.value.kind == "image.not_image"
