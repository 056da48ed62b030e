"""manifest.yml, Dockerfile and packaging agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from services.slack import ids

ROOT = Path(__file__).resolve().parent.parent


def test_manifest_declares_what_the_handlers_listen_to() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == [ids.SLASH_COMMAND]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        ids.EVENT_APP_MENTION,
        ids.EVENT_REACTION_ADDED,
        ids.EVENT_APP_HOME_OPENED,
    ]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    shortcuts = [(s["type"], s["callback_id"]) for s in manifest["features"]["shortcuts"]]
    assert shortcuts == [("message", ids.SHORTCUT_FROM_MESSAGE), ("message", ids.SHORTCUT_DESCRIBE)]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_manifest_asks_only_for_the_scopes_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        [
            "commands",
            "app_mentions:read",
            "chat:write",
            "files:read",
            "files:write",
            "reactions:read",
            "reactions:write",
        ]
    )


def test_the_scopes_the_preflight_requires_are_the_manifests() -> None:
    # The preflight runs from the wheel, where manifest.yml is absent: its copy must not drift.
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert list(ids.BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_dockerfile_is_slim_non_root_and_exec_form() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.MULTILINE)
    user = re.search(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user and user.group(1) not in {"root", "0"}
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert cmd and cmd.group(1).startswith("[")  # exec form, so SIGTERM reaches Python
    for copied in re.findall(r"^COPY (\S+)", dockerfile, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_banned_terms_ship_as_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"services.moderation" = ["data/*.txt"]' in pyproject
    assert (ROOT / "services" / "moderation" / "data" / "banned_terms.txt").is_file()
