"""Jobs as JSON messages on an Amazon SQS queue: sending, receiving and settling them.

The front process submits (``front.QueueFront``); worker processes receive and settle them
(``sqs.SqsWorker``, whose docstring says when a job is retried, deferred or given up).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.core.job import Job

logger = logging.getLogger(__name__)

# ReceiveMessage returns at most 10 messages per call.
MAX_BATCH = 10
# SQS allows long polls of up to 20 seconds.
MAX_WAIT_SECONDS = 20
# SQS delays a message by at most 15 minutes.
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class Delivery:
    """One received message that holds a job, and what is needed to settle it."""

    job: Job
    receipt_handle: str
    receive_count: int
    message_id: str


def parse_job(body: str, message_id: str) -> Job | None:
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

    def submit(self, job: Job, *, delay_seconds: int = 0) -> None:
        """Send ``job`` to the queue, to be received no sooner than ``delay_seconds`` from now."""
        params: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MessageBody": job.model_dump_json(),
            "MessageAttributes": {"job_id": {"DataType": "String", "StringValue": job.job_id}},
        }
        if delay_seconds:
            if self.fifo:
                raise ValueError("a FIFO queue delays the whole queue, not one message")
            params["DelaySeconds"] = max(0, min(delay_seconds, MAX_DELAY_SECONDS))
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
            job = parse_job(message.get("Body", ""), message_id)
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

    def defer(self, delivery: Delivery, seconds: int) -> None:
        """Queue the job again ``seconds`` from now, as a new message that no receive counted yet."""
        self.submit(delivery.job, delay_seconds=seconds)
        self.delete(delivery)
