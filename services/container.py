"""The wired services the Slack edge and entry points use."""

from __future__ import annotations

from dataclasses import dataclass

from services.archive import Archive, SpoolingArchive
from services.intake import Intake
from services.jobs import JobProcessor, JobRunner
from services.messages import Language
from services.pipeline import Pipeline
from services.reports import ReportDesk
from services.result_desk import ResultDesk
from services.state import StateStore
from services.status_board import StatusBoard
from services.tasks import BackgroundTasks


@dataclass
class Services:
    """Everything built from settings, shared by handlers and entry points."""

    pipeline: Pipeline
    archive: Archive
    runner: JobRunner
    processor: JobProcessor
    intake: Intake
    reports: ReportDesk
    desk: ResultDesk
    state: StateStore
    board: StatusBoard
    tasks: BackgroundTasks
    lang: Language = "ja"

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until queued jobs, their stragglers and background tasks are done; False on timeout."""
        return (
            self.runner.wait_idle(timeout)
            and self.pipeline.drain(timeout)
            and self.tasks.wait_idle(timeout)
            and self.board.flush(timeout)
        )

    def close(self) -> None:
        """Finish queued jobs and their straggling candidates, post the last updates, then stop."""
        self.runner.shutdown(wait=True)
        self.processor.close()
        self.pipeline.close()
        self.tasks.shutdown()
        self.board.close()
        self.state.close()
        if isinstance(self.archive, SpoolingArchive):
            self.archive.close()  # one last try for writes S3 refused; the rest waits on disk
