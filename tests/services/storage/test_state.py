"""Bot state: SqliteState (real files and :memory:) and DynamoState (moto over HTTP), from many threads."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from services.core.people import RecentJob, UsageEntry, UserPrefs, UserUsage
from services.storage.state import (
    RECENT_KEPT_PER_USER,
    SCHEMA_VERSION,
    DynamoState,
    SqliteState,
    StateSchemaError,
    StateStore,
)
from tests.conftest import DynamoTable

START = datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _recent(job_id: str, attempt: int = 1, *, minutes: int = 0, text: str = "猫") -> RecentJob:
    return RecentJob(
        job_id=job_id,
        attempt=attempt,
        created_at=START + timedelta(minutes=minutes),
        text=text,
        english_prompt="a cat",
        seed=42,
        model_id="amazon.nova-canvas-v1:0",
        file_id="F123",
        channel_id="C1",
        thread_ts="1700000000.000100",
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state_table(dynamo_table: Callable[..., DynamoTable]) -> DynamoTable:
    """A fresh state table on moto's DynamoDB over HTTP, as services/storage/state/dynamodb.py says."""
    return dynamo_table("state", ["pk", "sk"])


@pytest.fixture(params=["file", "memory"])
def sqlite_store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[SqliteState]:
    path = tmp_path / "state.db" if request.param == "file" else ":memory:"
    state = SqliteState(path, clock=clock)
    yield state
    state.close()


@pytest.fixture
def dynamo_store(state_table: tuple[Any, str], clock: Clock) -> Iterator[DynamoState]:
    client, table = state_table
    state = DynamoState(client, table, clock=clock)
    yield state
    state.close()


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[StateStore]:
    """Every StateStore, for what they promise alike."""
    if request.param == "dynamodb":
        yield request.getfixturevalue("dynamo_store")
        return
    path = tmp_path / "state.db" if request.param == "sqlite-file" else ":memory:"
    state = SqliteState(path, clock=clock)
    yield state
    state.close()


@pytest.fixture
def open_file(tmp_path: Path, clock: Clock) -> Iterator[Callable[[], SqliteState]]:
    """Open (and later close) stores on one file, as separate processes would."""
    opened: list[SqliteState] = []

    def _open() -> SqliteState:
        state = SqliteState(tmp_path / "nested" / "dir" / "state.db", clock=clock)
        opened.append(state)
        return state

    yield _open
    for state in opened:
        state.close()


def test_every_store_is_a_state_store(store: StateStore) -> None:
    as_protocol: StateStore = store
    assert as_protocol.post_for_message("C1", "1.0") is None


def test_file_store_creates_its_folder_uses_wal_and_records_the_schema_version(
    tmp_path: Path, open_file: Callable[[], SqliteState]
) -> None:
    open_file()
    path = tmp_path / "nested" / "dir" / "state.db"
    assert path.is_file()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    finally:
        raw.close()


def test_reopened_file_keeps_everything(open_file: Callable[[], SqliteState]) -> None:
    first = open_file()
    first.remember_post("C1", "1700000000.000100", "20261121T093015-0123abcd", 2)
    first.remember_thread("C1", "1700000000.000001", "20261121T093015-0123abcd", 2)
    first.save_prefs("U1", UserPrefs(model="titan", size="16:9"))
    first.add_recent("U1", _recent("20261121T093015-0123abcd", 2))
    first.count_request("U1", "T1", "20261121T093015-0123abcd")
    first.close()

    second = open_file()
    assert second.post_for_message("C1", "1700000000.000100") == ("20261121T093015-0123abcd", 2)
    assert second.job_for_thread("C1", "1700000000.000001") == ("20261121T093015-0123abcd", 2)
    assert second.prefs("U1") == UserPrefs(model="titan", size="16:9")
    assert second.recent("U1") == [_recent("20261121T093015-0123abcd", 2)]
    assert second.requests_since(START, user_id="U1", team_id="T1") == 1


