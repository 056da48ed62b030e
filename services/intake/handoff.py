"""Where intake hands an accepted job, and who counts a user's jobs in flight.

Named here, below ``services.jobs`` which implements them (``JobRunner``, ``QueueFront``,
``SqsJobQueue``; ``JobStore`` counts too), so intake reads on its own: ``submit`` queues a job.
"""

from __future__ import annotations

from typing import Protocol

from services.core.job import Job


class JobSubmitter(Protocol):
    """Takes an accepted job to run: the in-process runner, or the front that queues it in SQS."""

    def submit(self, job: Job) -> None:
        """Queue ``job`` and return without waiting for it to run."""


class ActiveJobs(Protocol):
    """Counts a user's unfinished jobs, for the limit on how many of them may wait."""

    def active_for(self, user_id: str) -> int:
        """How many of the user's jobs are queued or running."""
