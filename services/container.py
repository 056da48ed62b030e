"""The wired services the Slack edge and entry points use."""

from __future__ import annotations

from dataclasses import dataclass

from services.archive import Archive
from services.intake import Intake
from services.jobs import JobRunner
from services.messages import Language
from services.pipeline import Pipeline
from services.reports import ReportDesk


@dataclass
class Services:
    """Everything built from settings, shared by handlers and entry points."""

    pipeline: Pipeline
    archive: Archive
    runner: JobRunner
    intake: Intake
    reports: ReportDesk
    lang: Language = "ja"

    def close(self) -> None:
        """Finish queued jobs and their straggling candidates, then stop the workers."""
        self.runner.shutdown(wait=True)
        self.pipeline.close()