def test_a_file_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StateSchemaError, match="newer"):
        SqliteState(path)


def test_posts_are_found_by_channel_and_message(store: StateStore) -> None:
    store.remember_post("C1", "1700000000.000100", "job-a", 1)
    store.remember_post("C1", "1700000000.000200", "job-b", 3)

    assert store.post_for_message("C1", "1700000000.000100") == ("job-a", 1)
    assert store.post_for_message("C1", "1700000000.000200") == ("job-b", 3)
    assert store.post_for_message("C2", "1700000000.000100") is None
    assert store.post_for_message("C1", "1700000000.000300") is None


def test_a_message_updated_to_show_another_attempt_points_at_it(store: StateStore) -> None:
    store.remember_post("C1", "1700000000.000100", "job-a", 1)
    store.remember_post("C1", "1700000000.000100", "job-a", 4)

    assert store.post_for_message("C1", "1700000000.000100") == ("job-a", 4)


def test_a_newer_result_in_a_thread_replaces_the_older(store: StateStore) -> None:
    store.remember_thread("C1", "1700000000.000001", "job-a", 1)
    store.remember_thread("C1", "1700000000.000001", "job-b", 2)
    store.remember_thread("C2", "1700000000.000001", "job-c", 1)

    assert store.job_for_thread("C1", "1700000000.000001") == ("job-b", 2)
    assert store.job_for_thread("C2", "1700000000.000001") == ("job-c", 1)
    assert store.job_for_thread("C1", "1700000000.000002") is None


def test_prefs_are_empty_until_saved_and_round_trip_with_none_fields(store: StateStore) -> None:
    assert store.prefs("U1") == UserPrefs()

    store.save_prefs("U1", UserPrefs(model="nova", style=None, size="1024x1024", lang="en"))
    assert store.prefs("U1") == UserPrefs(model="nova", style=None, size="1024x1024", lang="en")
    assert store.prefs("U2") == UserPrefs()

    # Saving None clears a field back to the workspace default.
    store.save_prefs("U1", UserPrefs(style="anime"))
    saved = store.prefs("U1")
    assert saved == UserPrefs(style="anime")
    assert saved.model is None
    assert saved.lang is None


def test_prefs_a_newer_model_rejects_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteState(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO prefs (user_id, prefs, updated_at) VALUES (?, ?, ?)", ("U1", '{"lang": "fr"}', 0.0)
    )
    raw.commit()
    raw.close()

    state = SqliteState(path)
    try:
        assert state.prefs("U1") == UserPrefs()
    finally:
        state.close()


def test_recent_is_newest_first_and_limited(store: StateStore) -> None:
    for minutes, job_id in [(5, "job-b"), (1, "job-a"), (9, "job-d"), (7, "job-c")]:
        store.add_recent("U1", _recent(job_id, minutes=minutes))
    store.add_recent("U2", _recent("job-x", minutes=20))

    assert [item.job_id for item in store.recent("U1")] == ["job-d", "job-c", "job-b", "job-a"]
    assert [item.job_id for item in store.recent("U1", limit=2)] == ["job-d", "job-c"]
    assert store.recent("U1", limit=0) == []
    assert [item.job_id for item in store.recent("U2")] == ["job-x"]
    assert store.recent("U3") == []


def test_recent_results_created_in_the_same_instant_list_the_later_added_first(store: StateStore) -> None:
    store.add_recent("U1", _recent("job-a", 1))
    store.add_recent("U1", _recent("job-a", 2))
    store.add_recent("U1", _recent("job-a", 3))

    assert [item.attempt for item in store.recent("U1")] == [3, 2, 1]


