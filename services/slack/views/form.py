"""The form for /imagine with no text and for ⚙️ 調整: building it, and reading what was submitted.

The reader turns Slack's ``view.state.values`` into a validated ``FormInput`` or a ``FormErrors``
ready for ``ack(response_action="errors", ...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_sdk.models.blocks import Block, InputBlock, NumberInputElement, PlainTextInputElement
from slack_sdk.models.views import View

from services.core.job import (
    CFG_MAX,
    CFG_MIN,
    MAX_NEGATIVE_CHARS,
    MAX_PROMPT_CHARS,
    MAX_TEXT_CHARS,
    SEED_MAX,
    PhotoMode,
)
from services.core.text import Language
from services.intake import FormInput, prefilled_prompt
from services.slack import ids
from services.slack.limits import INPUT_LABEL, INPUT_VALUE, PLACEHOLDER, VIEW_TITLE, fit
from services.slack.messages import t
from services.slack.views.blocks import Choice, read_choice, select
from services.slack.views.photo_fields import BLOCK_PHOTO, BLOCK_PHOTO_MODE, photo_blocks, read_photo

# Block ids of the form; the action id of the element inside each block is the same string.
BLOCK_TEXT = "text"
BLOCK_PROMPT = "english_prompt"
BLOCK_NEGATIVE = "negative"
BLOCK_CFG = "cfg"
BLOCK_SEED = "seed"
BLOCK_SIZE = "size"
BLOCK_STYLE = "style"
BLOCK_MODEL = "model"

# Slack's limit on a view's private_metadata.
PRIVATE_METADATA_MAX_CHARS = 3000


@dataclass(frozen=True)
class FormDefaults:
    """What the form is prefilled with (empty for /imagine, a result's settings for ⚙️ 調整)."""

    text: str = ""
    english_prompt: str = ""
    negative: str = ""
    cfg_scale: float | None = None
    seed: int | None = None
    size: str | None = None
    style: str | None = None
    model: str | None = None


class FormErrors(Exception):
    """The form cannot be used; ``errors`` maps block ids to what the user should fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"invalid form fields: {', '.join(sorted(errors))}")
        self.errors = errors


def _fmt_number(value: float) -> str:
    # 15 significant digits: the seed bound stays whole and 6.5 is not 6.5000000001.
    return f"{value:.15g}"


def _text_input(
    block_id: str,
    label: str,
    hint: str,
    *,
    max_length: int,
    initial: str,
    placeholder: str | None = None,
    multiline: bool = False,
) -> InputBlock:
    """An optional plain-text field, prefilled with as much of ``initial`` as it may hold."""
    if max_length > INPUT_VALUE:
        raise ValueError(f"Slack's plain-text input holds at most {INPUT_VALUE} characters")
    return InputBlock(
        block_id=block_id,
        label=fit(label, INPUT_LABEL),
        hint=fit(hint, INPUT_LABEL),
        optional=True,
        element=PlainTextInputElement(
            action_id=block_id,
            multiline=multiline or None,
            max_length=max_length,
            placeholder=fit(placeholder, PLACEHOLDER) if placeholder else None,
            initial_value=initial[:max_length] or None,
        ),
    )


def build_imagine_form(
    defaults: FormDefaults,
    *,
    models: Sequence[Choice],
    styles: Sequence[Choice],
    sizes: Sequence[Choice],
    cfg_range: tuple[float, float] | None,
    private_metadata: str,
    lang: Language = "ja",
    title_key: str = "form.title.new",
    photo_modes: Sequence[PhotoMode] = (),
) -> dict[str, Any]:
    """The modal for /imagine with no text and for ⚙️ 調整; ``cfg_range`` None drops the cfg field,
    and ``photo_modes`` (how the model can use a photo) empty drops the photo fields."""
    if len(private_metadata) > PRIVATE_METADATA_MAX_CHARS:
        raise ValueError(f"private_metadata is {len(private_metadata)} characters, over Slack's 3000")
    prompt = prefilled_prompt(defaults.english_prompt)
    # Said when the field cannot show all of a (10,000-character SD3) prompt, which is kept if unchanged.
    prompt_hint = "form.hint.prompt_cut" if prompt != defaults.english_prompt else "form.hint.prompt"
    blocks: list[Block] = [
        _text_input(
            BLOCK_TEXT,
            t("form.label.text", lang),
            t("form.hint.text", lang),
            max_length=MAX_TEXT_CHARS,
            initial=defaults.text,
            placeholder=t("form.placeholder.text", lang),
            multiline=True,
        ),
        # The photo sits under the words: together they say what to make.
        *photo_blocks(photo_modes, lang=lang, adjusting=title_key == "form.title.adjust"),
        _text_input(
            BLOCK_PROMPT,
            t("form.label.prompt", lang),
            t(prompt_hint, lang, limit=MAX_PROMPT_CHARS),
            max_length=MAX_PROMPT_CHARS,
            initial=prompt,
            multiline=True,
        ),
        _text_input(
            BLOCK_NEGATIVE,
            t("form.label.negative", lang),
            t("form.hint.negative", lang),
            max_length=MAX_NEGATIVE_CHARS,
            initial=defaults.negative,
            placeholder=t("form.placeholder.negative", lang),
        ),
    ]
    if cfg_range is not None:
        low, high = cfg_range
        cfg = defaults.cfg_scale
        blocks.append(
            InputBlock(
                block_id=BLOCK_CFG,
                label=fit(t("form.label.cfg", lang), INPUT_LABEL),
                hint=fit(t("form.hint.cfg", lang, low=_fmt_number(low), high=_fmt_number(high)), INPUT_LABEL),
                optional=True,
                element=NumberInputElement(
                    action_id=BLOCK_CFG,
                    is_decimal_allowed=True,
                    min_value=_fmt_number(low),
                    max_value=_fmt_number(high),
                    initial_value=_fmt_number(cfg) if cfg is not None and low <= cfg <= high else None,
                ),
            )
        )
    seed = defaults.seed
    blocks.append(
        InputBlock(
            block_id=BLOCK_SEED,
            label=fit(t("form.label.seed", lang), INPUT_LABEL),
            hint=fit(t("form.hint.seed", lang), INPUT_LABEL),
            optional=True,
            element=NumberInputElement(
                action_id=BLOCK_SEED,
                is_decimal_allowed=False,
                min_value="0",
                max_value=str(SEED_MAX),
                initial_value=str(seed) if seed is not None and 0 <= seed <= SEED_MAX else None,
            ),
        )
    )
    if sizes:
        blocks.append(
            InputBlock(
                block_id=BLOCK_SIZE,
                label=fit(t("form.label.size", lang), INPUT_LABEL),
                optional=True,
                element=select(BLOCK_SIZE, sizes, defaults.size, lang=lang),
            )
        )
    if styles:
        blocks.append(
            InputBlock(
                block_id=BLOCK_STYLE,
                label=fit(t("form.label.style", lang), INPUT_LABEL),
                optional=True,
                element=select(
                    BLOCK_STYLE, styles, defaults.style, lang=lang, unset_label=t("form.choice.none", lang)
                ),
            )
        )
    if len(models) > 1:
        blocks.append(
            InputBlock(
                block_id=BLOCK_MODEL,
                label=fit(t("form.label.model", lang), INPUT_LABEL),
                optional=True,
                element=select(BLOCK_MODEL, models, defaults.model, lang=lang),
            )
        )
    view = View(
        type="modal",
        callback_id=ids.VIEW_IMAGINE,
        title=fit(t(title_key, lang), VIEW_TITLE),
        submit=fit(t("form.submit", lang), VIEW_TITLE),
        close=fit(t("form.close", lang), VIEW_TITLE),
        blocks=blocks,
        private_metadata=private_metadata or None,
    )
    return view.to_dict()


def _element(values: Mapping[str, Mapping[str, Any]], block_id: str) -> Mapping[str, Any]:
    element = (values.get(block_id) or {}).get(block_id)
    return element if isinstance(element, Mapping) else {}


def _typed(values: Mapping[str, Mapping[str, Any]], block_id: str) -> str:
    value = _element(values, block_id).get("value")
    return value.strip() if isinstance(value, str) else ""


def _selected(values: Mapping[str, Mapping[str, Any]], block_id: str) -> str | None:
    option = _element(values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return read_choice(value) if isinstance(value, str) else None


_FIELD_BLOCKS = {
    "text": BLOCK_TEXT,
    "english_prompt": BLOCK_PROMPT,
    "negative": BLOCK_NEGATIVE,
    "cfg_scale": BLOCK_CFG,
    "seed": BLOCK_SEED,
    "size": BLOCK_SIZE,
    "style": BLOCK_STYLE,
    "model": BLOCK_MODEL,
    "photo": BLOCK_PHOTO,
    "photo_mode": BLOCK_PHOTO_MODE,
}
_FIELD_RANGES = {"cfg_scale": (CFG_MIN, CFG_MAX), "seed": (0, SEED_MAX)}


def _field_error(error: Mapping[str, Any], lang: Language) -> tuple[str, str]:
    field = str(error["loc"][0]) if error.get("loc") else "text"
    block = _FIELD_BLOCKS.get(field, BLOCK_TEXT)
    kind = error.get("type")
    if kind == "string_too_long":
        return block, t("form.error.too_long", lang, limit=error["ctx"]["max_length"])
    if field in _FIELD_RANGES and kind in ("greater_than_equal", "less_than_equal"):
        low, high = _FIELD_RANGES[field]
        return block, t("form.error.range", lang, low=_fmt_number(low), high=_fmt_number(high))
    return block, t("form.error.invalid", lang)


def read_imagine_form(values: Mapping[str, Mapping[str, Any]], lang: Language = "ja") -> FormInput:
    """The submitted form from ``view["state"]["values"]``; FormErrors says what to fix, per block."""
    errors: dict[str, str] = {}
    cfg: float | None = None
    raw_cfg = _typed(values, BLOCK_CFG)
    if raw_cfg:
        try:
            cfg = float(raw_cfg)
        except ValueError:
            cfg = None
        if cfg is None or not math.isfinite(cfg):
            cfg = None
            errors[BLOCK_CFG] = t("form.error.number", lang)
    seed: int | None = None
    raw_seed = _typed(values, BLOCK_SEED)
    if raw_seed:
        try:
            seed = int(raw_seed)
        except ValueError:
            errors[BLOCK_SEED] = t("form.error.integer", lang)
    photo, photo_error = read_photo(_element(values, BLOCK_PHOTO), lang)
    if photo_error:
        errors[BLOCK_PHOTO] = photo_error
    text = _typed(values, BLOCK_TEXT)
    prompt = _typed(values, BLOCK_PROMPT)
    if not text and not prompt:
        errors[BLOCK_TEXT] = t("form.error.photo_needs_text" if photo else "form.error.required", lang)
    fields: dict[str, Any] = {
        "text": text,
        "english_prompt": prompt,
        "negative": _typed(values, BLOCK_NEGATIVE),
        "cfg_scale": cfg,
        "seed": seed,
        "size": _selected(values, BLOCK_SIZE),
        "style": _selected(values, BLOCK_STYLE),
        "model": _selected(values, BLOCK_MODEL),
        "photo": photo,
        "photo_mode": _selected(values, BLOCK_PHOTO_MODE),
    }
    try:
        form = FormInput(**fields)
    except ValidationError as exc:
        found = dict(_field_error(error, lang) for error in exc.errors())
        # The checks above are more specific than pydantic's, so they win on the same block.
        raise FormErrors({**found, **errors}) from exc
    if errors:
        raise FormErrors(errors)
    return form
