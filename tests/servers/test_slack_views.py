"""The local Slack server refuses views as Slack documents, file_input fields included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.servers.slack_api import SlackApiServer

TOKEN = "xoxb-test-token"


@pytest.fixture
def server() -> Iterator[SlackApiServer]:
    with SlackApiServer(bot_token=TOKEN) as srv:
        yield srv


@pytest.fixture
def client(server: SlackApiServer) -> WebClient:
    return WebClient(token=TOKEN, base_url=server.base_url, timeout=5)


def _text(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _file_block(**element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "photo",
        "label": _text("写真"),
        "optional": True,
        "element": {"type": "file_input", "action_id": "photo", **element},
    }


def _modal(*blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _text("画像を作成"),
        "submit": _text("作成する"),
        "blocks": list(blocks),
        **fields,
    }


def _refusal(client: WebClient, view: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="1.2.3", view=view)
    return dict(refused.value.response.data)


def test_a_file_input_with_documented_fields_is_accepted(client: WebClient) -> None:
    view = _modal(_file_block(filetypes=["png", "jpg", "jpeg", "webp", "gif"], max_files=1))

    opened = client.views_open(trigger_id="1.2.3", view=view)

    assert opened["view"]["blocks"][0]["element"]["max_files"] == 1


@pytest.mark.parametrize("max_files", [0, 11, "1", True])
def test_max_files_outside_one_to_ten_is_refused(client: WebClient, max_files: object) -> None:
    answer = _refusal(client, _modal(_file_block(max_files=max_files)))

    assert answer["error"] == "invalid_arguments"
    [message] = answer["response_metadata"]["messages"]
    assert message.startswith("[ERROR] max_files must be from 1 to 10")
    assert message.endswith("[json-pointer:/view/blocks/0/element/max_files]")


@pytest.mark.parametrize("filetypes", ["png", [""], [1]])
def test_filetypes_must_be_an_array_of_extensions(client: WebClient, filetypes: object) -> None:
    answer = _refusal(client, _modal(_file_block(filetypes=filetypes)))

    assert answer["error"] == "invalid_arguments"
    assert "filetypes" in answer["response_metadata"]["messages"][0]


def test_a_file_input_outside_an_input_block_is_refused(client: WebClient) -> None:
    actions = {"type": "actions", "elements": [{"type": "file_input", "action_id": "photo"}]}

    answer = _refusal(client, _modal(actions))

    assert answer["error"] == "invalid_arguments"
    assert "only allowed as an input block's element" in answer["response_metadata"]["messages"][0]


def test_a_file_input_needs_files_read(server: SlackApiServer, client: WebClient) -> None:
    server.set_scopes(["commands", "chat:write"])

    answer = _refusal(client, _modal(_file_block(max_files=1)))

    assert (answer["error"], answer["needed"]) == ("missing_scope", "files:read")


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (_modal(title=_text("あ" * 25)), "/view/title"),
        ({"type": "modal", "title": _text("t"), "blocks": [_file_block()]}, "/view/submit"),
        (_modal(*[{"type": "divider"}] * 101), "/view/blocks"),
        (_modal(private_metadata="x" * 3001), "/view/private_metadata"),
        (_modal(_file_block(), _file_block()), "/view/blocks/1/block_id"),
        (_modal({"type": "input", "label": _text("l")}), "/view/blocks/0/element"),
    ],
    ids=[
        "title-over-24",
        "input-without-submit",
        "over-100-blocks",
        "metadata-over-3000",
        "duplicate-block-id",
        "input-without-element",
    ],
)
def test_modal_limits(client: WebClient, view: dict[str, Any], pointer: str) -> None:
    answer = _refusal(client, view)

    assert answer["error"] == "invalid_arguments"
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in answer["response_metadata"]["messages"])