def test_recent_same_job_and_attempt_replaces(store: StateStore) -> None:
    store.add_recent("U1", _recent("job-a", 1, minutes=1, text="古い"))
    store.add_recent("U1", _recent("job-b", 1, minutes=2))
    store.add_recent("U1", _recent("job-a", 1, minutes=1, text="新しい"))
    store.add_recent("U1", _recent("job-a", 2, minutes=1))

    items = store.recent("U1")
    assert [(item.job_id, item.attempt) for item in items] == [("job-b", 1), ("job-a", 2), ("job-a", 1)]
    assert items[2].text == "新しい"
    assert items[2] == _recent("job-a", 1, minutes=1, text="新しい")


def test_forget_recent_drops_every_attempt_of_the_job_for_every_user(store: StateStore) -> None:
    store.add_recent("U1", _recent("job-a", 1, minutes=1))
    store.add_recent("U1", _recent("job-a", 2, minutes=1))
    store.add_recent("U1", _recent("job-b", 1, minutes=2))
    store.add_recent("U2", _recent("job-a", 1, minutes=1))

    store.forget_recent("job-a")
    store.forget_recent("job-unknown")

    assert [(item.job_id, item.attempt) for item in store.recent("U1")] == [("job-b", 1)]
    assert store.recent("U2") == []


def test_count_request_is_idempotent_per_job(store: StateStore, clock: Clock) -> None:
    store.count_request("U1", "T1", "job-a")
    clock.advance(hours=1)
    store.count_request("U1", "T1", "job-a")  # a redelivered event or a retried worker
    store.count_request("U1", "T1", "job-b")

    assert store.requests_since(START, user_id="U1") == 2
    # The repeat kept the first count's time, so the request stays in the earlier window.
    assert store.requests_since(START + timedelta(minutes=30), user_id="U1") == 1


def test_requests_since_filters_by_user_and_workspace(store: StateStore, clock: Clock) -> None:
    store.count_request("U1", "T1", "job-1")
    store.count_request("U2", "T1", "job-2")
    clock.advance(hours=2)
    store.count_request("U1", "T1", "job-3")
    store.count_request("U1", "T2", "job-4")
    store.count_request("U3", None, "job-5")

    assert store.requests_since(START) == 5
    assert store.requests_since(START, user_id="U1") == 3
    assert store.requests_since(START, team_id="T1") == 3
    assert store.requests_since(START, user_id="U1", team_id="T1") == 2
    assert store.requests_since(START, user_id="U3") == 1
    assert store.requests_since(START, team_id="T9") == 0
    # The bound is inclusive; earlier rows drop out once it passes them.
    later = START + timedelta(hours=2)
    assert store.requests_since(later) == 3
    assert store.requests_since(later + timedelta(microseconds=1)) == 0
    assert store.requests_since(later, team_id="T1") == 1


