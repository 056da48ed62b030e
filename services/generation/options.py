"""Options typed after the request (``/imagine 夜の海にオーロラ --seed 42 --ar 16:9``), checked.

Pure: no clients, no settings. Every option is validated against the capabilities of the
model the request will run on, so that model is resolved before anything else.

Slack clients rewrite what people type: macOS and iOS turn ``--`` into an em or en dash, and
Japanese input methods produce full-width ``－－`` or ``ーー``, full-width digits and ``：``.
Option names and values are NFKC-normalised for that reason; the free text is not, since
it is the user's words and goes to translation as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from services.core.errors import InputRejected
from services.core.job import MAX_NEGATIVE_CHARS, GenerationOptions
from services.core.text import escape
from services.generation import presets
from services.generation.image_models.base import ImageModel
from services.generation.sizes import carried_size, generation_size, ratio_size, ratio_value

# The bounds of GenerationOptions.negative and .candidates.
MAX_CANDIDATES = 8

# Ratios offered as examples for free-size models, which take any ratio within their limits.
_COMMON_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
# Odd listed sizes (Titan's 1173x640) are shown as the nearest ratio a person would type.
_RATIO_DISPLAY_DENOMINATOR = 21
_ECHO_CHARS = 40

_OPTIONS = ("seed", "cfg", "ar", "size", "style", "no", "model", "n", "preset")
_SIZE_OPTIONS = ("size", "ar", "preset")
_HELP_WORDS = frozenset({"help", "ヘルプ", "使い方", "-h", "--help"})

# A dash run that starts an option: ``--`` (or full-width ``－－``, the same after NFKC), or
# what autocorrect and input methods make of it. Only at the start or after whitespace, so
# ``A--B`` in a sentence stays text.
_MARKER = re.compile(r"(?:^|(?<=\s))(?P<dash>--|－－|[—–―]{1,2}|[ーｰ−‐‑]{2})(?P<name>[A-Za-zＡ-Ｚａ-ｚ]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_SIZE = re.compile(r"([0-9]+)\s*[x×*]\s*([0-9]+)", re.ASCII)


@dataclass(frozen=True)
class ParsedRequest:
    """A request split into its free text and the options typed after it."""

    text: str
    options: GenerationOptions
    help: bool = False


@dataclass(frozen=True)
class _Option:
    name: str
    value: str


def option_names() -> list[str]:
    """The options users can type, as written (``--seed``), for help text."""
    return [f"--{name}" for name in _OPTIONS]


def parse_request(
    raw: str,
    models: Mapping[str, ImageModel],
    default_model: str,
    *,
    max_candidates: int,
    base: GenerationOptions | None = None,
) -> ParsedRequest:
    """Split ``raw`` into text and options checked against the chosen model; InputRejected if wrong.

    ``base`` holds defaults (saved preferences, a parent job's settings) that typed options
    override; the ones the chosen model cannot use are adapted to it. The returned options
    always name the model alias they were checked against. An empty text is not refused here.
    """
    if default_model not in models:
        raise ValueError(f"default model {default_model!r} is not one of {', '.join(models)}")
    base = base or GenerationOptions()
    text, typed = ("", [_Option("help", "")]) if _norm(raw) in _HELP_WORDS else _scan(raw)
    _check_repeats(typed)
    alias = _chosen_model(typed, models, base, default_model)
    model = models[alias]
    carried = _carry_over(base, alias, model, max_candidates)
    if any(option.name == "help" for option in typed):
        return ParsedRequest(text="", options=carried, help=True)

    fields = carried.model_dump()
    negatives: list[str] = []
    for option in typed:
        if option.name == "no":
            negatives.append(option.value)
        elif option.name != "model":
            fields.update(_apply(option, alias, model, max_candidates))
    if negatives:
        negative = ", ".join(negatives)
        if len(negative) > MAX_NEGATIVE_CHARS:
            raise InputRejected("option.too_long", option="--no", limit=MAX_NEGATIVE_CHARS)
        fields["negative"] = negative
    return ParsedRequest(text=text, options=GenerationOptions.model_validate(fields))


def resolve_size(value: str, model: ImageModel) -> tuple[int, int]:
    """``"1024x1024"``, ``"1024×1024"`` or ``"16:9"`` as a size ``model`` makes; InputRejected if none."""
    normalised = _norm(value)
    if _SIZE.fullmatch(normalised):
        return _size(value, model)
    return _ratio_size(value, model)


def allowed_sizes(model: ImageModel) -> str:
    """What ``--size`` accepts for ``model``, short and language-neutral ("" when it takes none)."""
    caps = model.capabilities
    if caps.sizes:
        return ", ".join(f"{width}x{height}" for width, height in caps.sizes)
    if caps.aspect_ratios:
        return ""
    examples = [f"{width}x{height}" for width, height in _free_examples(model).values()]
    return ", ".join([*examples, "…"])


def allowed_ratios(model: ImageModel) -> str:
    """What ``--ar`` accepts for ``model``, short and language-neutral."""
    caps = model.capabilities
    if caps.aspect_ratios:
        return ", ".join(caps.aspect_ratios)
    if caps.sizes:
        shown: dict[str, None] = {}
        for width, height in caps.sizes:
            ratio = Fraction(width, height).limit_denominator(_RATIO_DISPLAY_DENOMINATOR)
            shown[f"{ratio.numerator}:{ratio.denominator}"] = None
        return ", ".join(shown)
    return ", ".join(_free_examples(model))


def describe_sizes(model: ImageModel) -> str:
    """One line for help text: what ``--size`` and ``--ar`` accept for ``model``."""
    sizes = allowed_sizes(model)
    ratios = f"--ar {allowed_ratios(model)}"
    return f"--size {sizes} / {ratios}" if sizes else ratios


# --- scanning -----------------------------------------------------------------------------------


def _norm(value: str) -> str:
    """An option token as compared: NFKC (full-width digits, ``：``, ``ｘ``), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _echo(value: str) -> str:
    """A user's value as quoted back in a message: one short line that cannot break mrkdwn."""
    flat = " ".join(value.split()).replace("`", "'")
    if len(flat) > _ECHO_CHARS:
        flat = flat[: _ECHO_CHARS - 1] + "…"
    return escape(flat)


def _is_option(match: re.Match[str], raw: str) -> bool:
    """Whether a dash run and letters are an option rather than part of the text.

    ``--name`` always is (an unknown name is reported, not drawn). An autocorrected dash is
    also ordinary punctuation, so there only a known name followed by a space or ``=`` counts.
    """
    if match["dash"] in ("--", "－－"):
        return True
    after = raw[match.end() : match.end() + 1]
    known = _norm(match["name"]) in (*_OPTIONS, "help")
    return known and (not after or after.isspace() or after in "=＝")


def _scan(raw: str) -> tuple[str, list[_Option]]:
    """The free text (whitespace-normalised) and the options in the order typed."""
    markers = [match for match in _MARKER.finditer(raw) if _is_option(match, raw)]
    if not markers:
        return " ".join(raw.split()), []
    text_parts = [raw[: markers[0].start()]]
    typed: list[_Option] = []
    for index, marker in enumerate(markers):
        name = _norm(marker["name"])
        end = markers[index + 1].start() if index + 1 < len(markers) else len(raw)
        region = raw[marker.end() : end]
        if name == "help":
            typed.append(_Option(name, ""))
            text_parts.append(region)
            continue
        if name not in _OPTIONS:
            raise InputRejected("option.unknown", option=_echo(f"--{name}"), known=", ".join(option_names()))
        body = region[1:] if region[:1] in ("=", "＝") else region
        if name == "no":
            # The negative runs to the next option: "--no 人物 車 --seed 1" excludes both.
            value, rest = " ".join(body.split()), ""
        else:
            head = body.split(maxsplit=1)
            value = head[0] if head else ""
            rest = head[1] if len(head) > 1 else ""
        if not value:
            raise InputRejected("option.missing_value", option=f"--{name}")
        typed.append(_Option(name, value))
        text_parts.append(rest)
    return " ".join(" ".join(text_parts).split()), typed


def _check_repeats(typed: list[_Option]) -> None:
    """Refuse an option given twice (except ``--no``) and two ways of choosing the size."""
    seen: list[str] = []
    for option in typed:
        if option.name in seen and option.name not in ("no", "help"):
            raise InputRejected("option.duplicate", option=f"--{option.name}")
        if option.name in _SIZE_OPTIONS:
            earlier = next((name for name in seen if name in _SIZE_OPTIONS and name != option.name), None)
            if earlier is not None:
                raise InputRejected("option.conflict", first=f"--{earlier}", second=f"--{option.name}")
        seen.append(option.name)


# --- the model and what carries over to it ---------------------------------------------------------


def _chosen_model(
    typed: list[_Option], models: Mapping[str, ImageModel], base: GenerationOptions, default_model: str
) -> str:
    """The alias the request runs on: ``--model``, else the base's (if still enabled), else the default."""
    value = next((option.value for option in typed if option.name == "model"), None)
    if value is None:
        return base.model if base.model is not None and base.model in models else default_model
    wanted = _norm(value)
    for alias, model in models.items():
        if wanted in (alias.casefold(), model.model_id.casefold()):
            return alias
    raise InputRejected("option.unknown_model", value=_echo(value), allowed=", ".join(models))


def _carry_over(
    base: GenerationOptions, alias: str, model: ImageModel, max_candidates: int
) -> GenerationOptions:
    """``base`` made valid for ``model``: saved or inherited settings may come from another model.

    They were not typed now, so adapting them quietly (nearest size, clamped cfg) beats refusing.
    """
    caps = model.capabilities
    update: dict[str, Any] = {"model": alias}
    if base.cfg_scale is not None:
        update["cfg_scale"] = caps.clamp_cfg(base.cfg_scale) if caps.has_cfg else None
    if base.seed is not None:
        update["seed"] = min(base.seed, caps.seed_max)
    if base.candidates is not None:
        update["candidates"] = min(base.candidates, max_candidates, MAX_CANDIDATES)
    if base.style is not None and base.style not in presets.STYLES:
        update["style"] = None
    preset = presets.PRESETS.get(base.preset or "")
    if preset is not None:
        update["width"], update["height"] = _preset_size(preset, model)
    elif base.preset is not None:
        update["preset"] = None
    elif base.width is not None and base.height is not None:
        update["width"], update["height"] = carried_size(base.width, base.height, model)
    return base.model_copy(update=update)


# --- one option at a time ------------------------------------------------------------------------


def _apply(option: _Option, alias: str, model: ImageModel, max_candidates: int) -> dict[str, Any]:
    """The GenerationOptions fields one typed option sets, checked against ``model``."""
    caps = model.capabilities
    value = option.value
    if option.name == "seed":
        return {"seed": _integer(option, 0, caps.seed_max)}
    if option.name == "cfg":
        if not caps.has_cfg or caps.cfg_min is None or caps.cfg_max is None:
            raise InputRejected("option.no_cfg", model=alias)
        return {"cfg_scale": _number(option, caps.cfg_min, caps.cfg_max)}
    if option.name == "n":
        return {"candidates": _integer(option, 1, min(max_candidates, MAX_CANDIDATES))}
    if option.name in _SIZE_OPTIONS:
        return _size_fields(option, model)
    if option.name == "style":
        if _norm(value) not in presets.STYLES:
            raise InputRejected("option.unknown_style", value=_echo(value), allowed=", ".join(presets.STYLES))
        return {"style": _norm(value)}
    raise AssertionError(f"unhandled option {option.name}")


def _size_fields(option: _Option, model: ImageModel) -> dict[str, Any]:
    """Width, height and preset from ``--ar``, ``--size`` or ``--preset``."""
    if option.name in ("ar", "size"):
        size = _ratio_size if option.name == "ar" else _size
        width, height = size(option.value, model)
        return {"width": width, "height": height, "preset": None}
    preset = presets.PRESETS.get(_norm(option.value))
    if preset is None:
        allowed = ", ".join(presets.PRESETS)
        raise InputRejected("option.unknown_preset", value=_echo(option.value), allowed=allowed)
    width, height = _preset_size(preset, model)
    return {"width": width, "height": height, "preset": preset.name}


def _integer(option: _Option, low: int, high: int) -> int:
    normalised = _norm(option.value)
    if not _INTEGER.fullmatch(normalised):
        raise InputRejected("option.bad_number", option=f"--{option.name}", value=_echo(option.value))
    number = int(normalised)
    if not low <= number <= high:
        raise InputRejected(
            "option.out_of_range",
            option=f"--{option.name}",
            value=_echo(option.value),
            low=str(low),
            high=str(high),
        )
    return number


def _number(option: _Option, low: float, high: float) -> float:
    normalised = _norm(option.value)
    if not _NUMBER.fullmatch(normalised):
        raise InputRejected("option.bad_number", option=f"--{option.name}", value=_echo(option.value))
    number = float(normalised)
    if not low <= number <= high:
        raise InputRejected(
            "option.out_of_range",
            option=f"--{option.name}",
            value=_echo(option.value),
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return number


def _size(value: str, model: ImageModel) -> tuple[int, int]:
    """``--size WxH``: listed sizes must be listed; ratio models are sized with --ar instead."""
    caps = model.capabilities
    if caps.aspect_ratios:
        raise InputRejected("option.size_by_ratio", value=_echo(value), allowed=allowed_ratios(model))
    match = _SIZE.fullmatch(_norm(value))
    if match is None:
        raise InputRejected("option.bad_size", value=_echo(value), allowed=allowed_sizes(model))
    width, height = int(match[1]), int(match[2])
    try:
        model.validate_size(width, height)
    except ValueError as exc:
        raise InputRejected("option.bad_size", value=_echo(value), allowed=allowed_sizes(model)) from exc
    return width, height


def _ratio_size(value: str, model: ImageModel) -> tuple[int, int]:
    """``--ar W:H`` as a size ``model`` makes in that ratio."""
    ratio = ratio_value(_norm(value))
    size = None if ratio is None else ratio_size(ratio, model)
    if size is None:
        raise InputRejected("option.bad_ratio", value=_echo(value), allowed=allowed_ratios(model))
    return size


def _free_examples(model: ImageModel) -> dict[str, tuple[int, int]]:
    """Common ratios a free-size model accepts, with the size --ar gives each."""
    examples: dict[str, tuple[int, int]] = {}
    for text in _COMMON_RATIOS:
        ratio = ratio_value(text)
        size = None if ratio is None else ratio_size(ratio, model)
        if size is not None:
            examples[text] = size
    return examples


def _preset_size(preset: presets.Preset, model: ImageModel) -> tuple[int, int]:
    try:
        return generation_size(model.capabilities, preset.width, preset.height, model.validate_size)
    except ValueError as exc:
        raise InputRejected(
            "option.bad_size", value=f"{preset.width}x{preset.height}", allowed=allowed_sizes(model)
        ) from exc
