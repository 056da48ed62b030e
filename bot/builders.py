"""Builds the image models, the shared checks, the pipeline, the editor and the describer."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.clients import AwsClients
from bot.settings import Settings
from services.generation.bedrock import ToolCaller
from services.generation.catalogue import ModelCatalogue
from services.generation.costs import CostTable
from services.generation.describe import Describer
from services.generation.edit_plans import EditPlanner
from services.generation.editing import Editor
from services.generation.image_models import (
    EDIT_MODEL_SETTINGS,
    EditModels,
    ImageModel,
    build_edit_models,
    build_image_model,
)
from services.generation.pipeline import Pipeline, PipelineConfig
from services.generation.prompting import PromptBuilder
from services.generation.responses import gate_image_reads
from services.generation.translation import Translator
from services.generation.turns import Turns
from services.generation.verification import Verifier
from services.moderation.image import ImageModerator
from services.moderation.ml import GuardrailChecker, ToxicityChecker
from services.moderation.policy import ImagePolicy
from services.moderation.rules import TextRules
from services.preflight import IMAGE_MODEL_PREFERENCE, Catalogue, log_checks
from services.slack.files import SlackFiles
from services.storage import (
    Archive,
)

logger = logging.getLogger(__name__)

# What users type after --model for the default model, by family.
DEFAULT_ALIASES = {
    "nova-canvas": "nova",
    "titan-image": "titan",
    "sdxl": "sdxl",
    "sd3": "sd3",
    "stable-image": "stable-image",
}


def image_model_id(settings: Settings, clients: AwsClients) -> str:
    """IMAGE_MODEL_ID, or when it is not set the first model of the preference list that the Bedrock
    control plane says is ACTIVE and usable here; the choice is logged."""
    if settings.image_model_id:
        return settings.image_model_id
    if clients.control is None:
        first = IMAGE_MODEL_PREFERENCE[0]
        logger.warning(
            "IMAGE_MODEL_ID not set and no Bedrock control-plane client: using %s unchecked", first
        )
        return IMAGE_MODEL_PREFERENCE[0]
    choice = Catalogue(clients.control, settings.aws_region).choose_image_model(IMAGE_MODEL_PREFERENCE)
    log_checks(logger, [choice.check])
    return choice.model_id


def build_models(
    settings: Settings, client: Any, default_id: str | None = None
) -> tuple[ImageModel, dict[str, ImageModel]]:
    """The default image model (``default_id``, else IMAGE_MODEL_ID) and every enabled model by alias
    (IMAGE_MODELS adds more)."""

    def build(model_id: str, family: str | None = None) -> ImageModel:
        return build_image_model(
            client,
            model_id,
            family=family,
            sdxl_steps=settings.sdxl_steps,
            sdxl_style=settings.sdxl_style_preset,
        )

    configured = default_id or settings.image_model_id
    if configured is None:
        raise ValueError("no image model: resolve one with image_model_id() first")
    # IMAGE_MODEL_FAMILY describes the ARN in IMAGE_MODEL_ID; a chosen model names its family itself.
    family = settings.image_model_family if settings.image_model_id else None
    default = build(configured, family)
    models = {alias: build(model_id) for alias, model_id in settings.image_models.items()}
    for alias, model in models.items():
        if model.model_id == default.model_id:
            models[alias] = default
            return default, models
    alias = DEFAULT_ALIASES.get(default.capabilities.family, "default")
    return default, {alias: default, **{k: v for k, v in models.items() if k != alias}}


def build_catalogue(settings: Settings, clients: AwsClients) -> ModelCatalogue:
    """The enabled image models, by alias, and the default."""
    return ModelCatalogue(*build_models(settings, clients.bedrock, image_model_id(settings, clients)))


@dataclass(frozen=True)
class Checks:
    """What new images and edits share: the safety layers, the checker and one model-call cap."""

    rules: TextRules
    moderator: ImageModerator
    verifier: Verifier
    tools: ToolCaller
    slots: threading.BoundedSemaphore
    toxicity: ToxicityChecker | None
    guardrail: GuardrailChecker | None


def build_checks(settings: Settings, clients: AwsClients, catalogue: ModelCatalogue) -> Checks:
    """The moderation layers, the vision checker and the cap on Bedrock calls across all jobs."""
    gate_image_reads(clients.bedrock)
    tools = ToolCaller(clients.bedrock)
    toxicity = None
    if settings.toxicity_check:
        labels = settings.toxicity_labels or None
        toxicity = ToxicityChecker(clients.comprehend, threshold=settings.toxicity_threshold, labels=labels)
    guardrail = None
    if settings.guardrail_id:
        guardrail = GuardrailChecker(clients.bedrock, settings.guardrail_id, settings.guardrail_version)
    policy = ImagePolicy.parse(
        settings.image_policy,
        default=settings.image_policy_default,
        min_confidence=settings.image_moderation_min_confidence,
    )
    limit = catalogue.default.capabilities.max_prompt_chars
    return Checks(
        rules=TextRules.load(settings.banned_terms_files),
        moderator=ImageModerator(clients.rekognition, settings.image_moderation_min_confidence, policy),
        verifier=Verifier(tools, settings.verifier_model_id, prompt_limit=limit),
        tools=tools,
        slots=threading.BoundedSemaphore(settings.model_concurrency),
        toxicity=toxicity,
        guardrail=guardrail,
    )


def build_pipeline(
    settings: Settings,
    checks: Checks,
    archive: Archive,
    catalogue: ModelCatalogue,
    *,
    edits: EditModels | None = None,
    local_edits: Editor | None = None,
) -> Pipeline:
    """The pipeline with every stage wired to its client; ``edits`` use users' photos (restyle,
    layout, style reference) where the job's image model cannot; ``local_edits`` carries out thread
    mentions that change one part of the posted image."""
    # Candidate checks run on their own pool, sized so no job waits for its own candidates.
    per_job = 5 if settings.candidates_adaptive else settings.candidates
    executor = ThreadPoolExecutor(
        max_workers=min(64, settings.worker_threads * per_job), thread_name_prefix="candidate"
    )
    # Rekognition and Comprehend calls made alongside the model calls: one per candidate and job.
    side = ThreadPoolExecutor(
        max_workers=min(64, settings.worker_threads * (per_job + 1)), thread_name_prefix="moderation"
    )
    limit = catalogue.default.capabilities.max_prompt_chars
    return Pipeline(
        rules=checks.rules,
        translator=Translator(checks.tools, settings.text_model_id, prompt_limit=limit),
        prompts=PromptBuilder(settings.style_template, settings.negative_prompts),
        catalogue=catalogue,
        moderator=checks.moderator,
        toxicity=checks.toxicity,
        guardrail=checks.guardrail,
        verifier=checks.verifier,
        archive=archive,
        config=PipelineConfig(
            max_attempts=settings.max_attempts,
            max_rewrites=settings.max_rewrites,
            default_cfg_scale=settings.default_cfg_scale,
            width=settings.image_width,
            height=settings.image_height,
            candidates=settings.candidates,
            adaptive=settings.candidates_adaptive,
            variation_strength=settings.variation_strength,
        ),
        executor=executor,
        side_executor=side,
        model_slots=checks.slots,
        costs=CostTable(settings.model_prices),
        photos=photo_fetcher(settings),
        edits=edits,
        local_edits=local_edits,
    )


def build_edits(settings: Settings, clients: AwsClients) -> EditModels:
    """The configured EDIT_MODEL_* / UPSCALE_MODEL_ID models, by operation."""
    ids: dict[str, str | None] = {
        op: getattr(settings, name.lower()) or None for op, name in EDIT_MODEL_SETTINGS.items()
    }
    if clients.bedrock_edit is not None:
        # The Stability services' own region has its own client: its answers are read a few at a time too.
        gate_image_reads(clients.bedrock_edit)
    return build_edit_models(clients.bedrock, ids, service_client=clients.bedrock_edit)


def build_editor(
    settings: Settings,
    clients: AwsClients,
    checks: Checks,
    archive: Archive,
    catalogue: ModelCatalogue,
    *,
    edits: EditModels | None = None,
) -> Editor:
    """Edits of posted images, with the configured EDIT_MODEL_* / UPSCALE_MODEL_ID services."""
    edits = edits or build_edits(settings, clients)
    return Editor(
        catalogue=catalogue,
        edits=edits,
        planner=EditPlanner(checks.tools, settings.text_model_id),
        rules=checks.rules,
        moderator=checks.moderator,
        verifier=checks.verifier,
        toxicity=checks.toxicity,
        archive=archive,
        max_attempts=settings.max_attempts,
        costs=CostTable(settings.model_prices),
        model_slots=checks.slots,
        upscales=Turns(settings.upscale_concurrency),
        # Two per edit at most: the source's check copy and an archive write.
        side=ThreadPoolExecutor(
            max_workers=min(64, settings.worker_threads * 2), thread_name_prefix="edit-side"
        ),
    )


def build_describer(
    settings: Settings, checks: Checks, archive: Archive, catalogue: ModelCatalogue
) -> Describer:
    """🔎 プロンプトにする: the verifier's vision model, checked input, the default model's prompt limit."""
    fetcher = photo_fetcher(settings)
    if fetcher is None:
        raise ValueError("SLACK_BOT_TOKEN is required for Slack")
    return Describer(
        fetcher=fetcher,
        moderator=checks.moderator,
        tools=checks.tools,
        model_id=settings.verifier_model_id,
        rules=checks.rules,
        archive=archive,
        costs=CostTable(settings.model_prices),
        prompt_limit=catalogue.default.capabilities.max_prompt_chars,
    )


def photo_fetcher(settings: Settings) -> SlackFiles | None:
    """Downloads users' photos with the bot token; sent only to Slack (and SLACK_API_URL's host)."""
    if settings.slack_bot_token is None:
        return None  # the command line has no Slack files to fetch
    extra = [settings.slack_api_url] if settings.slack_api_url else []
    return SlackFiles(settings.slack_bot_token.get_secret_value(), extra_origins=extra)
