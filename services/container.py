"""The wired services the Slack edge and entry points use."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from services.core.priority import RequestPriority
from services.core.text import Language
from services.generation.catalogue import ModelCatalogue
from services.generation.editing import Editor
from services.generation.pipeline import Pipeline
from services.intake.service import Intake
from services.jobs import BackgroundTasks, JobProcessor, JobRunner, QueueFront, SqsWorker
from services.results import DescribeDesk, ReportDesk, ResultDesk
from services.slack.status_board import StatusBoard
from services.storage import Archive, Deduper, JobStore, SpoolingArchive, StateStore


@dataclass
class Services:
    """Everything built from settings, shared by handlers and entry points."""

    pipeline: Pipeline
    catalogue: ModelCatalogue
    editor: Editor
    archive: Archive
    runner: JobRunner
    processor: JobProcessor
    intake: Intake
    reports: ReportDesk
    desk: ResultDesk
    describer: DescribeDesk
    state: StateStore
    board: StatusBoard
    tasks: BackgroundTasks
    store: JobStore | None = None
    front: QueueFront | None = None
    worker: SqsWorker | None = None
    deduper: Deduper | None = None
    lang: Language = "ja"
    # Requests being answered, shared by the HTTP (or Socket Mode) front and the job processor.
    priority: RequestPriority = field(default_factory=RequestPriority)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until queued jobs, their stragglers and background tasks are done; False on timeout."""
        return (
            self.runner.wait_idle(timeout)
            and self.pipeline.drain(timeout)
            and self.tasks.wait_idle(timeout)
            and (self.front is None or self.front.wait_idle(timeout))
            and self.board.flush(timeout)
        )

    def close(self, grace: float | None = None) -> None:
        """Finish queued jobs (for ``grace`` seconds at most) and their stragglers, then stop.

        Jobs still unfinished after the grace period stay in the job store and resume at the
        next start.
        """
        left = self.runner.shutdown(wait=True, timeout=grace)
        if left:
            logging.getLogger(__name__).warning("%d job(s) left for the next start", left)
        if self.front is not None:
            self.front.close()
        self.processor.close()
        self.pipeline.close()
        self.editor.close()
        self.tasks.shutdown()
        self.board.close()
        self.state.close()
        if self.store is not None:
            self.store.close()
        if isinstance(self.archive, SpoolingArchive):
            self.archive.close()  # one last try for writes S3 refused; the rest waits on disk
