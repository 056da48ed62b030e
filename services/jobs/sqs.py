"""Scale-out mode: jobs travel through Amazon SQS from the Slack front process to worker processes.

The front process only acknowledges; its ``QueueFront`` (``front``) posts the status message and
calls ``SqsJobQueue.submit`` (``sqs_queue``). ``python -m bot worker`` runs :meth:`SqsWorker.run`,
and a Lambda worker calls :meth:`SqsWorker.process_one` per record.

Giving up, and who tells the user
---------------------------------
SQS delivers at least once, and a failed job comes back until someone deletes it. The worker, not
the queue's redrive policy, decides when to stop: on the ``max_receives``-th failed attempt it calls
``on_give_up(job)`` (the caller tells the user) and then deletes the message, so it never reaches the
dead-letter queue. The redrive policy is only a safety net and must allow more receives than the
worker does (``maxReceiveCount`` >= ``max_receives + 1``; +2 gives a failing ``on_give_up`` one more
try): a message that comes back *more* than ``max_receives`` times (the worker died during the last
attempt, or ``on_give_up`` raised) is given up on at once, without processing it again. Only a
message whose give-up keeps failing ends in the DLQ, and nobody has told that user.
Telling comes before deleting, so a delete that fails after the user was told can tell them twice;
deleting first would instead risk telling them never.

``process`` should raise only for failures worth retrying, and must not tell the user when it
raises: the worker either retries or calls ``on_give_up``.

Taking turns
------------
A worker that receives a job of a user who already runs ``max_running_per_user`` jobs (counted
in the job store across workers, and this worker's own) defers it: it sends the job again with a
short, jittered ``DelaySeconds`` and deletes the message it received, so other users' jobs take
the free worker and this one comes back later. Not ChangeMessageVisibility on the same message:
each receive of it would count towards ``max_receives`` and the redrive policy, and a user's
twentieth job, deferred again and again while their first ones run, would be given up or
dead-lettered without ever failing. A crash between the send and the delete leaves two copies,
which the job store's posted marker makes post once. Workers that receive a user's jobs in the
same instant can each pass the check, so the cap may be exceeded briefly; the next delivery finds
them running. A FIFO queue is not deferred on: its message groups (one per user) already hand a
worker one job of a user at a time.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from services.core.job import Job
from services.jobs.sqs_queue import MAX_DELAY_SECONDS, MAX_WAIT_SECONDS, Delivery, SqsJobQueue, parse_job

logger = logging.getLogger(__name__)


class RunningJobs(Protocol):
    """Counts a user's jobs running on any worker (the job store does)."""

    def running_for(self, user_id: str) -> int:
        """How many of the user's jobs a worker has started and not finished."""


