"""The vocabulary every layer shares: jobs and where they came from, domain errors, text rules."""

from services.core.edits import OUTPAINT_ACTIONS, EditAction, EditSpec
from services.core.errors import BotError, InputRejected
from services.core.inputs import SourceFile
from services.core.job import PHOTO_MODES, ButtonRef, PhotoMode, PhotoSimilarity, SlackContext, Trigger
from services.core.text import Language

__all__ = [
    "OUTPAINT_ACTIONS",
    "PHOTO_MODES",
    "BotError",
    "ButtonRef",
    "EditAction",
    "EditSpec",
    "InputRejected",
    "Language",
    "PhotoMode",
    "PhotoSimilarity",
    "SlackContext",
    "SourceFile",
    "Trigger",
]
