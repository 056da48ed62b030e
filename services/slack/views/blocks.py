"""What several views share: choices and the static select that offers them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import StaticSelectElement

from services.core.text import Language
from services.slack.limits import PLACEHOLDER, fit, option
from services.slack.messages import t

# Block Kit rejects empty strings in most fields, so 「指定なし」 / 既定のまま travel as this
# option value rather than ""; ``read_choice`` turns it back into None (handlers use it too).
NO_CHOICE = "-"


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value the app reads and the label the user sees."""

    value: str
    label: str


def read_choice(value: str | None) -> str | None:
    """A select's value as the app means it: ``None`` for 「指定なし」 / 既定のまま or nothing."""
    if value is None:
        return None
    value = value.strip()
    return None if not value or value == NO_CHOICE else value


def select(
    action_id: str,
    choices: Sequence[Choice],
    selected: str | None,
    *,
    lang: Language,
    unset_label: str | None = None,
) -> StaticSelectElement:
    """A static select; ``unset_label`` adds a first option for "none", initial when ``selected`` is None."""
    options = [option(choice.value, choice.label) for choice in choices]
    if unset_label is not None:
        options.insert(0, option(NO_CHOICE, unset_label))
    wanted = NO_CHOICE if selected is None else selected
    # Slack rejects a view whose initial_option is not one of its options.
    initial = next((option for option in options if option.value == wanted), None)
    return StaticSelectElement(
        action_id=action_id,
        placeholder=fit(t("form.placeholder.select", lang), PLACEHOLDER),
        options=options,
        initial_option=initial,
    )
