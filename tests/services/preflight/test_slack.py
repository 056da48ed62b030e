"""auth.test and the granted scopes, against the local Slack Web API server."""

from __future__ import annotations

from slack_sdk.web import WebClient

from services.preflight import Status
from services.preflight.slack import check_slack
from services.slack.ids import BOT_SCOPES
from tests.conftest import BOT_TOKEN
from tests.servers.slack_api import SlackApiServer


def web_client(slack_api: SlackApiServer, token: str = BOT_TOKEN) -> WebClient:
    return WebClient(token=token, base_url=slack_api.base_url)


def test_a_valid_token_with_every_scope(slack_api: SlackApiServer) -> None:
    checks = check_slack(web_client(slack_api), BOT_SCOPES)

    assert [c.line() for c in checks] == [
        "✅ SLACK_BOT_TOKEN: accepted by Slack (workspace Test Team, bot user imagebot)",
        "✅ Slack scopes: all 7 scopes of manifest.yml granted",
    ]
    [call] = slack_api.calls("auth.test")
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_missing_scopes_are_named(slack_api: SlackApiServer) -> None:
    slack_api.set_scopes([s for s in BOT_SCOPES if s not in ("files:read", "reactions:write")])

    [_, scopes] = check_slack(web_client(slack_api), BOT_SCOPES)

    assert scopes.status is Status.FAIL and not scopes.fatal
    assert scopes.message == "the token lacks files:read, reactions:write"
    assert "reinstall the app" in scopes.fix


def test_a_rejected_token_blocks_the_start_and_is_never_printed(slack_api: SlackApiServer) -> None:
    [check] = check_slack(web_client(slack_api, "xoxb-revoked-secret"), BOT_SCOPES)

    assert check.status is Status.FAIL and check.fatal
    assert check.message == "Slack rejected the token (invalid_auth)"
    assert "xoxb-revoked-secret" not in check.line()


def test_an_unreachable_api_names_slack_api_url() -> None:
    client = WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=2)

    [check] = check_slack(client, BOT_SCOPES)

    assert check.subject == "SLACK_API_URL"
    assert check.status is Status.FAIL and not check.fatal
    assert BOT_TOKEN not in check.line()
