"""Identifiers that Slack sees. They must match ``manifest.yml``."""

from __future__ import annotations

SLASH_COMMAND = "/imagine"
EVENT_APP_MENTION = "app_mention"

ACTION_REGENERATE = "imagine_regenerate"
ACTION_CFG_DOWN = "imagine_cfg_down"
ACTION_CFG_UP = "imagine_cfg_up"

ACTION_REPORT_FALSE_POSITIVE = "imagine_report_false_positive"

RESULT_ACTIONS = (ACTION_REGENERATE, ACTION_CFG_DOWN, ACTION_CFG_UP)
