"""Builds clients and services from settings. Nothing here runs at import time."""

from __future__ import annotations

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
from services.generation.image_models import ImageModel, build_image_model
from services.generation.pipeline import Pipeline, PipelineConfig
from services.generation.prompting import PromptBuilder
from services.generation.responses import gate_image_reads
from services.generation.translation import Translator
from services.generation.verification import Verifier
from services.intake.service import Intake, IntakeConfig
from services.jobs.runner import JobProcessor, JobRunner, QueueFront
from services.jobs.sqs import SqsJobQueue, SqsWorker
from services.jobs.tasks import BackgroundTasks
from services.moderation.image import ImageModerator
from services.moderation.ml import GuardrailChecker, ToxicityChecker
from services.moderation.policy import ImagePolicy
from services.moderation.rules import TextRules
from services.results.desk import ResultDesk
from services.results.reports import ReportDesk
from services.slack.notifier import SlackNotifier
from services.slack.status_board import StatusBoard
from services.storage.archive import Archive, LocalArchive, S3Archive, SpoolingArchive
from services.storage.dedupe import Deduper, DynamoDeduper, MemoryDeduper
from services.storage.job_store import DynamoJobStore, JobStore, SqliteJobStore
from services.storage.state import SqliteState, StateStore
from services.storage.state_dynamo import DynamoState


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients the bot uses."""

    bedrock: Any
    rekognition: Any
    comprehend: Any
    s3: Any | None
    sqs: Any | None = None
    dynamodb: Any | None = None


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
        rekognition=session.client("rekognition", config=quick_config),
        comprehend=session.client("comprehend", config=quick_config),
        # SigV4 so presigned links (sent when an upload fails) can live a week.
        s3=session.client("s3", config=quick_config.merge(Config(signature_version="s3v4")))
        if settings.archive_bucket
        else None,
        sqs=session.client("sqs", config=quick_config) if settings.job_queue_url else None,
        dynamodb=session.client("dynamodb", config=quick_config)
        if settings.job_table or settings.dedupe_table or settings.state_table
        else None,
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


def build_models(settings: Settings, client: Any) -> tuple[ImageModel, dict[str, ImageModel]]:
    """The default image model and every enabled model by alias (IMAGE_MODELS adds more)."""

    def build(model_id: str, family: str | None = None) -> ImageModel:
        return build_image_model(
            client,
            model_id,
            family=family,
            sdxl_steps=settings.sdxl_steps,
            sdxl_style=settings.sdxl_style_preset,
        )

    default = build(settings.image_model_id, settings.image_model_family)
    models = {alias: build(model_id) for alias, model_id in settings.image_models.items()}
    for alias, model in models.items():
        if model.model_id == default.model_id:
            models[alias] = default
            return default, models
    alias = DEFAULT_ALIASES.get(default.capabilities.family, "default")
    return default, {alias: default, **{k: v for k, v in models.items() if k != alias}}


def build_catalogue(settings: Settings, clients: AwsClients) -> ModelCatalogue:
    """The enabled image models, by alias, and the default."""
    return ModelCatalogue(*build_models(settings, clients.bedrock))


def build_pipeline(
    settings: Settings, clients: AwsClients, archive: Archive, catalogue: ModelCatalogue
) -> Pipeline:
    """The pipeline with every stage wired to its client."""
    # One cap on Bedrock calls across all jobs; candidate checks run on their own pool.
    slots = threading.BoundedSemaphore(settings.model_concurrency)
    per_job = 5 if settings.candidates_adaptive else settings.candidates
    executor = ThreadPoolExecutor(
        max_workers=min(64, settings.worker_threads * per_job), thread_name_prefix="candidate"
    )
    # Rekognition and Comprehend calls made alongside the model calls: one per candidate and job.
    side = ThreadPoolExecutor(
        max_workers=min(64, settings.worker_threads * (per_job + 1)), thread_name_prefix="moderation"
    )
    gate_image_reads(clients.bedrock)
    limit = catalogue.default.capabilities.max_prompt_chars
    tools = ToolCaller(clients.bedrock)
    toxicity = None
    if settings.toxicity_check:
        labels = settings.toxicity_labels or None
        toxicity = ToxicityChecker(clients.comprehend, threshold=settings.toxicity_threshold, labels=labels)
    guardrail = None
    if settings.guardrail_id:
        guardrail = GuardrailChecker(clients.bedrock, settings.guardrail_id, settings.guardrail_version)
    return Pipeline(
        rules=TextRules.load(settings.banned_terms_files),
        translator=Translator(tools, settings.text_model_id, prompt_limit=limit),
        prompts=PromptBuilder(settings.style_template, settings.negative_prompts),
        catalogue=catalogue,
        moderator=ImageModerator(
            clients.rekognition,
            settings.image_moderation_min_confidence,
            ImagePolicy.parse(
                settings.image_policy,
                default=settings.image_policy_default,
                min_confidence=settings.image_moderation_min_confidence,
            ),
        ),
        toxicity=toxicity,
        guardrail=guardrail,
        verifier=Verifier(tools, settings.verifier_model_id, prompt_limit=limit),
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
        model_slots=slots,
        costs=CostTable(settings.model_prices),
    )


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
    pipeline = build_pipeline(settings, clients, archive, catalogue)
    state: StateStore = (
        DynamoState(clients.dynamodb, settings.state_table, ttl=timedelta(days=settings.state_retention_days))
        if settings.state_table
        else SqliteState(settings.data_dir / "state.sqlite3")
    )
    board = StatusBoard(
        client, per_minute=settings.status_updates_per_minute, min_interval=settings.status_min_interval
    )
    notifier = SlackNotifier(client, board, add_reactions=settings.result_reactions, link=archive.link)
    store: JobStore = (
        DynamoJobStore(clients.dynamodb, settings.job_table)
        if settings.job_table
        else SqliteJobStore(settings.data_dir / "jobs.sqlite3")
    )
    processor = JobProcessor(pipeline, notifier, state, store=store, catalogue=catalogue)
    runner = JobRunner(
        processor, settings.worker_threads, on_accept=processor.accepted, on_move=processor.waiting
    )
    queue = SqsJobQueue(clients.sqs, settings.job_queue_url) if settings.job_queue_url else None
    front = (
        QueueFront(queue, notifier, store, inline=inline) if queue is not None and role == "front" else None
    )
    worker = None
    if queue is not None and role == "worker":
        worker = SqsWorker(
            queue,
            processor,
            workers=settings.worker_threads,
            max_receives=settings.max_receives,
            on_give_up=processor.give_up,
            wait_seconds=settings.queue_wait_seconds,
        )
    deduper: Deduper = (
        DynamoDeduper(settings.dedupe_table, clients.dynamodb) if settings.dedupe_table else MemoryDeduper()
    )
    intake = Intake(
        front.submit if front is not None else runner.submit,
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
            workspace_languages=settings.workspace_languages,
            default_language=settings.language,
        ),
        store=store,
        # Jobs that run here are counted here: a count in the job store's SQLite file would take
        # the lock the job threads write under, and python -m bench's ack p99 went from 89-95 ms
        # to 95-129 ms. Jobs that run on workers are counted in the job store, which sees them all.
        active=runner.active_for if front is None else store.active_for,
    )
    reports = ReportDesk(archive, client, settings.admin_channel, settings.language)
    return Services(
        pipeline=pipeline,
        catalogue=catalogue,
        archive=archive,
        runner=runner,
        processor=processor,
        intake=intake,
        reports=reports,
        desk=ResultDesk(archive, client, intake, state),
        state=state,
        board=board,
        tasks=BackgroundTasks(inline=inline),
        store=store,
        front=front,
        worker=worker,
        deduper=deduper,
        lang=settings.language,
    )