@pytest.fixture
def tokyo_local_time() -> Iterator[None]:
    """The process's local time zone is Japan's, as on a server in Tokyo."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("tokyo_local_time")
def test_naive_datetimes_are_taken_as_utc_not_local_time(store: StateStore) -> None:
    store.count_request("U1", "T1", "job-a")

    assert store.requests_since(START.replace(tzinfo=None)) == 1
    assert store.requests_since(START.replace(tzinfo=None) + timedelta(seconds=1)) == 0


def test_prune_deletes_old_rows_only_and_counts_them(sqlite_store: SqliteState, clock: Clock) -> None:
    sqlite_store.remember_post("C1", "1.0", "job-old", 1)
    sqlite_store.remember_thread("C1", "1.0", "job-old", 1)
    sqlite_store.count_request("U1", "T1", "job-old")
    sqlite_store.save_prefs("U1", UserPrefs(style="anime"))
    sqlite_store.add_recent("U1", _recent("job-old", minutes=-60 * 24 * 30))
    clock.advance(days=2)
    sqlite_store.remember_post("C1", "2.0", "job-new", 1)
    sqlite_store.remember_thread("C1", "2.0", "job-new", 1)
    sqlite_store.count_request("U1", "T1", "job-new")
    clock.advance(days=1)

    assert sqlite_store.prune(timedelta(days=2)) == 3

    assert sqlite_store.post_for_message("C1", "1.0") is None
    assert sqlite_store.job_for_thread("C1", "1.0") is None
    assert sqlite_store.post_for_message("C1", "2.0") == ("job-new", 1)
    assert sqlite_store.job_for_thread("C1", "2.0") == ("job-new", 1)
    assert sqlite_store.requests_since(START) == 1
    assert sqlite_store.prefs("U1") == UserPrefs(style="anime")
    # Recent results are capped per user, not aged out.
    assert [item.job_id for item in sqlite_store.recent("U1")] == ["job-old"]
    assert sqlite_store.prune(timedelta(days=2)) == 0


def test_prune_keeps_rows_exactly_at_the_cutoff(sqlite_store: SqliteState, clock: Clock) -> None:
    sqlite_store.remember_post("C1", "1.0", "job-a", 1)
    clock.advance(days=2)

    assert sqlite_store.prune(timedelta(days=2)) == 0
    assert sqlite_store.post_for_message("C1", "1.0") == ("job-a", 1)
    assert sqlite_store.prune(timedelta(days=2) - timedelta(microseconds=1)) == 1
    assert sqlite_store.post_for_message("C1", "1.0") is None


def test_prune_keeps_the_newest_50_recent_results_per_user(sqlite_store: SqliteState) -> None:
    for minute in range(53):
        sqlite_store.add_recent("U1", _recent(f"job-{minute:02d}", minutes=minute))
    for minute in range(5):
        sqlite_store.add_recent("U2", _recent(f"other-{minute}", minutes=minute))

    assert sqlite_store.prune(timedelta(days=365)) == 3

    kept = sqlite_store.recent("U1", limit=100)
    assert len(kept) == 50
    assert kept[0].job_id == "job-52"
    assert kept[-1].job_id == "job-03"
    assert len(sqlite_store.recent("U2", limit=100)) == 5


def test_closed_store_refuses_use(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    state.close()
    with pytest.raises(sqlite3.ProgrammingError):
        state.prefs("U1")


def _hammer(state: StateStore, worker: int, rounds: int) -> None:
    for n in range(rounds):
        job_id = f"job-{worker}-{n}"
        state.count_request(f"U{worker}", "T1", job_id)
        state.count_request(f"U{worker}", "T1", job_id)
        state.remember_post("C1", f"{worker}.{n:06d}", job_id, n % 5 + 1)
        assert state.post_for_message("C1", f"{worker}.{n:06d}") == (job_id, n % 5 + 1)
        state.remember_thread("C1", f"thread-{worker}", job_id, 1)
        state.add_recent(f"U{worker}", _recent(job_id, minutes=n))
        assert state.requests_since(START, user_id=f"U{worker}") == n + 1


def _run_threads(targets: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def _guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=_guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_many_threads_share_one_store(store: StateStore) -> None:
    # Each DynamoDB round is a dozen HTTP calls to moto: fewer rounds keep the test quick.
    workers, rounds = (8, 5) if isinstance(store, DynamoState) else (8, 200)
    _run_threads([partial(_hammer, store, worker, rounds) for worker in range(workers)])

    assert store.requests_since(START) == workers * rounds
    assert store.requests_since(START, team_id="T1") == workers * rounds
    for worker in range(workers):
        assert store.requests_since(START, user_id=f"U{worker}") == rounds
        assert store.job_for_thread("C1", f"thread-{worker}") == (f"job-{worker}-{rounds - 1}", 1)
        assert len(store.recent(f"U{worker}", limit=1000)) == rounds
        assert store.post_for_message("C1", f"{worker}.{rounds - 1:06d}") == (
            f"job-{worker}-{rounds - 1}",
            (rounds - 1) % 5 + 1,
        )


def test_two_stores_on_one_file_write_at_once(open_file: Callable[[], SqliteState]) -> None:
    # Two connections stand in for two processes (the HTTP front and a worker).
    first, second = open_file(), open_file()
    workers, rounds = 8, 50
    _run_threads([partial(_hammer, (first, second)[w % 2], w, rounds) for w in range(workers)])

    assert first.requests_since(START) == workers * rounds
    assert second.requests_since(START) == workers * rounds
    assert second.prune(timedelta(days=1)) == 0


def _usage(
    job_id: str, user: str, status: str = "accepted", *, team: str | None = "T1", **kw: object
) -> UsageEntry:
    fields: dict[str, object] = {"images": 2, "cost_usd": 0.09, "finished_at": START, **kw}
    return UsageEntry.model_validate(
        {"job_id": job_id, "user_id": user, "team_id": team, "status": status, **fields}
    )


def test_usage_totals_per_user_of_one_workspace_since_a_moment(store: StateStore) -> None:
    store.record_usage(_usage("j1", "U1"))
    store.record_usage(_usage("j2", "U1", "best_effort", images=3, cost_usd=0.12))
    store.record_usage(_usage("j3", "U1", "rejected", images=0, cost_usd=0.0))
    store.record_usage(_usage("j4", "U2", "failed", images=1, cost_usd=0.04))
    store.record_usage(_usage("j5", "U3", team="T2"))
    store.record_usage(_usage("j6", "U2", finished_at=START - timedelta(seconds=1)))

    usage = store.usage_since("T1", START)

    assert [u.user_id for u in usage] == ["U1", "U2"]
    u1, u2 = usage
    assert (u1.jobs, u1.posted, u1.refused, u1.failed, u1.images) == (3, 2, 1, 0, 5)
    assert u1.cost_usd == pytest.approx(0.21)
    assert u2 == UserUsage(user_id="U2", jobs=1, failed=1, images=1, cost_usd=0.04)
    assert [u.user_id for u in store.usage_since("T2", START)] == ["U3"]
    assert store.usage_since("T9", START) == []


def test_usage_counts_a_job_once_whatever_how_often_it_is_recorded(store: StateStore) -> None:
    store.record_usage(_usage("j1", "U1", "failed", images=1))
    store.record_usage(_usage("j1", "U1", "accepted", images=2))

    [usage] = store.usage_since("T1", START)

    assert (usage.jobs, usage.posted, usage.failed, usage.images) == (1, 1, 0, 2)


def test_usage_without_a_workspace_is_its_own_group(store: StateStore) -> None:
    store.record_usage(_usage("j1", "U1", team=None))

    assert [u.user_id for u in store.usage_since(None, START)] == ["U1"]
    assert store.usage_since("T1", START) == []


def test_prune_drops_old_usage(sqlite_store: SqliteState, clock: Clock) -> None:
    sqlite_store.record_usage(_usage("old", "U1", finished_at=START - timedelta(days=40)))
    sqlite_store.record_usage(_usage("new", "U1"))

    assert sqlite_store.prune(timedelta(days=35)) == 1

    assert sqlite_store.usage_since("T1", START - timedelta(days=60))[0].jobs == 1


# --------------------------------------------------------------------------- DynamoDB only


def _raw(state_table: tuple[Any, str], prefix: str) -> list[dict[str, Any]]:
    """Every stored item whose pk starts with ``prefix``, by key (a Scan, for tests only)."""
    client, table = state_table
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(pk, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": prefix}},
        ConsistentRead=True,
    )
    items = [item for page in pages for item in page["Items"]]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def _number(item: dict[str, Any], name: str) -> float:
    return float(item[name]["N"])


def test_dynamo_table_has_ttl_on_expires_at(state_table: tuple[Any, str]) -> None:
    client, table = state_table
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_dynamo_items_expire_after_the_ttl_but_prefs_and_recents_stay(
    state_table: tuple[Any, str], clock: Clock
) -> None:
    client, table = state_table
    store = DynamoState(client, table, clock=clock, ttl=timedelta(days=7))
    store.remember_post("C1", "1.0", "job-a", 2)
    store.remember_thread("C1", "0.5", "job-a", 2)
    store.count_request("U1", "T1", "job-a")
    store.record_usage(_usage("job-a", "U1", finished_at=START - timedelta(hours=1)))
    store.save_prefs("U1", UserPrefs(style="anime"))
    store.add_recent("U1", _recent("job-a", 2))

    now, week = START.timestamp(), 7 * 24 * 3600
    [post] = _raw(state_table, "post#")
    assert (post["pk"]["S"], post["sk"]["S"], post["job_id"]["S"]) == ("post#C1#1.0", "-", "job-a")
    assert (_number(post, "attempt"), _number(post, "created_at")) == (2, now)
    [thread] = _raw(state_table, "thread#")
    assert (thread["pk"]["S"], _number(thread, "updated_at")) == ("thread#C1#0.5", now)
    counted = _raw(state_table, "request")
    assert [item["pk"]["S"] for item in counted] == [
        "request#job-a",
        "requests#all",
        "requests#team#T1",
        "requests#user#U1",
    ]
    for item in [post, thread, *counted]:
        assert item["expires_at"] == {"N": str(int(now) + week)}
    # Usage ages from when the job finished, as SqliteState prunes it.
    usage = _raw(state_table, "usage")
    assert [item["pk"]["S"] for item in usage] == ["usage#T1", "usagejob#job-a"]
    for item in usage:
        assert item["expires_at"] == {"N": str(int(now) - 3600 + week)}
    for prefix in ("prefs#", "recent#", "recentjob#", "recentseq#"):
        [item] = _raw(state_table, prefix)
        assert "expires_at" not in item, prefix


def test_dynamo_keeps_the_newest_recent_results_per_user_as_they_are_added(
    state_table: tuple[Any, str], dynamo_store: DynamoState
) -> None:
    extra = 3
    for minute in range(RECENT_KEPT_PER_USER + extra):
        dynamo_store.add_recent("U1", _recent(f"job-{minute:02d}", minutes=minute))
    dynamo_store.add_recent("U2", _recent("job-00"))

    kept = dynamo_store.recent("U1", limit=100)
    assert len(kept) == RECENT_KEPT_PER_USER
    assert kept[0].job_id == f"job-{RECENT_KEPT_PER_USER + extra - 1:02d}"
    assert kept[-1].job_id == f"job-{extra:02d}"
    assert len(_raw(state_table, "recent#U1")) == RECENT_KEPT_PER_USER
    # The dropped results' index entries went with them; U2's listing of job-00 is untouched.
    pointers = {item["pk"]["S"] for item in _raw(state_table, "recentjob#")}
    assert "recentjob#job-01" not in pointers
    assert [item["sk"]["S"] for item in _raw(state_table, "recentjob#job-00")] == ["U2#1"]
    assert [item.job_id for item in dynamo_store.recent("U2")] == ["job-00"]
    assert dynamo_store.prune(timedelta(days=365)) == 0


def test_dynamo_forget_recent_leaves_nothing_of_the_job(
    state_table: tuple[Any, str], dynamo_store: DynamoState
) -> None:
    for user in ("U1", "U2", "U3"):
        dynamo_store.add_recent(user, _recent("job-a", 1))
        dynamo_store.add_recent(user, _recent("job-a", 2))
    dynamo_store.add_recent("U1", _recent("job-b", 1))

    dynamo_store.forget_recent("job-a")

    assert _raw(state_table, "recentjob#job-a") == []
    assert [item["job_id"]["S"] for item in _raw(state_table, "recent#")] == ["job-b"]


def test_dynamo_a_repeated_count_mends_tallies_a_failed_call_left_out(
    state_table: tuple[Any, str], dynamo_store: DynamoState, clock: Clock
) -> None:
    client, table = state_table
    dynamo_store.count_request("U1", "T1", "job-a")
    # As if the first call had died after its marker: no tallies.
    for item in _raw(state_table, "requests#"):
        client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert dynamo_store.requests_since(START, user_id="U1") == 0
    clock.advance(hours=1)

    dynamo_store.count_request("U1", "T1", "job-a")
    dynamo_store.count_request("U1", "T1", "job-a")

    # Counted once, at the first call's time, in every tally.
    assert dynamo_store.requests_since(START, user_id="U1") == 1
    assert dynamo_store.requests_since(START, team_id="T1") == 1
    assert dynamo_store.requests_since(START) == 1
    assert dynamo_store.requests_since(START + timedelta(seconds=1)) == 0


def test_dynamo_skips_items_it_cannot_read(state_table: tuple[Any, str], dynamo_store: DynamoState) -> None:
    client, table = state_table
    dynamo_store.add_recent("U1", _recent("job-a", minutes=1))
    dynamo_store.record_usage(_usage("j1", "U1"))
    dynamo_store.save_prefs("U1", UserPrefs(style="anime"))
    # Written by another version of the bot: a value this one rejects, and JSON that is not JSON.
    [recent] = _raw(state_table, "recent#U1")
    [usage] = _raw(state_table, "usage#T1")
    client.put_item(TableName=table, Item={**recent, "sk": {"S": "9" * 17}, "recent": {"S": "{"}})
    client.put_item(TableName=table, Item={**usage, "sk": {"S": "9" * 17}, "entry": {"S": '{"images": -1}'}})
    client.put_item(
        TableName=table, Item={"pk": {"S": "prefs#U1"}, "sk": {"S": "-"}, "prefs": {"S": '{"lang": "fr"}'}}
    )

    assert [item.job_id for item in dynamo_store.recent("U1")] == ["job-a"]
    assert [u.jobs for u in dynamo_store.usage_since("T1", START)] == [1]
    assert dynamo_store.prefs("U1") == UserPrefs()


def _add_the_same_result(state: StateStore, user: str) -> None:
    state.add_recent(user, _recent("job-a", 1, text=f"by {threading.get_ident()}"))


def test_dynamo_racing_writes_of_one_job_leave_one_listing_and_one_usage_entry(
    state_table: tuple[Any, str], dynamo_store: DynamoState
) -> None:
    racers = 8
    barrier = threading.Barrier(racers)

    def _race(target: Callable[[], None]) -> Callable[[], None]:
        def _go() -> None:
            barrier.wait(timeout=10)
            target()

        return _go

    _run_threads([_race(partial(_add_the_same_result, dynamo_store, "U1")) for _ in range(racers)])
    barrier.reset()
    _run_threads(
        [
            _race(
                partial(
                    dynamo_store.record_usage,
                    _usage("j1", "U1", images=n, finished_at=START + timedelta(seconds=n)),
                )
            )
            for n in range(racers)
        ]
    )

    assert len(dynamo_store.recent("U1")) == 1
    assert len(_raw(state_table, "recent#U1")) == 1
    [pointer] = _raw(state_table, "recentjob#job-a")
    assert pointer["item_sk"] == _raw(state_table, "recent#U1")[0]["sk"]
    [usage] = dynamo_store.usage_since("T1", START)
    assert usage.jobs == 1
    assert len(_raw(state_table, "usage#T1")) == 1


def test_two_dynamo_stores_on_one_table_share_everything(state_table: tuple[Any, str], clock: Clock) -> None:
    # Two clients stand in for two hosts (or two Lambda instances).
    _client, table = state_table
    config = Config(max_pool_connections=16)
    first, second = (
        DynamoState(boto3.client("dynamodb", region_name="us-east-1", config=config), table, clock=clock)
        for _ in range(2)
    )
    workers, rounds = 4, 3
    _run_threads([partial(_hammer, (first, second)[w % 2], w, rounds) for w in range(workers)])

    for state in (first, second):
        assert state.requests_since(START) == workers * rounds
        assert state.job_for_thread("C1", "thread-0") == (f"job-0-{rounds - 1}", 1)
        assert len(state.recent("U1", limit=100)) == rounds
