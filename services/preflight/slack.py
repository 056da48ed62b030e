"""Slack: the bot token works (auth.test), and it was granted every scope the manifest declares.

Slack reports the scopes granted to a token in the ``x-oauth-scopes`` header of every Web API response,
so one auth.test answers both. A token Slack rejects fails every request; a missing scope fails the
features that need it (uploads without files:write, photos without files:read …).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError

from services.preflight.report import Check, fail, ok, warn

_REJECTED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
_SCOPES_FIX = (
    "at api.slack.com/apps → the app → OAuth & Permissions → Bot Token Scopes, add them (or paste "
    "manifest.yml again), reinstall the app to the workspace, and update SLACK_BOT_TOKEN if it changed."
)


def _header(headers: Any, name: str) -> str | None:
    """A response header, whatever the case of its name."""
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name:
            return str(value)
    return None


def check_slack(client: Any, required_scopes: Sequence[str]) -> list[Check]:
    """auth.test with the bot token, then the granted scopes against ``required_scopes``.

    ``client`` is a slack_sdk WebClient. Nothing printed carries the token: only Slack's error code,
    the team and bot names, and scope names.
    """
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if error in _REJECTED:
            return [
                fail(
                    "SLACK_BOT_TOKEN",
                    f"Slack rejected the token ({error})",
                    "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions again; reinstall the "
                    "app if it was removed.",
                    fatal=True,
                )
            ]
        return [fail("SLACK_BOT_TOKEN", f"auth.test failed ({error or 'no error code'})", "try again later.")]
    except OSError as exc:  # URLError, timeouts, refused connections: no answer at all
        return [
            fail(
                "SLACK_API_URL",
                f"the Slack API could not be reached ({type(exc).__name__})",
                "check the network, the proxy and SLACK_API_URL.",
            )
        ]
    team, user = answer.get("team", "?"), answer.get("user", "?")
    checks = [ok("SLACK_BOT_TOKEN", f"accepted by Slack (workspace {team}, bot user {user})")]
    granted_header = _header(answer.headers, "x-oauth-scopes")
    if granted_header is None:
        checks.append(warn("Slack scopes", "not checked: Slack sent no x-oauth-scopes header"))
        return checks
    granted = {scope.strip() for scope in granted_header.split(",") if scope.strip()}
    missing = [scope for scope in required_scopes if scope not in granted]
    if missing:
        checks.append(fail("Slack scopes", f"the token lacks {', '.join(missing)}", _SCOPES_FIX))
    else:
        checks.append(ok("Slack scopes", f"all {len(required_scopes)} scopes of manifest.yml granted"))
    return checks