class SqsWorker:
    """Takes jobs from an :class:`SqsJobQueue` and runs them on a pool of threads."""

    def __init__(
        self,
        queue: SqsJobQueue,
        process: Callable[[Job], None],
        *,
        workers: int = 4,
        max_receives: int = 3,
        on_give_up: Callable[[Job], None] | None = None,
        heartbeat_seconds: float = 30,
        wait_seconds: int = MAX_WAIT_SECONDS,
        retry_pause: float = 5,
        running: RunningJobs | None = None,
        max_running_per_user: int | None = None,
        defer_seconds: float = 5,
        rng: random.Random | None = None,
    ) -> None:
        if workers < 1 or max_receives < 1:
            raise ValueError("workers and max_receives must be at least 1")
        if max_running_per_user is not None and max_running_per_user < 1:
            raise ValueError("max_running_per_user must be at least 1")
        if not 1 <= defer_seconds <= MAX_DELAY_SECONDS / 1.5:
            raise ValueError("defer_seconds must be between 1 and 600")
        # A heartbeat slower than the visibility timeout lets a running job reappear for another worker.
        if not 0 < heartbeat_seconds < queue.visibility_timeout:
            raise ValueError("heartbeat_seconds must be positive and below the queue's visibility timeout")
        self._queue = queue
        self._process = process
        self._workers = workers
        self._max_receives = max_receives
        self._on_give_up = on_give_up
        self._heartbeat_seconds = heartbeat_seconds
        # Also bounds how long run() takes to notice ``stop`` while the queue is empty.
        self._wait_seconds = wait_seconds
        self._retry_pause = retry_pause
        self._running = 0
        self._changed = threading.Condition()
        self._running_jobs = running
        # FIFO message groups (one per user) already hand out one job of a user at a time.
        self._cap = None if queue.fifo else max_running_per_user
        self._defer_seconds = defer_seconds
        self._rng = rng or random.Random()
        self._mine: Counter[str] = Counter()  # this worker's jobs per user, claimed or running
        self._claims = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        """Process jobs until ``stop`` is set; then let running jobs finish and return."""
        logger.info("SQS worker started: %d threads, queue %s", self._workers, self._queue.queue_url)
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="sqs-job") as pool:
            while not stop.is_set():
                free = self._free_slots()
                if free == 0:
                    continue
                try:
                    deliveries = self._queue.receive(free, self._wait_seconds)
                except Exception:
                    logger.exception("could not receive from SQS; retrying in %.0f s", self._retry_pause)
                    stop.wait(self._retry_pause)
                    continue
                for delivery in deliveries:
                    if stop.is_set():
                        # Received during the last poll after stop: hand it straight to another worker.
                        self._settle(delivery, self._queue.release, "released (shutting down)")
                        continue
                    with self._changed:
                        self._running += 1
                    pool.submit(self._handle, delivery)
            logger.info("SQS worker stopping: waiting for %d running job(s)", self._running)
        logger.info("SQS worker stopped")

    def process_one(self, record: Mapping[str, Any]) -> None:
        """Process one SQS event record (Lambda); raises to have Lambda redeliver it."""
        message_id = str(record.get("messageId", "?"))
        job = parse_job(record.get("body", ""), message_id)
        if job is None:
            return  # returning deletes it, as the long-running worker does
        count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        if count > self._max_receives:
            logger.warning("job %s: received %d times without an outcome; giving up", job.job_id, count)
            self._tell_give_up(job)
            return
        if not self._claim(job):
            # Returning deletes the message; the copy comes back after the delay.
            seconds = self._deferral()
            self._queue.submit(job, delay_seconds=seconds)
            logger.info("job %s: deferred %d s", job.job_id, seconds)
            return
        logger.info("job %s: started from SQS message %s (receive %d)", job.job_id, message_id, count)
        try:
            self._process(job)
        except Exception:
            if count < self._max_receives:
                logger.exception("job %s: attempt %d failed; SQS will redeliver it", job.job_id, count)
                raise
            logger.exception("job %s: attempt %d failed; giving up", job.job_id, count)
            self._tell_give_up(job)
        else:
            logger.info("job %s: done", job.job_id)
        finally:
            self._unclaim(job)

    def _free_slots(self) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self._running < self._workers, timeout=0.5)
            return self._workers - self._running

    def _handle(self, delivery: Delivery) -> None:
        job = delivery.job
        try:
            if delivery.receive_count > self._max_receives:
                logger.warning(
                    "job %s: received %d times without an outcome; giving up",
                    job.job_id,
                    delivery.receive_count,
                )
                self._give_up(delivery)
                return
            if not self._claim(job):
                seconds = self._deferral()
                self._settle(delivery, lambda d: self._queue.defer(d, seconds), f"deferred {seconds} s")
                return
            try:
                self._run(delivery)
            finally:
                self._unclaim(job)
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def _run(self, delivery: Delivery) -> None:
        job = delivery.job
        logger.info(
            "job %s: started from SQS message %s (receive %d)",
            job.job_id,
            delivery.message_id,
            delivery.receive_count,
        )
        with self._heartbeat(delivery):
            try:
                self._process(job)
            except Exception:
                failed = True
                logger.exception("job %s: attempt %d failed", job.job_id, delivery.receive_count)
            else:
                failed = False
        if not failed:
            self._settle(delivery, self._queue.delete, "done")
        elif delivery.receive_count >= self._max_receives:
            self._give_up(delivery)
        else:
            self._settle(delivery, self._queue.release, "released for a retry")

    def _capped(self, job: Job) -> str | None:
        """The user whose running slots the job takes, or None when no cap applies to it."""
        return job.slack.user_id if self._cap is not None and job.slack else None

    def _claim(self, job: Job) -> bool:
        """Take one of the job's user's running slots; False when the user already runs the cap."""
        user = self._capped(job)
        if user is None or self._cap is None:
            return True
        with self._claims:
            # This worker's own jobs count from the moment they are claimed: the store sees them
            # only once the processor starts them, and one receive can hold several of a user's.
            running = self._mine[user]
            if running < self._cap and self._running_jobs is not None:
                try:
                    running = max(running, self._running_jobs.running_for(user))
                except Exception:
                    # Fairness is not worth a stalled job: run it on this worker's count alone.
                    logger.exception("job %s: could not count its user's running jobs", job.job_id)
            if running >= self._cap:
                logger.info("job %s: its user already runs %d job(s); deferring it", job.job_id, running)
                return False
            self._mine[user] += 1
            return True

    def _unclaim(self, job: Job) -> None:
        user = self._capped(job)
        if user is not None:
            with self._claims:
                self._mine[user] -= 1
                if not self._mine[user]:
                    del self._mine[user]

    def _deferral(self) -> int:
        """Seconds until a deferred job comes back: jittered, so a user's deferred jobs spread out."""
        seconds = round(self._defer_seconds * self._rng.uniform(0.5, 1.5))
        return max(1, min(seconds, MAX_DELAY_SECONDS))

    def _give_up(self, delivery: Delivery) -> None:
        try:
            self._tell_give_up(delivery.job)
        except Exception:
            # Not deleted: it comes back above max_receives and the give-up is tried again (or the
            # redrive policy moves it to the DLQ).
            self._settle(delivery, self._queue.release, "released: the give-up failed")
            return
        self._settle(delivery, self._queue.delete, "given up")

    def _tell_give_up(self, job: Job) -> None:
        if self._on_give_up is None:
            logger.error("job %s: giving up with nobody to tell", job.job_id)
            return
        try:
            self._on_give_up(job)
        except Exception:
            logger.exception("job %s: could not tell the user the job was given up", job.job_id)
            raise

    def _settle(self, delivery: Delivery, action: Callable[[Delivery], None], what: str) -> None:
        try:
            action(delivery)
        except Exception:
            # The message reappears after its visibility timeout; receive counts keep that bounded.
            logger.exception("job %s: could not settle SQS message (%s)", delivery.job.job_id, what)
        else:
            logger.info("job %s: %s", delivery.job.job_id, what)

    @contextlib.contextmanager
    def _heartbeat(self, delivery: Delivery) -> Iterator[None]:
        done = threading.Event()

        def beat() -> None:
            # SQS caps a message's total invisibility at 12 hours from its receipt; past that the
            # extension fails, is logged, and the job may run twice.
            while not done.wait(self._heartbeat_seconds):
                try:
                    self._queue.extend(delivery, self._queue.visibility_timeout)
                except Exception:
                    logger.exception("job %s: could not extend its SQS visibility", delivery.job.job_id)

        thread = threading.Thread(target=beat, name=f"heartbeat-{delivery.job.job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
