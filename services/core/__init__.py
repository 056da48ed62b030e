"""The vocabulary every layer shares: jobs and where they came from, domain errors, text rules."""

from services.core.edits import OUTPAINT_ACTIONS, EditAction, EditSpec
from services.core.errors import BotError, InputRejected
from services.core.inputs import SourceFile
from services.core.job import ButtonRef, SlackContext, Trigger
from services.core.text import Language

__all__ = [
    "OUTPAINT_ACTIONS",
    "BotError",
    "ButtonRef",
    "EditAction",
    "EditSpec",
    "InputRejected",
    "Language",
    "SlackContext",
    "SourceFile",
    "Trigger",
]
