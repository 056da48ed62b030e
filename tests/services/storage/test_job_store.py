"""The durable job store (services/storage/job_store/): SQLite files, :memory:, and DynamoDB on moto."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.core.job import Checkpoint, GenerationOptions, Job, JobRecord, SlackContext
from services.storage.job_store import (
    SCHEMA_VERSION,
    DynamoJobStore,
    JobNotFound,
    JobStore,
    SqliteJobStore,
    StoredJob,
)
from services.storage.state import StateSchemaError
from tests.conftest import DynamoTable

START = datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC)
RACERS = 16


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _job(suffix: str = "0123abcd", text: str = "夕焼けの海と猫", user: str | None = None) -> Job:
    slack = SlackContext(team_id="T1", channel_id="C1", user_id=user) if user else None
    return Job(job_id=f"20261121T093015-{suffix}", text=text, created_at=START, slack=slack)


def _checkpoint(job: Job, stage: str = "translated") -> Checkpoint:
    record = JobRecord(
        job_id=job.job_id,
        trigger="command",
        created_at=START,
        original_text=job.text,
        english_prompt="a cat by a sunset sea",
        model_id="amazon.nova-canvas-v1:0",
        width=1024,
        height=1024,
    )
    return Checkpoint.model_validate({"stage": stage, "record": record})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[JobStore]:
    opened: JobStore
    if request.param == "dynamodb":
        client, table = request.getfixturevalue("job_table")
        opened = DynamoJobStore(client, table, clock=clock)
    else:
        path = tmp_path / "jobs.sqlite3" if request.param == "sqlite-file" else ":memory:"
        opened = SqliteJobStore(path, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def open_file(tmp_path: Path, clock: Clock) -> Iterator[Callable[[], SqliteJobStore]]:
    """Open (and later close) stores on one file, as separate processes would."""
    opened: list[SqliteJobStore] = []

    def _open() -> SqliteJobStore:
        job_store = SqliteJobStore(tmp_path / "data" / "jobs.sqlite3", clock=clock)
        opened.append(job_store)
        return job_store

    yield _open
    for job_store in opened:
        job_store.close()


def _race(claimers: list[Callable[[str], bool]], job_id: str) -> list[bool]:
    """Call every claimer at once (released together by a barrier); their answers in order."""
    barrier = threading.Barrier(len(claimers))

    def _claim(claim: Callable[[str], bool]) -> bool:
        barrier.wait(timeout=10)
        return claim(job_id)

    with ThreadPoolExecutor(max_workers=len(claimers)) as pool:
        return list(pool.map(_claim, claimers))


def test_accept_records_a_queued_job(store: JobStore) -> None:
    job = _job()

    store.accept(job)

    assert store.get(job.job_id) == StoredJob(
        job=job, stage="queued", attempts=0, updated_at=START, posted=False
    )
    assert store.get("20261121T093015-ffffffff") is None


def test_a_second_accept_of_the_same_id_changes_nothing(store: JobStore, clock: Clock) -> None:
    store.accept(_job(text="最初の依頼"))
    assert store.start("20261121T093015-0123abcd").attempts == 1
    clock.advance(minutes=5)

    store.accept(_job(text="重複した依頼"))

    stored = store.get("20261121T093015-0123abcd")
    assert stored is not None
    assert stored.job.text == "最初の依頼"
    assert (stored.stage, stored.attempts, stored.updated_at, stored.posted) == ("running", 1, START, False)


def test_start_counts_attempts_and_marks_the_job_running(store: JobStore, clock: Clock) -> None:
    job = _job()
    store.accept(job)

    assert [store.start(job.job_id).attempts for _ in range(3)] == [1, 2, 3]
    clock.advance(seconds=90)
    assert store.start(job.job_id).attempts == 4

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.attempts, stored.updated_at) == ("running", 4, START + timedelta(seconds=90))


def test_advance_then_finish_records_each_stage(store: JobStore, clock: Clock) -> None:
    job = _job()
    store.accept(job)
    store.start(job.job_id)
    clock.advance(seconds=20)
    store.advance(job.job_id, "generated")

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.updated_at, stored.posted) == (
        "generated",
        START + timedelta(seconds=20),
        False,
    )

    clock.advance(seconds=5)
    store.finish(job.job_id, "failed")

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.attempts, stored.updated_at, stored.posted) == (
        "failed",
        1,
        START + timedelta(seconds=25),
        False,
    )
    assert store.unfinished() == []


def test_finish_interrupted_leaves_the_job_unposted(store: JobStore) -> None:
    job = _job()
    store.accept(job)
    store.start(job.job_id)

    store.finish(job.job_id, "interrupted")

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.posted) == ("interrupted", False)
    assert store.unfinished() == []


def test_finish_posted_sets_the_marker(store: JobStore) -> None:
    job = _job()
    store.accept(job)

    store.finish(job.job_id, "posted")

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.posted) == ("posted", True)
    assert store.claim_post(job.job_id) is False


def test_stages_go_through_the_right_method(store: JobStore) -> None:
    job = _job()
    store.accept(job)

    for final in ("posted", "failed", "interrupted"):
        with pytest.raises(ValueError, match="advance takes"):
            store.advance(job.job_id, final)  # type: ignore[arg-type]
    for unfinished in ("queued", "running", "generated"):
        with pytest.raises(ValueError, match="finish takes"):
            store.finish(job.job_id, unfinished)  # type: ignore[arg-type]

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.posted) == ("queued", False)


def test_an_unknown_job_is_refused_and_never_created(store: JobStore) -> None:
    missing = "20261121T093015-deadbeef"

    with pytest.raises(JobNotFound, match=missing):
        store.start(missing)
    with pytest.raises(JobNotFound):
        store.advance(missing, "generated")
    with pytest.raises(JobNotFound):
        store.claim_post(missing)
    with pytest.raises(JobNotFound):
        store.finish(missing, "posted")
    with pytest.raises(JobNotFound):
        store.finish(missing, "failed")

    assert store.get(missing) is None
    assert store.unfinished() == []


def test_claim_post_is_true_once_then_the_job_stays_posted(store: JobStore, clock: Clock) -> None:
    job = _job()
    store.accept(job)
    store.start(job.job_id)
    store.advance(job.job_id, "generated")
    clock.advance(seconds=30)

    assert store.claim_post(job.job_id) is True
    assert store.claim_post(job.job_id) is False

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.posted, stored.updated_at) == ("posted", True, START + timedelta(seconds=30))

    # A redelivered message or a late worker cannot make a posted job unposted or unfinished again.
    assert store.start(job.job_id).attempts == 2
    store.advance(job.job_id, "generated")
    store.finish(job.job_id, "failed")
    store.finish(job.job_id, "interrupted")
    store.finish(job.job_id, "posted")

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.stage, stored.attempts, stored.posted) == ("posted", 2, True)
    assert store.claim_post(job.job_id) is False
    assert store.unfinished() == []


def test_claim_post_is_true_for_exactly_one_of_16_racing_threads(store: JobStore) -> None:
    jobs = [_job(f"0000000{n}") for n in range(3)]
    for job in jobs:
        store.accept(job)
        store.start(job.job_id)

    for job in jobs:
        results = _race([store.claim_post] * RACERS, job.job_id)
        assert results.count(True) == 1, results
        assert results.count(False) == RACERS - 1

    for job in jobs:
        stored = store.get(job.job_id)
        assert stored is not None
        assert (stored.stage, stored.posted) == ("posted", True)


def test_claim_post_is_exclusive_across_two_stores_on_one_file(
    open_file: Callable[[], SqliteJobStore],
) -> None:
    first, second = open_file(), open_file()
    jobs = [_job(f"0000000{n}") for n in range(3)]
    for job in jobs:
        first.accept(job)

    for job in jobs:
        # Alternate the stores: each has its own connection, as two processes would.
        claimers = [(first if n % 2 else second).claim_post for n in range(RACERS)]
        results = _race(claimers, job.job_id)
        assert results.count(True) == 1, results

    for job in jobs:
        for job_store in (first, second):
            stored = job_store.get(job.job_id)
            assert stored is not None
            assert (stored.stage, stored.posted) == ("posted", True)


def test_unfinished_lists_open_jobs_oldest_first(store: JobStore, clock: Clock) -> None:
    queued_first = _job("0000000a")
    started_late = _job("0000000b")
    generated = _job("0000000c")
    failed = _job("0000000d")
    posted = _job("0000000e")
    queued_last = _job("0000000f")
    for job in (queued_first, started_late, generated, failed, posted):
        store.accept(job)
        clock.advance(minutes=1)
    store.start(generated.job_id)
    store.advance(generated.job_id, "generated")  # updated at +5
    clock.advance(minutes=1)
    store.start(failed.job_id)
    store.finish(failed.job_id, "failed")  # +6
    store.claim_post(posted.job_id)  # +6
    clock.advance(minutes=1)
    store.start(started_late.job_id)  # +7
    clock.advance(minutes=1)
    store.accept(queued_last)  # +8
    clock.advance(minutes=2)  # now +10

    every = store.unfinished()
    assert [(s.job.job_id, s.stage, s.attempts) for s in every] == [
        (queued_first.job_id, "queued", 0),
        (generated.job_id, "generated", 1),
        (started_late.job_id, "running", 1),
        (queued_last.job_id, "queued", 0),
    ]
    assert [s.updated_at for s in every] == [START + timedelta(minutes=m) for m in (0, 5, 7, 8)]

    # Not updated for 3 minutes or more: updated at or before +7.
    assert [s.job.job_id for s in store.unfinished(older_than=timedelta(minutes=3))] == [
        queued_first.job_id,
        generated.job_id,
        started_late.job_id,
    ]
    assert [s.job.job_id for s in store.unfinished(older_than=timedelta(minutes=6))] == [queued_first.job_id]
    assert store.unfinished(older_than=timedelta(minutes=11)) == []


def test_a_job_with_options_and_slack_context_round_trips(store: JobStore) -> None:
    job = Job(
        job_id="20261121T093015-89abcdef",
        text="桜の下で本を読む柴犬、水彩画",
        english_prompt="a shiba inu reading a book under cherry blossoms, watercolor",
        requirements=["shiba inu", "cherry blossoms", "book"],
        options=GenerationOptions(
            seed=4_294_967_295,
            cfg_scale=7.5,
            width=1152,
            height=896,
            negative="人物",
            style="watercolor",
            model="titan",
            candidates=4,
            preset="poster",
        ),
        trigger="variation",
        parent_job_id="20261120T235959-00000001",
        source_image_key="jobs/2026/11/20/20261120T235959-00000001/r0-a02.png",
        source_attempt=2,
        instruction="もっと明るく",
        negative_terms=["people", "text"],
        lang="en",
        slack=SlackContext(
            team_id="T0TEAM",
            channel_id="C0CHAN",
            user_id="U0USER",
            thread_ts="1763717415.000100",
            status_ts="1763717416.000200",
            response_url="https://hooks.slack.com/commands/T0TEAM/1/abc",
        ),
        created_at=datetime(2026, 11, 21, 9, 30, 15, 123456, tzinfo=UTC),
    )

    store.accept(job)

    stored = store.get(job.job_id)
    assert stored is not None
    assert stored.job == job
    assert stored.job.model_dump() == job.model_dump()
    assert stored.job.slack == job.slack
    assert stored.job.options.seed == 4_294_967_295
    assert stored.job.created_at == datetime(2026, 11, 21, 9, 30, 15, 123456, tzinfo=UTC)
    [listed] = store.unfinished()
    assert listed.job == job


def test_prune_deletes_jobs_not_updated_for_the_age(store: JobStore, clock: Clock) -> None:
    old_posted, old_queued, recent = _job("0000000a"), _job("0000000b"), _job("0000000c")
    store.accept(old_posted)
    store.claim_post(old_posted.job_id)
    store.accept(old_queued)
    clock.advance(days=10)
    store.accept(recent)
    clock.advance(days=25)  # now +35 days: the first two are 35 days old, the last 25

    assert store.prune(timedelta(days=30)) == 2

    assert store.get(old_posted.job_id) is None
    assert store.get(old_queued.job_id) is None
    assert store.get(recent.job_id) is not None
    assert [s.job.job_id for s in store.unfinished()] == [recent.job_id]
    assert store.prune(timedelta(days=30)) == 0
    assert store.prune(timedelta(0)) == 1
    assert store.unfinished() == []


def test_a_reopened_file_still_lists_unfinished_jobs(
    open_file: Callable[[], SqliteJobStore], clock: Clock
) -> None:
    before = open_file()
    queued, running, posted = _job("0000000a"), _job("0000000b"), _job("0000000c")
    for job in (queued, running, posted):
        before.accept(job)
    clock.advance(seconds=10)
    before.start(running.job_id)
    before.start(posted.job_id)
    before.claim_post(posted.job_id)
    before.close()

    after = open_file()
    assert after.unfinished() == [
        StoredJob(job=queued, stage="queued", attempts=0, updated_at=START, posted=False),
        StoredJob(
            job=running, stage="running", attempts=1, updated_at=START + timedelta(seconds=10), posted=False
        ),
    ]
    assert after.claim_post(posted.job_id) is False
    assert after.claim_post(running.job_id) is True


def test_the_file_uses_wal_and_records_the_schema_version(
    tmp_path: Path, open_file: Callable[[], SqliteJobStore]
) -> None:
    open_file()
    raw = sqlite3.connect(tmp_path / "data" / "jobs.sqlite3")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    finally:
        raw.close()


def test_a_file_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StateSchemaError, match="newer"):
        SqliteJobStore(path)


def test_dynamo_items_have_the_documented_shape(job_table: DynamoTable, clock: Clock) -> None:
    client, table = job_table
    job_store = DynamoJobStore(client, table, clock=clock)
    job = _job()
    job_store.accept(job)
    clock.advance(seconds=1.5)
    job_store.start(job.job_id)

    item = client.get_item(TableName=table, Key={"job_id": {"S": job.job_id}})["Item"]

    updated = START.timestamp() + 1.5
    assert item == {
        "job_id": {"S": job.job_id},
        "job": {"S": job.model_dump_json()},
        "stage": {"S": "running"},
        "attempts": {"N": "1"},
        "posted": {"BOOL": False},
        "updated_at": {"N": f"{updated:.6f}"},
        "expires_at": {"N": str(int(updated) + 30 * 24 * 3600)},
    }
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_dynamo_claim_post_treats_a_missing_marker_as_unposted(job_table: DynamoTable) -> None:
    client, table = job_table
    job_store = DynamoJobStore(client, table)
    job = _job()
    job_store.accept(job)
    # An item written without the marker (by hand, or an older writer) can still be claimed once.
    client.update_item(TableName=table, Key={"job_id": {"S": job.job_id}}, UpdateExpression="REMOVE posted")

    assert job_store.claim_post(job.job_id) is True
    assert job_store.claim_post(job.job_id) is False


def test_update_replaces_the_job_and_keeps_its_stage(store: JobStore, clock: Clock) -> None:
    job = _job(user="U1")
    store.accept(job)
    store.start(job.job_id)
    assert job.slack is not None
    job.slack.status_ts = "1700000000.000200"
    clock.advance(seconds=3)

    store.update(job)

    stored = store.get(job.job_id)
    assert stored is not None
    assert (stored.job, stored.stage, stored.attempts) == (job, "running", 1)
    assert stored.updated_at == START + timedelta(seconds=3)
    with pytest.raises(JobNotFound):
        store.update(_job("ffffffff"))


def test_a_checkpoint_is_kept_with_the_job_and_listed_when_unfinished(store: JobStore) -> None:
    job = _job()
    store.accept(job)
    store.start(job.job_id)

    store.checkpoint(job.job_id, _checkpoint(job))

    stored = store.get(job.job_id)
    assert stored is not None and stored.stage == "running"
    assert stored.checkpoint == _checkpoint(job)
    store.checkpoint(job.job_id, _checkpoint(job, "generated"))
    [unfinished] = store.unfinished()
    assert unfinished.stage == "generated"
    assert unfinished.checkpoint == _checkpoint(job, "generated")
    # A worker that starts the job again learns in the same call where it got to.
    restarted = store.start(job.job_id)
    assert (restarted.attempts, restarted.checkpoint) == (2, _checkpoint(job, "generated"))


def test_a_checkpoint_after_posting_changes_nothing(store: JobStore) -> None:
    job = _job()
    store.accept(job)
    assert store.claim_post(job.job_id)

    store.checkpoint(job.job_id, _checkpoint(job))

    stored = store.get(job.job_id)
    assert stored is not None and (stored.stage, stored.checkpoint) == ("posted", None)
    with pytest.raises(JobNotFound):
        store.checkpoint("20261121T093015-ffffffff", _checkpoint(job))


def test_active_for_counts_a_users_unfinished_jobs_only(store: JobStore, clock: Clock) -> None:
    queued, running, generated = (
        _job("00000001", user="U1"),
        _job("00000002", user="U1"),
        _job("00000003", user="U1"),
    )
    posted, failed, other = (
        _job("00000004", user="U1"),
        _job("00000005", user="U1"),
        _job("00000006", user="U2"),
    )
    for job in (queued, running, generated, posted, failed, other):
        store.accept(job)
    store.start(running.job_id)
    store.checkpoint(generated.job_id, _checkpoint(generated, "generated"))
    store.claim_post(posted.job_id)
    store.finish(failed.job_id, "failed")

    assert store.active_for("U1") == 3
    assert store.active_for("U2") == 1
    assert store.active_for("U3") == 0


def test_a_job_silent_for_longer_than_the_window_is_not_active(store: JobStore, clock: Clock) -> None:
    stuck, fresh = _job("00000001", user="U1"), _job("00000002", user="U1")
    store.accept(stuck)
    clock.advance(minutes=50)
    store.accept(fresh)
    clock.advance(minutes=11)

    assert store.active_for("U1") == 1
    assert store.active_for("U1", within=timedelta(hours=2)) == 2


def test_running_for_counts_only_a_users_started_unfinished_jobs(store: JobStore, clock: Clock) -> None:
    queued, running, generated, resumed = (_job(f"0000000{n}", user="U1") for n in range(1, 5))
    posted, failed, other = (_job(f"0000000{n}", user=u) for n, u in ((5, "U1"), (6, "U1"), (7, "U2")))
    for job in (queued, running, generated, resumed, posted, failed, other):
        store.accept(job)
    for job in (running, generated, resumed, posted, failed, other):
        store.start(job.job_id)
    store.checkpoint(generated.job_id, _checkpoint(generated, "generated"))
    store.checkpoint(resumed.job_id, _checkpoint(resumed))
    store.claim_post(posted.job_id)
    store.finish(failed.job_id, "failed")

    assert store.running_for("U1") == 3  # running, generated, and the one past its translation
    assert store.active_for("U1") == 4  # the queued one waits, and counts against the queue limit
    assert store.running_for("U2") == 1
    assert store.running_for("U3") == 0


def test_a_running_job_silent_longer_than_the_window_no_longer_runs(store: JobStore, clock: Clock) -> None:
    stuck, fresh, waited = (_job(f"0000000{n}", user="U1") for n in range(1, 4))
    for job in (stuck, fresh, waited):
        store.accept(job)
    store.start(stuck.job_id)
    clock.advance(minutes=14)
    store.start(fresh.job_id)
    clock.advance(minutes=2)
    # Queued for 16 minutes, started just now: it runs, however long it waited.
    store.start(waited.job_id)

    assert store.running_for("U1") == 2
    assert store.running_for("U1", within=timedelta(minutes=20)) == 3


def test_dynamo_counts_the_running_jobs_of_a_user_with_more_than_a_batch_of_open_jobs(
    job_table: DynamoTable, clock: Clock
) -> None:
    client, table = job_table
    job_store = DynamoJobStore(client, table, clock=clock)
    jobs = [_job(f"{n:08x}", user="U1") for n in range(105)]
    for job in jobs:
        job_store.accept(job)
    for job in (jobs[0], jobs[99], jobs[104]):  # in the first and the second BatchGetItem
        job_store.start(job.job_id)

    assert job_store.running_for("U1") == 3
    assert job_store.active_for("U1") == 105


def test_a_version_1_file_is_migrated_and_its_jobs_count_for_their_users(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    job = _job(user="U1")
    raw = sqlite3.connect(path)
    raw.execute(
        "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, job TEXT NOT NULL, stage TEXT NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0, posted INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL)"
    )
    raw.execute(
        "INSERT INTO jobs VALUES (?, ?, 'running', 1, 0, ?)",
        (job.job_id, job.model_dump_json(), START.timestamp()),
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()

    migrated = SqliteJobStore(path, clock=Clock())
    try:
        assert migrated.active_for("U1") == 1
        stored = migrated.get(job.job_id)
        assert stored is not None and (stored.stage, stored.checkpoint) == ("running", None)
    finally:
        migrated.close()


def test_an_unreadable_checkpoint_means_starting_over(
    tmp_path: Path, open_file: Callable[[], SqliteJobStore]
) -> None:
    job_store = open_file()
    job = _job()
    job_store.accept(job)
    raw = sqlite3.connect(tmp_path / "data" / "jobs.sqlite3")
    raw.execute('UPDATE jobs SET checkpoint = \'{"stage": "painted"}\'')
    raw.commit()
    raw.close()

    stored = job_store.get(job.job_id)

    assert stored is not None and stored.checkpoint is None


def test_dynamo_lists_only_unfinished_jobs_in_the_user_index(job_table: DynamoTable, clock: Clock) -> None:
    client, table = job_table
    job_store = DynamoJobStore(client, table, clock=clock)
    running, posted, failed = (
        _job("00000001", user="U1"),
        _job("00000002", user="U1"),
        _job("00000003", user="U1"),
    )
    for job in (running, posted, failed, _job("00000004")):
        job_store.accept(job)
    job_store.claim_post(posted.job_id)
    job_store.finish(failed.job_id, "failed")

    items = client.scan(TableName=table, IndexName="open_by_user")["Items"]

    assert [item["job_id"]["S"] for item in items] == [running.job_id]
    assert items[0]["open_user"] == {"S": "U1"}
