"""Builds clients and services from settings. Nothing here runs at import time."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import WebClient

from bot.settings import Settings
from services.container import Services
from services.generation.bedrock import ToolCaller
from services.generation.catalogue import ModelCatalogue
from services.generation.costs import CostTable
from services.generation.describe import Describer
from services.generation.edit_plans import EditPlanner
from services.generation.editing import Editor
from services.generation.image_models import (
    EDIT_MODEL_SETTINGS,
    ImageModel,
    build_edit_models,
    build_image_model,
)
from services.generation.pipeline import Pipeline, PipelineConfig
from services.generation.prompting import PromptBuilder
from services.generation.translation import Translator
from services.generation.verification import Verifier
from services.intake.service import Intake, IntakeConfig
from services.jobs import BackgroundTasks, JobProcessor, JobRunner, QueueFront, SqsJobQueue, SqsWorker
from services.moderation.image import ImageModerator
from services.moderation.ml import GuardrailChecker, ToxicityChecker
from services.moderation.policy import ImagePolicy
from services.moderation.rules import TextRules
from services.preflight import IMAGE_MODEL_PREFERENCE, Catalogue, log_checks
from services.results import DescribeDesk, ReportDesk, ResultDesk
from services.slack.alerts import AdminAlerts
from services.slack.files import SlackFiles
from services.slack.notifier import SlackNotifier
from services.slack.status_board import StatusBoard
from services.storage import (
    JOB_STORE_FILE,
    STATE_FILE,
    Archive,
    Deduper,
    DynamoDeduper,
    DynamoJobStore,
    DynamoState,
    JobStore,
    LocalArchive,
    MemoryDeduper,
    S3Archive,
    SpoolingArchive,
    SqliteJobStore,
    SqliteState,
    StateStore,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients the bot uses; ``control`` is Bedrock's control plane (service ``bedrock``)."""

    bedrock: Any
    rekognition: Any
    comprehend: Any
    s3: Any | None
    sqs: Any | None = None
    dynamodb: Any | None = None
    # bedrock-runtime in EDIT_MODEL_REGION when the Stability edit services live elsewhere.
    bedrock_edit: Any | None = None
    control: Any | None = None


def aws_clients(settings: Settings, session: boto3.Session | None = None) -> AwsClients:
    """Real boto3 clients. No endpoint_url: botocore's AWS_ENDPOINT_URL_<SERVICE> variables apply."""
    session = session or boto3.Session(region_name=settings.aws_region)
    pool = max(10, settings.worker_threads * 2)
    retries = {"mode": "standard", "total_max_attempts": settings.aws_max_attempts}
    # Image calls take tens of seconds; botocore's default 60 s read timeout is too tight.
    bedrock_config = Config(
        retries=retries,
        read_timeout=settings.bedrock_read_timeout,
        connect_timeout=10,
        max_pool_connections=pool,
    )
    quick_config = Config(retries=retries, read_timeout=30, connect_timeout=10, max_pool_connections=pool)
    return AwsClients(
        bedrock=session.client("bedrock-runtime", config=bedrock_config),
        bedrock_edit=session.client(
            "bedrock-runtime", region_name=settings.edit_model_region, config=bedrock_config
        )
        if settings.edit_model_region and settings.edit_model_region != settings.aws_region
        else None,
        rekognition=session.client("rekognition", config=quick_config),
        # DetectToxicContent is not offered in every region: COMPREHEND_REGION points it elsewhere.
        comprehend=session.client(
            "comprehend", region_name=settings.comprehend_region or settings.aws_region, config=quick_config
        ),
        # SigV4 so presigned links (sent when an upload fails) can live a week.
        s3=session.client("s3", config=quick_config.merge(Config(signature_version="s3v4")))
        if settings.archive_bucket
        else None,
        sqs=session.client("sqs", config=quick_config) if settings.job_queue_url else None,
        dynamodb=session.client("dynamodb", config=quick_config)
        if settings.job_table or settings.dedupe_table or settings.state_table
        else None,
        # Read-only model metadata: which image model to use, and the preflight's checks.
        control=session.client("bedrock", config=quick_config),
    )


def build_archive(settings: Settings, clients: AwsClients) -> Archive:
    """S3 when a bucket is configured, otherwise the local folder."""
    if settings.archive_bucket:
        s3 = S3Archive(
            clients.s3, settings.archive_bucket, settings.archive_prefix, settings.archive_kms_key_id
        )
        # S3 outages must not lose images: writes that fail wait in a local spool.
        return SpoolingArchive(s3, settings.data_dir / "spool")
    return LocalArchive(settings.archive_dir)


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
    settings: Settings, checks: Checks, archive: Archive, catalogue: ModelCatalogue
) -> Pipeline:
    """The pipeline with every stage wired to its client."""
    # Candidate checks run on their own pool, sized so no job waits for its own candidates.
    executor = ThreadPoolExecutor(
        max_workers=min(64, settings.worker_threads * settings.candidates), thread_name_prefix="candidate"
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
            variation_strength=settings.variation_strength,
        ),
        executor=executor,
        model_slots=checks.slots,
        costs=CostTable(settings.model_prices),
        photos=photo_fetcher(settings),
    )


