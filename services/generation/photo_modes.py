"""How a user's photo is to be used, read from the request's words by the translation call itself.

A photo job is translated by the same forced tool call as any request, with a longer system prompt
and two more answer fields: the photo mode (a variation, the photo re-drawn in a new style, a new
image on the photo's layout, or the request drawn in the photo's style) and how close to the photo
to stay. So choosing the mode costs no extra call. The tool keeps its name: its answer is still
the image prompt, now with how the photo serves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, field_validator

from services.core.job import PHOTO_MODES, PHOTO_SIMILARITIES, PhotoMode, PhotoSimilarity
from services.generation.bedrock import ToolSpec

# Inserted before the prompt's last line ("Answer only by calling the tool.") for photo jobs only.
PHOTO_PARAGRAPH = """The user attached a photo to this request; the image model receives the photo,
you receive only the words. Choose photo_mode from what the words ask of the photo:
variation: a new version of the photo itself, changed a little or in an unspecified way
(少し変えて, 別バージョン, 似た感じで); choose it when the words say no more than how much to change;
restyle: the same picture re-drawn in another style or medium (水彩画風に, アニメ風に, 油絵にして);
layout: keep the photo's composition, outlines or poses while the scene, subject, season or time
of day changes (構図はそのままで夜の街に, このポーズで, この配置で);
style_reference: something new that the words describe, drawn in the photo's style, colours or
mood (この写真の雰囲気で猫を, このタッチで).
Choose similarity, how close the result should stay to the photo: high for 少しだけ, ほぼそのまま,
軽く, slightly; low for 大胆に, がらっと, 思い切って, completely; medium when the words do not say.
Write english_prompt as the result should look (the style, the new scene or subject); do not
guess what the photo shows."""

# "medium" first: it is the answer when the words say nothing, and a schema's first value is
# what a bare example of it holds.
_SIMILARITY_CHOICES = ("medium", *(value for value in PHOTO_SIMILARITIES if value != "medium"))


def photo_tool(base: ToolSpec) -> ToolSpec:
    """``base`` with the photo's mode and similarity added to its answer, both required."""
    schema: dict[str, Any] = dict(base.schema)
    schema["properties"] = {
        **base.schema["properties"],
        "photo_mode": {
            "type": "string",
            "enum": list(PHOTO_MODES),
            "description": "How the attached photo is used: variation, restyle, layout or style_reference.",
        },
        "similarity": {
            "type": "string",
            "enum": list(_SIMILARITY_CHOICES),
            "description": "How close the result stays to the photo, from the request's words.",
        },
    }
    schema["required"] = [*base.schema["required"], "photo_mode", "similarity"]
    return ToolSpec(
        name=base.name,
        description=f"{base.description} A photo is attached: also say how to use it.",
        schema=schema,
    )


def with_photo(system_prompt: str) -> str:
    """``system_prompt`` with the photo paragraph before its closing instruction."""
    head, sep, tail = system_prompt.rpartition("\nAnswer only by calling the tool.")
    if not sep:
        return f"{system_prompt}\n{PHOTO_PARAGRAPH}"
    return f"{head}\n{PHOTO_PARAGRAPH}{sep}{tail}"


class PhotoAnswer(BaseModel):
    """The photo fields of the translator's tool input.

    Lenient, like the classification: an unknown or missing value falls back to what the words
    would mean if they said nothing (a variation, medium similarity) rather than failing the job.
    """

    photo_mode: PhotoMode = "variation"
    similarity: PhotoSimilarity = "medium"

    @field_validator("photo_mode", mode="before")
    @classmethod
    def _known_mode(cls, value: object) -> str:
        text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        return text if text in PHOTO_MODES else "variation"

    @field_validator("similarity", mode="before")
    @classmethod
    def _known_similarity(cls, value: object) -> str:
        text = str(value).strip().lower()
        return text if text in PHOTO_SIMILARITIES else "medium"


@dataclass(frozen=True)
class PhotoChoice:
    """How the words ask the photo to be used."""

    mode: PhotoMode = "variation"
    similarity: PhotoSimilarity = "medium"

    @classmethod
    def of(cls, answer: PhotoAnswer) -> PhotoChoice:
        """The choice in a validated answer."""
        return cls(mode=answer.photo_mode, similarity=answer.similarity)
