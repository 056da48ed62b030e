"""Running jobs: one job end to end (``processor``), the in-process queue (``runner``), the SQS
queue (``sqs_queue``), front (``front``) and worker (``sqs``), Slack-side background tasks,
housekeeping, and batches from the CLI."""

from services.jobs.batch import BatchMaker, ProgressBar, produce, read_titles, render_table, run_batch
from services.jobs.front import QueueFront
from services.jobs.housekeeping import Housekeeper, Prunable
from services.jobs.processor import JobProcessor, hash_user
from services.jobs.runner import UPSCALE, JobRunner, QueueWatcher
from services.jobs.sqs import SqsWorker
from services.jobs.sqs_queue import SqsJobQueue
from services.jobs.tasks import BackgroundTasks

__all__ = [
    "UPSCALE",
    "BackgroundTasks",
    "BatchMaker",
    "Housekeeper",
    "JobProcessor",
    "JobRunner",
    "ProgressBar",
    "Prunable",
    "QueueFront",
    "QueueWatcher",
    "SqsJobQueue",
    "SqsWorker",
    "hash_user",
    "produce",
    "read_titles",
    "render_table",
    "run_batch",
]
