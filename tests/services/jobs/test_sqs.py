"""The SQS job queue and its worker (services/jobs/sqs_queue.py, sqs.py), against moto's SQS over HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from services.core.job import GenerationOptions, Job, SlackContext
from services.jobs import SqsJobQueue, SqsWorker

MAX_RECEIVES = 3
SECRET_TEXT = "秘密のプロンプト"


@pytest.fixture
def sqs(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto's SQS over real HTTP, reset."""
    urllib.request.urlopen(urllib.request.Request(f"{_moto}/moto-api/reset", method="POST"), timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", _moto)
    return boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def dlq_url(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"])


@pytest.fixture
def queue_url(sqs: Any, dlq_url: str) -> str:
    """A standard queue whose redrive policy allows one receive more than the worker does."""
    attributes = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]
    dlq_arn = attributes["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES + 1)}
    response = sqs.create_queue(
        QueueName="jobs", Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(redrive)}
    )
    return str(response["QueueUrl"])


@pytest.fixture
def fifo_url(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"])


def make_job(text: str = "夕焼けの海辺を歩く猫", user: str | None = "U0USER") -> Job:
    return Job(
        text=text,
        slack=SlackContext(channel_id="C0CHAN", user_id=user) if user else None,
    )


def full_job() -> Job:
    """A job with every field away from its default."""
    return Job(
        job_id="20260301T101500-0a1b2c3d",
        text="桜の下で本を読む少女",
        english_prompt="a girl reading under cherry blossoms",
        requirements=["少女", "桜"],
        options=GenerationOptions(
            seed=1234,
            cfg_scale=7.5,
            width=1024,
            height=768,
            negative="人物",
            style="anime",
            model="nova",
            candidates=4,
            preset="poster",
        ),
        trigger="variation",
        parent_job_id="20260301T101000-deadbeef",
        source_image_key="images/2026/03/01/x.png",
        source_attempt=2,
        instruction="もっと明るく",
        negative_terms=["people"],
        lang="en",
        slack=SlackContext(
            team_id="T0TEAM",
            channel_id="C0CHAN",
            user_id="U0USER",
            thread_ts="1700000000.000100",
            status_ts="1700000000.000200",
            response_url="https://hooks.slack.test/commands/1",
        ),
        created_at=datetime(2026, 3, 1, 10, 15, 0, 123456, tzinfo=UTC),
    )


def counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def delayed(sqs: Any, url: str) -> int:
    """Messages of a queue sent with a delay that has not run out yet."""
    name = "ApproximateNumberOfMessagesDelayed"
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@contextmanager
def running(worker: SqsWorker) -> Iterator[threading.Event]:
    """``worker.run`` on a thread; stopped (and checked to have returned) on exit."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "run() did not return after stop"


# --- SqsJobQueue ---------------------------------------------------------------------------------


def test_a_job_round_trips_with_every_field(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    job = full_job()
    queue.submit(job)

    [delivery] = queue.receive(max_messages=10, wait_seconds=1)

    assert delivery.job == job
    assert delivery.job.model_dump() == job.model_dump()
    assert delivery.receive_count == 1
    assert delivery.message_id
    assert counts(sqs, queue_url) == (0, 1)

    queue.release(delivery)
    [again] = queue.receive(wait_seconds=1)
    assert again.receive_count == 2
    assert again.job.job_id == job.job_id

    queue.delete(again)
    assert counts(sqs, queue_url) == (0, 0)
    assert queue.receive(wait_seconds=0) == []


def test_the_message_carries_the_job_id_as_an_attribute(sqs: Any, queue_url: str) -> None:
    job = make_job()
    SqsJobQueue(sqs, queue_url).submit(job)

    [message] = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]

    assert message["MessageAttributes"]["job_id"] == {"DataType": "String", "StringValue": job.job_id}
    assert json.loads(message["Body"])["text"] == job.text


def test_extend_keeps_a_message_hidden_past_its_visibility_timeout(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=1)
    queue.submit(make_job())
    [delivery] = queue.receive(wait_seconds=1)

    queue.extend(delivery, 30)
    time.sleep(1.2)

    assert queue.receive(wait_seconds=0) == []
    assert counts(sqs, queue_url) == (0, 1)


def test_a_malformed_message_is_deleted_and_logged_without_its_body(
    sqs: Any, queue_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = SqsJobQueue(sqs, queue_url)
    sqs.send_message(QueueUrl=queue_url, MessageBody=f"not json {SECRET_TEXT}")
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"text": SECRET_TEXT, "trigger": "nope"}))
    good = make_job()
    queue.submit(good)

    with caplog.at_level(logging.INFO, logger="services.jobs.sqs_queue"):
        deliveries = queue.receive(max_messages=10, wait_seconds=1)

    assert [d.job.job_id for d in deliveries] == [good.job_id]
    assert counts(sqs, queue_url) == (0, 1)  # only the good one, in flight
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2
    assert any("json_invalid" in message for message in errors)
    assert any("literal_error at trigger" in message for message in errors)
    assert SECRET_TEXT not in caplog.text


def test_the_fifo_queue_groups_by_user_and_drops_a_repeated_job_id(sqs: Any, fifo_url: str) -> None:
    queue = SqsJobQueue(sqs, fifo_url)
    first, cli = make_job(), make_job("港の夜景", user=None)
    queue.submit(first)
    queue.submit(first)  # e.g. a retried request: same job id
    queue.submit(cli)

    response = sqs.receive_message(
        QueueUrl=fifo_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
    )

    messages = response["Messages"]
    assert [json.loads(m["Body"])["job_id"] for m in messages] == [first.job_id, cli.job_id]
    assert [m["Attributes"]["MessageGroupId"] for m in messages] == ["U0USER", "cli"]
    assert [m["Attributes"]["MessageDeduplicationId"] for m in messages] == [first.job_id, cli.job_id]


def test_only_a_standard_queue_delays_one_message(sqs: Any, queue_url: str, fifo_url: str) -> None:
    SqsJobQueue(sqs, queue_url).submit(make_job(), delay_seconds=30)

    assert delayed(sqs, queue_url) == 1
    with pytest.raises(ValueError, match="FIFO"):
        SqsJobQueue(sqs, fifo_url).submit(make_job(), delay_seconds=30)


# --- SqsWorker -----------------------------------------------------------------------------------


class Recorder:
    """A ``process`` that fails its first ``failures`` calls and records every call."""

    def __init__(
        self, failures: int = 0, seconds: float = 0, during: Callable[[], Any] | None = None
    ) -> None:
        self.failures = failures
        self.seconds = seconds
        self.during = during
        self.calls: list[str] = []
        self.succeeded: list[str] = []
        self.seen_during: list[Any] = []
        self.lock = threading.Lock()

    def __call__(self, job: Job) -> None:
        with self.lock:
            self.calls.append(job.job_id)
            failing = len(self.calls) <= self.failures
        time.sleep(self.seconds)
        if self.during is not None:
            self.seen_during.append(self.during())
        if failing:
            raise RuntimeError("Bedrock throttled")
        with self.lock:
            self.succeeded.append(job.job_id)


def test_a_job_that_fails_twice_is_retried_and_succeeds_once(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    process = Recorder(failures=2)
    given_up: list[Job] = []
    worker = SqsWorker(queue, process, workers=2, on_give_up=given_up.append, wait_seconds=1)
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: bool(process.succeeded))
        wait_until(lambda: counts(sqs, queue_url) == (0, 0))

    assert process.calls == [job.job_id] * 3
    assert process.succeeded == [job.job_id]
    assert given_up == []


def test_the_heartbeat_keeps_a_long_job_from_being_redelivered(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=2)

    def another_consumer() -> list[Any]:
        # After 3 s a 2 s visibility would have run out: without the heartbeat this gets the message.
        return list(sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages", []))

    process = Recorder(seconds=3, during=another_consumer)
    worker = SqsWorker(queue, process, workers=2, heartbeat_seconds=0.5, wait_seconds=1)
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: bool(process.succeeded), timeout=8)
        wait_until(lambda: counts(sqs, queue_url) == (0, 0))

    assert process.seen_during == [[]]
    assert process.calls == [job.job_id]


def test_after_max_receives_the_user_is_told_once_and_the_message_is_gone(
    sqs: Any, queue_url: str, dlq_url: str
) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    process = Recorder(failures=99)
    given_up: list[Job] = []
    worker = SqsWorker(queue, process, max_receives=MAX_RECEIVES, on_give_up=given_up.append, wait_seconds=1)
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: bool(given_up))
        wait_until(lambda: counts(sqs, queue_url) == (0, 0))
        time.sleep(1.2)  # a further poll would find a redelivery if there were one

    assert given_up == [job]
    assert process.calls == [job.job_id] * MAX_RECEIVES
    assert counts(sqs, dlq_url) == (0, 0)


def test_a_message_back_after_its_last_attempt_is_given_up_without_running(sqs: Any, queue_url: str) -> None:
    """A worker died during the last attempt: the next one tells the user instead of trying again."""
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    job = make_job()
    queue.submit(job)
    for _ in range(MAX_RECEIVES):
        [delivery] = queue.receive(wait_seconds=1)
        queue.release(delivery)
    process = Recorder()
    given_up: list[Job] = []
    worker = SqsWorker(queue, process, max_receives=MAX_RECEIVES, on_give_up=given_up.append, wait_seconds=1)

    with running(worker):
        wait_until(lambda: bool(given_up))
        wait_until(lambda: counts(sqs, queue_url) == (0, 0))

    assert given_up == [job]
    assert process.calls == []


def test_a_failing_give_up_is_retried_on_the_next_receive(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    tries: list[str] = []

    def flaky_tell(job: Job) -> None:
        tries.append(job.job_id)
        if len(tries) == 1:
            raise RuntimeError("Slack is down")

    process = Recorder(failures=99)
    worker = SqsWorker(queue, process, max_receives=1, on_give_up=flaky_tell, wait_seconds=1)
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: len(tries) == 2)
        wait_until(lambda: counts(sqs, queue_url) == (0, 0))

    assert tries == [job.job_id, job.job_id]
    assert process.calls == [job.job_id]  # the second receive only gave up


def test_stop_lets_running_jobs_finish_then_run_returns(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    started = threading.Event()
    finished: list[float] = []

    def slow(job: Job) -> None:
        started.set()
        time.sleep(1.5)
        finished.append(time.monotonic())

    # One thread: run() is not in a long poll, so it sees stop well before the job ends.
    worker = SqsWorker(queue, slow, workers=1, wait_seconds=1)
    queue.submit(make_job())
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    assert started.wait(5)

    stop.set()
    thread.join(10)
    returned = time.monotonic()

    assert not thread.is_alive()
    assert len(finished) == 1
    assert finished[0] <= returned
    assert counts(sqs, queue_url) == (0, 0)  # the finished job was deleted


def test_the_heartbeat_must_beat_faster_than_the_visibility_timeout(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    with pytest.raises(ValueError, match="heartbeat_seconds"):
        SqsWorker(queue, Recorder(), heartbeat_seconds=60)


# --- SqsWorker: taking turns --------------------------------------------------------------------


class Running:
    """What the job store says U0USER runs on all workers, set by the test; counts the questions."""

    def __init__(self, count: int = 0, *, broken: bool = False) -> None:
        self.count = count
        self.broken = broken
        self.asked = 0
        self._lock = threading.Lock()

    def running_for(self, user_id: str) -> int:
        with self._lock:
            self.asked += 1
            if self.broken:
                raise RuntimeError("DynamoDB is unreachable")
            return self.count if user_id == "U0USER" else 0


class Blocking:
    """A ``process`` whose jobs run until ``release`` is set; records the most running at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []
        self.most_at_once = 0
        self._running = 0
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> None:
        with self._lock:
            self.calls.append(job.job_id)
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        try:
            assert self.release.wait(10), "never released"
        finally:
            with self._lock:
                self._running -= 1


def test_a_job_of_a_user_at_the_cap_is_deferred_not_run_nor_refused(
    sqs: Any, queue_url: str, dlq_url: str
) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    process = Recorder()
    given_up: list[Job] = []
    store = Running(3)
    # One receive only: had deferral kept the same message, its second receive would give it up.
    worker = SqsWorker(
        queue,
        process,
        max_receives=1,
        on_give_up=given_up.append,
        wait_seconds=1,
        running=store,
        max_running_per_user=3,
        defer_seconds=1,
    )
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: store.asked >= 3)  # received and deferred three times
        assert process.calls == []
        store.count = 2  # one of the user's jobs ended
        wait_until(lambda: bool(process.succeeded))
        wait_until(lambda: counts(sqs, queue_url) == (0, 0) and delayed(sqs, queue_url) == 0)

    assert process.calls == [job.job_id]
    assert given_up == []
    assert counts(sqs, dlq_url) == (0, 0)


def test_one_receive_of_a_users_burst_starts_only_the_cap(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    process = Blocking()
    # No job store: the worker's own count of the jobs it took keeps the cap.
    worker = SqsWorker(queue, process, workers=4, wait_seconds=1, max_running_per_user=2, defer_seconds=1)
    jobs = [make_job(f"夕焼けの海 その{n}") for n in range(4)]
    other = make_job("港の夜景", user="U0OTHER")
    for job in jobs:
        queue.submit(job)

    with running(worker):
        wait_until(lambda: len(process.calls) == 2)
        wait_until(lambda: delayed(sqs, queue_url) >= 1)  # the others went back to the queue
        queue.submit(other)
        wait_until(lambda: other.job_id in process.calls)  # the third worker is another user's
        process.release.set()
        wait_until(lambda: len(process.calls) == 5)
        wait_until(lambda: counts(sqs, queue_url) == (0, 0) and delayed(sqs, queue_url) == 0)

    assert sorted(process.calls) == sorted(job.job_id for job in [*jobs, other])
    assert process.most_at_once == 3  # two of U0USER's, and U0OTHER's


def test_a_fifo_queue_is_not_deferred_on(sqs: Any, fifo_url: str) -> None:
    queue = SqsJobQueue(sqs, fifo_url, visibility_timeout=60)
    process = Recorder()
    store = Running(5)
    worker = SqsWorker(queue, process, wait_seconds=1, running=store, max_running_per_user=1)
    job = make_job()
    queue.submit(job)

    with running(worker):
        wait_until(lambda: bool(process.succeeded))

    # Its message group (one per user) already hands out one of the user's jobs at a time.
    assert process.calls == [job.job_id]
    assert store.asked == 0


# --- SqsWorker.process_one (Lambda) --------------------------------------------------------------


def lambda_record(job: Job | str, receive_count: int) -> dict[str, Any]:
    body = job if isinstance(job, str) else job.model_dump_json()
    return {"messageId": "m-1", "body": body, "attributes": {"ApproximateReceiveCount": str(receive_count)}}


@pytest.fixture
def lambda_worker() -> tuple[SqsWorker, Recorder, list[Job]]:
    # process_one never touches the queue; the client is never called.
    queue = SqsJobQueue(client=None, queue_url="https://sqs.test/123/jobs", visibility_timeout=60)
    process = Recorder(failures=1)
    given_up: list[Job] = []
    return SqsWorker(queue, process, max_receives=2, on_give_up=given_up.append), process, given_up


def test_process_one_raises_for_a_retry_then_succeeds(
    lambda_worker: tuple[SqsWorker, Recorder, list[Job]],
) -> None:
    worker, process, given_up = lambda_worker
    job = make_job()

    with pytest.raises(RuntimeError, match="throttled"):
        worker.process_one(lambda_record(job, 1))
    worker.process_one(lambda_record(job, 2))

    assert process.calls == [job.job_id, job.job_id]
    assert process.succeeded == [job.job_id]
    assert given_up == []


def test_process_one_gives_up_on_the_last_receive(
    lambda_worker: tuple[SqsWorker, Recorder, list[Job]],
) -> None:
    worker, process, given_up = lambda_worker
    job = make_job()

    worker.process_one(lambda_record(job, 2))  # fails, and it is the last try: returns
    worker.process_one(lambda_record(job, 3))  # a redelivery past the limit: not run again

    assert process.calls == [job.job_id]
    assert given_up == [job, job]


def test_process_one_drops_a_malformed_body(
    lambda_worker: tuple[SqsWorker, Recorder, list[Job]], caplog: pytest.LogCaptureFixture
) -> None:
    worker, process, given_up = lambda_worker

    worker.process_one(lambda_record(f"{{{SECRET_TEXT}", 1))

    assert process.calls == []
    assert given_up == []
    assert "m-1" in caplog.text
    assert SECRET_TEXT not in caplog.text


def test_process_one_defers_a_job_of_a_user_at_the_cap_as_a_new_message(sqs: Any, queue_url: str) -> None:
    queue = SqsJobQueue(sqs, queue_url, visibility_timeout=60)
    process = Recorder()
    worker = SqsWorker(queue, process, max_receives=1, running=Running(3), max_running_per_user=3)
    job = make_job()

    worker.process_one(lambda_record(job, 1))  # returns, so Lambda deletes the message it gave

    assert process.calls == []
    assert delayed(sqs, queue_url) == 1
    [again] = queue.receive(wait_seconds=20)  # once its delay has run out
    assert again.job == job
    assert again.receive_count == 1  # a new message: no receive of the old one counts


def test_process_one_runs_the_job_when_the_running_jobs_cannot_be_counted() -> None:
    queue = SqsJobQueue(client=None, queue_url="https://sqs.test/123/jobs", visibility_timeout=60)
    process = Recorder()
    store = Running(broken=True)
    worker = SqsWorker(queue, process, running=store, max_running_per_user=1)
    job = make_job()

    worker.process_one(lambda_record(job, 1))

    assert store.asked == 1
    assert process.calls == [job.job_id]
