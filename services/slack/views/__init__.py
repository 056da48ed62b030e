"""Pure Block Kit builders for views, one module per view: the form, help, App Home, the picker.

Data in, dicts out, no I/O.
"""

from services.slack.views.blocks import NO_CHOICE, Choice, read_choice
from services.slack.views.candidates import CandidateCell, build_candidate_blocks
from services.slack.views.descriptions import build_description_blocks
from services.slack.views.edit import build_edit_form, read_edit_form
from services.slack.views.form import (
    BLOCK_CFG,
    BLOCK_MODEL,
    BLOCK_NEGATIVE,
    BLOCK_PROMPT,
    BLOCK_SEED,
    BLOCK_SIZE,
    BLOCK_STYLE,
    BLOCK_TEXT,
    PRIVATE_METADATA_MAX_CHARS,
    FormDefaults,
    FormErrors,
    build_imagine_form,
    read_imagine_form,
)
from services.slack.views.help import build_help_blocks, build_help_text
from services.slack.views.home import MAX_RECENT_JOBS, TOP_USERS, build_home_view
from services.slack.views.photo_fields import BLOCK_PHOTO, BLOCK_PHOTO_MODE

__all__ = [
    "BLOCK_CFG",
    "BLOCK_MODEL",
    "BLOCK_NEGATIVE",
    "BLOCK_PHOTO",
    "BLOCK_PHOTO_MODE",
    "BLOCK_PROMPT",
    "BLOCK_SEED",
    "BLOCK_SIZE",
    "BLOCK_STYLE",
    "BLOCK_TEXT",
    "MAX_RECENT_JOBS",
    "NO_CHOICE",
    "PRIVATE_METADATA_MAX_CHARS",
    "TOP_USERS",
    "CandidateCell",
    "Choice",
    "FormDefaults",
    "FormErrors",
    "build_candidate_blocks",
    "build_description_blocks",
    "build_edit_form",
    "build_help_blocks",
    "build_help_text",
    "build_home_view",
    "build_imagine_form",
    "read_choice",
    "read_edit_form",
    "read_imagine_form",
]
