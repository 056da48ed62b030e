"""The choices the view tests offer, and a reader of a select's option values."""

from __future__ import annotations

from typing import Any

from services.core.text import Language
from services.slack.views import Choice

MODELS = [Choice("nova", "Nova Canvas"), Choice("titan", "Titan Image Generator v2")]
STYLES = [Choice("photo", "写真"), Choice("watercolor", "水彩画")]
SIZES = [Choice("1024x1024", "1024×1024（正方形）"), Choice("16:9", "16:9（横長）")]
LANGS: list[Language] = ["ja", "en"]


def option_values(element: dict[str, Any]) -> list[str]:
    return [option["value"] for option in element["options"]]
