"""Builds clients and services from settings. Nothing here runs at import time."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from slack_sdk.web import WebClient

from bot.builders import (
    build_catalogue,
    build_checks,
    build_describer,
    build_editor,
    build_edits,
    build_pipeline,
)
from bot.clients import AwsClients, aws_clients
from bot.settings import Settings
from services.container import Services
from services.core.priority import RequestPriority
from services.intake.service import Intake, IntakeConfig
from services.jobs import (
    UPSCALE,
    BackgroundTasks,
    JobProcessor,
    JobRunner,
    QueueFront,
    SqsJobQueue,
    SqsWorker,
)
from services.results import DescribeDesk, ReportDesk, ResultDesk
from services.slack.alerts import AdminAlerts
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


def build_archive(settings: Settings, clients: AwsClients) -> Archive:
    """S3 when a bucket is configured, otherwise the local folder."""
    if settings.archive_bucket:
        s3 = S3Archive(
            clients.s3, settings.archive_bucket, settings.archive_prefix, settings.archive_kms_key_id
        )
        # S3 outages must not lose images: writes that fail wait in a local spool.
        return SpoolingArchive(s3, settings.data_dir / "spool")
    return LocalArchive(settings.archive_dir)


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
    # One set of edit models: the editor's buttons, and the pipeline's use of users' photos.
    edits = build_edits(settings, clients)
    editor = build_editor(settings, clients, checks, archive, catalogue, edits=edits)
    pipeline = build_pipeline(settings, checks, archive, catalogue, edits=edits, local_edits=editor)
    state: StateStore = (
        DynamoState(clients.dynamodb, settings.state_table, ttl=timedelta(days=settings.state_retention_days))
        if settings.state_table
        else SqliteState(settings.data_dir / STATE_FILE)
    )
    priority = RequestPriority()
    board = StatusBoard(
        client,
        per_minute=settings.status_updates_per_minute,
        min_interval=settings.status_min_interval,
        priority=priority,
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
    processor = JobProcessor(
        pipeline, notifier, state, store=store, catalogue=catalogue, editor=editor, priority=priority
    )
    runner = JobRunner(
        processor,
        settings.worker_threads,
        watcher=processor,
        max_running_per_user=settings.max_jobs_per_user,
        # Upscales beyond it wait in the queue, not on a worker thread the Editor's turns would hold.
        class_caps={UPSCALE: settings.upscale_concurrency},
    )
    queue = SqsJobQueue(clients.sqs, settings.job_queue_url) if settings.job_queue_url else None
    front = None
    if queue is not None and role == "front":
        cap = settings.max_jobs_per_user
        front = QueueFront(queue, notifier, store, inline=inline, max_running_per_user=cap, priority=priority)
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
        # What the form offers for a photo, and accepts: the models' own variation and the edits.
        photo_modes=editor.photo_modes,
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
        priority=priority,
    )