def build_editor(
    settings: Settings, clients: AwsClients, checks: Checks, archive: Archive, catalogue: ModelCatalogue
) -> Editor:
    """Edits of posted images, with the configured EDIT_MODEL_* / UPSCALE_MODEL_ID services."""
    ids: dict[str, str | None] = {
        op: getattr(settings, name.lower()) or None for op, name in EDIT_MODEL_SETTINGS.items()
    }
    edits = build_edit_models(clients.bedrock, ids, service_client=clients.bedrock_edit)
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


def slack_client(settings: Settings) -> WebClient:
    """The Web API client, retrying connection errors, 5xx and 429 (honouring Retry-After)."""
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is required for Slack")
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


Role = Literal["embedded", "front", "worker"]


def build_services(
    settings: Settings,
    client: WebClient,
    clients: AwsClients | None = None,
    *,
    role: Role = "embedded",
    inline: bool = False,
) -> Services:
    """Pipeline, archive, job store, worker pool and intake for the Slack bot.

    ``embedded`` runs jobs in this process; ``front`` (JOB_QUEUE_URL set) only acknowledges and
    enqueues to SQS; ``worker`` consumes SQS. ``inline`` does hand-offs before returning (Lambda).
    """
    clients = clients or aws_clients(settings)
    archive = build_archive(settings, clients)
    catalogue = build_catalogue(settings, clients)
    checks = build_checks(settings, clients, catalogue)
    pipeline = build_pipeline(settings, checks, archive, catalogue)
    editor = build_editor(settings, clients, checks, archive, catalogue)
    state: StateStore = (
        DynamoState(clients.dynamodb, settings.state_table, ttl=timedelta(days=settings.state_retention_days))
        if settings.state_table
        else SqliteState(settings.data_dir / STATE_FILE)
    )
    board = StatusBoard(
        client, per_minute=settings.status_updates_per_minute, min_interval=settings.status_min_interval
    )
    alerts = AdminAlerts(client, settings.admin_channel, settings.language)
    notifier = SlackNotifier(
        client, board, add_reactions=settings.result_reactions, link=archive.link, alerts=alerts
    )
    store: JobStore = (
        DynamoJobStore(clients.dynamodb, settings.job_table)
        if settings.job_table
        else SqliteJobStore(settings.data_dir / JOB_STORE_FILE)
    )
    processor = JobProcessor(pipeline, notifier, state, store=store, catalogue=catalogue, editor=editor)
    runner = JobRunner(
        processor,
        settings.worker_threads,
        watcher=processor,
        max_running_per_user=settings.max_jobs_per_user,
    )
    queue = SqsJobQueue(clients.sqs, settings.job_queue_url) if settings.job_queue_url else None
    front = None
    if queue is not None and role == "front":
        cap = settings.max_jobs_per_user
        front = QueueFront(queue, notifier, store, inline=inline, max_running_per_user=cap)
    worker = None
    if queue is not None and role == "worker":
        worker = SqsWorker(
            queue,
            processor,
            workers=settings.worker_threads,
            max_receives=settings.max_receives,
            on_give_up=processor.give_up,
            wait_seconds=settings.queue_wait_seconds,
            # The job store sees the jobs of every worker, so the cap holds across them.
            running=store,
            max_running_per_user=settings.max_jobs_per_user,
        )
    deduper: Deduper = (
        DynamoDeduper(settings.dedupe_table, clients.dynamodb) if settings.dedupe_table else MemoryDeduper()
    )
    intake = Intake(
        front if front is not None else runner,
        archive,
        catalogue,
        state,
        IntakeConfig(
            cfg_step=settings.cfg_step,
            max_candidates=settings.max_candidates,
            user_daily_quota=settings.user_daily_quota,
            team_daily_quota=settings.team_daily_quota,
            quota_timezone=ZoneInfo(settings.quota_timezone),
            admins=frozenset(settings.admin_users),
            max_jobs_per_user=settings.max_jobs_per_user,
            max_queued_per_user=settings.max_queued_per_user,
            workspace_languages=settings.workspace_languages,
            default_language=settings.language,
        ),
        store=store,
        # Jobs that run here are counted here: a count in the job store's SQLite file would take
        # the lock the job threads write under, which python -m bench shows slowing the ack. Jobs
        # that run on workers are counted in the job store, which sees them all.
        active=runner if front is None else store,
    )
    reports = ReportDesk(archive, client, settings.admin_channel, settings.language)
    return Services(
        pipeline=pipeline,
        catalogue=catalogue,
        editor=editor,
        archive=archive,
        runner=runner,
        processor=processor,
        intake=intake,
        reports=reports,
        desk=ResultDesk(archive, client, intake, state),
        describer=DescribeDesk(build_describer(settings, checks, archive, catalogue), client, state),
        state=state,
        board=board,
        tasks=BackgroundTasks(inline=inline),
        store=store,
        front=front,
        worker=worker,
        deduper=deduper,
        lang=settings.language,
    )
