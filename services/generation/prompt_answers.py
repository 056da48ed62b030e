"""The tools the text model answers through when it writes image prompts, and their validated answers.

A new request's translation (TRANSLATE_TOOL), a thread mention's refinement when the posted image
could be edited in place (``refine_tool``: the same answer plus the change's scope and, for a local
change, the edit plan), and the exclusions alone (TERMS_TOOL). Each answer is validated here,
leniently where a lenient reading is safe.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from services.core.edits import REGION_OPERATIONS, EditPlan
from services.generation.bedrock import ToolSpec

# A preamble such as "Here is the translation:" must never reach the image model,
# even if a model puts one inside the tool input.
_PREAMBLE = re.compile(
    r"^\s*(?:sure[,!.]?\s*)?(?:here(?:['’]s| is)[^:\n]{0,60}:|(?:english\s+)?(?:translation|prompt)\s*:)\s*",
    re.IGNORECASE,
)
UNSAFE_CATEGORIES = ("none", "sexual", "minors", "violence", "hate", "self_harm", "drugs", "illegal", "other")

TRANSLATE_TOOL = ToolSpec(
    name="submit_image_prompt",
    description="Submit the English text-to-image prompt for the user's request.",
    schema={
        "type": "object",
        "properties": {
            "english_prompt": {
                "type": "string",
                "description": "The English image prompt, comma-separated phrases, main subject first.",
            },
            "safe": {"type": "boolean", "description": "False if the request is not acceptable at work."},
            "category": {
                "type": "string",
                "enum": list(UNSAFE_CATEGORIES),
                "description": "Why it is not acceptable; none when safe.",
            },
            "requirements": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 8,
                "description": "Checklist of what the image must show, in the request's language, "
                "short noun phrases: subjects, counts, colours, setting, style, exclusions.",
            },
            "negative_terms": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 12,
                "description": "The <exclude> items in English, if any were given.",
            },
        },
        "required": ["english_prompt", "safe", "category", "requirements"],
    },
)


def refine_tool(operations: frozenset[str]) -> ToolSpec:
    """The refine call's tool when the posted image can be edited: the revised prompt and the change's scope.

    Its own name, so a new request's tool (TRANSLATE_TOOL) stays as it is; ``operations`` are the
    region edits the models here can do on that image.
    """
    properties = {
        **TRANSLATE_TOOL.schema["properties"],
        # "global" first: the safe reading when a model is unsure.
        "scope": {
            "type": "string",
            "enum": ["global", "local"],
            "description": "local: change one part of the posted image; global: a new image from the prompt.",
        },
        "operation": {
            "type": "string",
            "enum": sorted(operations & REGION_OPERATIONS),
            "description": "For local: how the region changes.",
        },
        "region": {
            "type": "string",
            "description": "For local: English noun phrase naming the part of the image to change.",
        },
        "new_content": {
            "type": "string",
            "description": "For local: English, what the region becomes (empty to erase).",
        },
    }
    return ToolSpec(
        name="submit_revised_prompt",
        description="Submit the revised English prompt and the scope of the change.",
        schema={
            "type": "object",
            "properties": properties,
            "required": [*TRANSLATE_TOOL.schema["required"], "scope"],
        },
    )


TERMS_TOOL = ToolSpec(
    name="submit_negative_terms",
    description="Submit the English negative-prompt terms.",
    schema={
        "type": "object",
        "properties": {
            "negative_terms": {"type": "array", "items": {"type": "string"}, "maxItems": 12},
        },
        "required": ["negative_terms"],
    },
)


def clean_terms(items: list[str]) -> list[str]:
    """Short English terms, one line each, at most twelve."""
    cleaned = [" ".join(item.split()).strip(".")[:60] for item in items]
    return [item for item in cleaned if item][:12]


class TermsAnswer(BaseModel):
    """The exclusions, in English."""

    negative_terms: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("negative_terms")
    @classmethod
    def _short(cls, items: list[str]) -> list[str]:
        return clean_terms(items)


class PromptAnswer(BaseModel):
    """The translator's tool input."""

    english_prompt: str = Field(min_length=1)

    @field_validator("english_prompt")
    @classmethod
    def _clean(cls, value: str, info: ValidationInfo) -> str:
        value = _PREAMBLE.sub("", value).strip().strip("\"'“”").strip()
        if not value:
            raise ValueError("empty prompt")
        value = " ".join(value.split())
        # One limit, the image model's own (told to the model as well): a longer answer is cut at
        # a word, not refused, since refusing it would fail the job as "model unavailable".
        limit = (info.context or {}).get("limit")
        if isinstance(limit, int) and len(value) > limit:
            cut = value[: limit + 1].rsplit(" ", 1)[0] if " " in value[:limit] else value[:limit]
            value = cut[:limit].rstrip(" ,;")
        return value


class TranslationAnswer(PromptAnswer):
    """The translator's tool input: the prompt plus the request's classification."""

    # Lenient defaults: a model that omits them still yields a prompt, and the rule
    # and Comprehend layers check the text regardless.
    safe: bool = True
    category: str = "none"
    requirements: list[str] = Field(default_factory=list, max_length=12)
    negative_terms: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("negative_terms")
    @classmethod
    def _short_terms(cls, items: list[str]) -> list[str]:
        return clean_terms(items)

    @field_validator("requirements")
    @classmethod
    def _short_items(cls, items: list[str]) -> list[str]:
        cleaned = [" ".join(item.split())[:80] for item in items]
        return [item for item in cleaned if item][:8]

    @field_validator("category")
    @classmethod
    def _known(cls, value: str) -> str:
        value = value.strip().lower()
        return value if value in UNSAFE_CATEGORIES else "other"


class RefineAnswer(TranslationAnswer):
    """The refine call's tool input with a scope: a local answer also carries the edit plan's fields."""

    # Lenient like the classification: an unknown or incomplete local answer is read as global,
    # and the revised prompt it must carry anyway is used.
    scope: str | None = "global"
    operation: str | None = None
    region: str | None = None
    new_content: str | None = None

    def plan(self, operations: frozenset[str]) -> EditPlan | None:
        """The local edit asked for, if it is one of ``operations`` with a region; None for global."""
        scope, operation = (self.scope or "").strip().lower(), (self.operation or "").strip().lower()
        region = " ".join((self.region or "").split())[:200]
        if scope != "local" or operation not in operations or not region:
            return None
        content = " ".join((self.new_content or "").split())[:1000]
        if operation != "erase" and not content:
            content = region  # as ✏️'s planner: a recolour the models cannot do without words
        return EditPlan.model_validate(
            {
                "operation": operation,
                "region": region,
                "prompt": "" if operation == "erase" else content,
                "safe": self.safe,
                "category": self.category,
            }
        )
