"""Scale-out mode: jobs travel through Amazon SQS from the Slack front process to worker processes.

The front process only acknowledges; its :class:`QueueFront` posts the status message and calls
:meth:`SqsJobQueue.submit`. ``python -m bot worker`` runs :meth:`SqsWorker.run`, and a Lambda
worker calls :meth:`SqsWorker.process_one` per record.

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
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.core.errors import BotError
from services.core.job import Job
from services.jobs.tasks import BackgroundTasks
from services.slack.notifier import SlackNotifier
from services.storage.job_store import JobStore

logger = logging.getLogger(__name__)

# ReceiveMessage returns at most 10 messages per call.
MAX_BATCH = 10
# SQS allows long polls of up to 20 seconds.
MAX_WAIT_SECONDS = 20


@dataclass(frozen=True)
class Delivery:
    """One received message that holds a job, and what is needed to settle it."""

    job: Job
    receipt_handle: str
    receive_count: int
    message_id: str


def _parse(body: str, message_id: str) -> Job | None:
    """The job in a message body, or ``None`` (logged without the body: it holds the user's text)."""
    try:
        return Job.model_validate_json(body)
    except ValidationError as exc:
        # Only where and why: pydantic's own message would quote the input.
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        first = errors[0] if errors else {"type": "?", "loc": ()}
        where = ".".join(str(part) for part in first["loc"]) or "<body>"
        logger.error(
            "SQS message %s: not a job (%d error(s), first %s at %s); dropping it",
            message_id,
            len(errors),
            first["type"],
            where,
        )
        return None


class SqsJobQueue:
    """Jobs as JSON messages on an SQS queue (standard or FIFO)."""

    def __init__(self, client: Any, queue_url: str, *, visibility_timeout: int = 120) -> None:
        if not 1 <= visibility_timeout <= 43_200:
            raise ValueError("visibility_timeout must be between 1 and 43200 seconds")
        self._client = client
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self.fifo = queue_url.endswith(".fifo")

    def submit(self, job: Job) -> None:
        """Send ``job`` to the queue."""
        params: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MessageBody": job.model_dump_json(),
            "MessageAttributes": {"job_id": {"DataType": "String", "StringValue": job.job_id}},
        }
        if self.fifo:
            # One group per user: a user's jobs run in order while other users' jobs run in parallel.
            params["MessageGroupId"] = job.slack.user_id if job.slack else "cli"
            # A job sent twice (e.g. a retried request) within SQS's 5-minute window is queued once.
            params["MessageDeduplicationId"] = job.job_id
        response = self._client.send_message(**params)
        logger.info("job %s: queued in SQS as message %s", job.job_id, response.get("MessageId"))

    def receive(self, max_messages: int = 1, wait_seconds: int = MAX_WAIT_SECONDS) -> list[Delivery]:
        """Long-poll for up to ``max_messages`` jobs; malformed messages are deleted, not returned."""
        response = self._client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(max_messages, MAX_BATCH)),
            WaitTimeSeconds=max(0, min(wait_seconds, MAX_WAIT_SECONDS)),
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["job_id"],
        )
        deliveries: list[Delivery] = []
        for message in response.get("Messages", []):
            message_id = str(message.get("MessageId", "?"))
            receipt_handle = str(message["ReceiptHandle"])
            job = _parse(message.get("Body", ""), message_id)
            if job is None:
                # A body that does not parse never will: retrying it would only fill the DLQ.
                try:
                    self._client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle)
                except Exception:
                    logger.exception("SQS message %s: could not delete it", message_id)
                continue
            count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            deliveries.append(Delivery(job, receipt_handle, count, message_id))
        return deliveries

    def extend(self, delivery: Delivery, seconds: int) -> None:
        """Keep ``delivery`` hidden from other workers for ``seconds`` from now."""
        self._client.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=delivery.receipt_handle, VisibilityTimeout=seconds
        )

    def delete(self, delivery: Delivery) -> None:
        """Remove a settled job from the queue."""
        self._client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=delivery.receipt_handle)

    def release(self, delivery: Delivery) -> None:
        """Make ``delivery`` visible again now, so any worker can retry it."""
        self.extend(delivery, 0)


class QueueFront:
    """The front in scale-out mode: post the status message, then hand the job to SQS."""

    def __init__(
        self,
        queue: SqsJobQueue,
        notifier: SlackNotifier,
        store: JobStore | None = None,
        *,
        inline: bool = False,
    ) -> None:
        self._queue = queue
        self._notifier = notifier
        self._store = store
        # Lambda freezes after the response, so there the hand-off happens before the ack.
        self._tasks = BackgroundTasks(inline=inline)

    def submit(self, job: Job) -> None:
        """Announce and enqueue ``job`` (in the background unless inline)."""
        self._tasks.submit(f"enqueue {job.job_id}", lambda: self._send(job))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every accepted job is on the queue; False on timeout."""
        return self._tasks.wait_idle(timeout)

    def _send(self, job: Job) -> None:
        try:
            if not self._notifier.open_thread(job, 0):
                if self._store is not None:
                    self._store.finish(job.job_id, "interrupted")
                return
            self._queue.submit(job)
        except Exception:
            logger.exception("job %s: could not be queued", job.job_id)
            if self._store is not None:
                self._store.finish(job.job_id, "failed")
            self._notifier.tell_failure(job, BotError("internal"))

    def close(self) -> None:
        """Finish the hand-offs in progress."""
        self._tasks.shutdown()


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
    ) -> None:
        if workers < 1 or max_receives < 1:
            raise ValueError("workers and max_receives must be at least 1")
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
        job = _parse(record.get("body", ""), message_id)
        if job is None:
            return  # returning deletes it, as the long-running worker does
        count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        if count > self._max_receives:
            logger.warning("job %s: received %d times without an outcome; giving up", job.job_id, count)
            self._tell_give_up(job)
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
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

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
