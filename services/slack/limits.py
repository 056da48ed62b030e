"""Block Kit's length limits, and the one place every builder fits text to them.

Slack refuses a whole message or view when one field is too long, and slack_sdk refuses it even
earlier, in ``to_dict()``: for a result, that is after the image was uploaded, so the buttons
never come. Every text that varies (a prompt, a verdict, a user's words) therefore reaches a
block through the constructors below. The numbers are slack_sdk's own validators
(``slack_sdk/models/blocks/``, ``slack_sdk/models/views/``) where it checks them, and Slack's
Block Kit reference where it does not (context elements, section fields, plain-text inputs).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import BlockElement

SECTION_TEXT = 3000  # SectionBlock.text_max_length
SECTION_FIELD = 2000  # each of a section's fields (Slack's reference; slack_sdk counts only how many)
CONTEXT_TEXT = 2000  # a context block's text element (Slack's reference; slack_sdk does not check)
HEADER_TEXT = 150  # HeaderBlock.text_max_length
BUTTON_TEXT = 75  # ButtonElement.text_max_length
OPTION_TEXT = 75  # Option.label_max_length, which slack_sdk applies to an option's text too
IMAGE_ALT_TEXT = 2000  # ImageBlock.alt_text_max_length
VIEW_TITLE = 24  # View.title_max_length, and the same for submit and close
INPUT_LABEL = 2000  # InputBlock.label_max_length and hint_max_length
PLACEHOLDER = 150  # InputInteractiveElement.placeholder_max_length
# A plain-text input's max_length and initial_value (Slack's reference; slack_sdk does not check).
INPUT_VALUE = 3000
CONFIRM_TITLE = 100  # ConfirmObject.title_max_length
CONFIRM_TEXT = 300  # ConfirmObject.text_max_length
CONFIRM_BUTTON = 30  # ConfirmObject.confirm_max_length and deny_max_length
# A message's top-level ``text``: Slack truncates past 40,000 characters and advises at most 4,000;
# with blocks it is only the notification, so it is kept to that.
MESSAGE_TEXT = 4000

ELLIPSIS = "…"


def _units(char: str) -> int:
    # Slack's clients count UTF-16 code units (an emoji outside the BMP is two) and slack_sdk counts
    # code points: fitting to the larger count satisfies both.
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str) -> int:
    """``text``'s length as these limits count it."""
    return sum(_units(char) for char in text)


def fit(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut and ended with an ellipsis.

    A cut never ends inside a mrkdwn escape (``&amp;``) or an angle-bracket token (``<@U123>``,
    ``<url|label>``), which Slack would show as debris.
    """
    if length(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    end = used = 0
    for char in text:
        used += _units(char)
        if used > room:
            break
        end += 1
    cut = text[:end]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    bracket = cut.rfind("<")
    if bracket != -1 and ">" not in cut[bracket:]:
        cut = cut[:bracket]
    return cut.rstrip() + ELLIPSIS


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    """A mrkdwn text object fitted to ``limit``."""
    return MarkdownTextObject(text=fit(text, limit))


def section(text: str, *, block_id: str | None = None, accessory: BlockElement | None = None) -> SectionBlock:
    """A mrkdwn section, its text fitted to Slack's 3,000 characters."""
    return SectionBlock(block_id=block_id, text=mrkdwn(text, SECTION_TEXT), accessory=accessory)


def context(*texts: str) -> ContextBlock:
    """A context block of mrkdwn texts, each fitted."""
    return ContextBlock(elements=[mrkdwn(text, CONTEXT_TEXT) for text in texts])


def header(text: str) -> HeaderBlock:
    """A header, fitted to Slack's 150 characters."""
    return HeaderBlock(text=fit(text, HEADER_TEXT))


def button(
    text: str, *, action_id: str, value: str, style: str | None = None, confirm: ConfirmObject | None = None
) -> ButtonElement:
    """A button whose label is fitted to Slack's 75 characters."""
    return ButtonElement(
        text=fit(text, BUTTON_TEXT), action_id=action_id, value=value, style=style, confirm=confirm
    )


def confirm(title: str, text: str, yes: str, no: str, *, style: str | None = None) -> ConfirmObject:
    """A confirmation dialog, every part fitted."""
    return ConfirmObject(
        title=fit(title, CONFIRM_TITLE),
        text=fit(text, CONFIRM_TEXT),
        confirm=fit(yes, CONFIRM_BUTTON),
        deny=fit(no, CONFIRM_BUTTON),
        style=style,
    )


def option(value: str, text: str) -> Option:
    """A select option whose label is fitted to Slack's 75 characters."""
    return Option(value=value, text=fit(text, OPTION_TEXT))
