"""The preflight: checks of Slack, Bedrock and the other AWS services that an operator runs first
(``python -m bot check``) and the bot runs at start-up. Every check takes clients and plain values."""

from services.preflight.catalogue import Catalogue, Choice
from services.preflight.models import IMAGE_MODEL_PREFERENCE, accepts_forced_tool, parse_model
from services.preflight.report import Check, Status, exit_code, log_checks, summary
from services.preflight.suite import Preflight, PreflightClients, PreflightConfig, fatal

__all__ = [
    "IMAGE_MODEL_PREFERENCE",
    "Catalogue",
    "Check",
    "Choice",
    "Preflight",
    "PreflightClients",
    "PreflightConfig",
    "Status",
    "accepts_forced_tool",
    "exit_code",
    "fatal",
    "log_checks",
    "parse_model",
    "summary",
]
