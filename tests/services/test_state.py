"""Local bot state (services/state.py): real SQLite files and :memory:, from many threads."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from services.models import RecentJob, UsageEntry, UserPrefs, UserUsage
from services.state import SCHEMA_VERSION, SqliteState, StateSchemaError, StateStore

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


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[SqliteState]:
    path = tmp_path / "state.db" if request.param == "file" else ":memory:"
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


def test_sqlite_state_is_a_state_store(store: SqliteState) -> None:
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


def test_posts_are_found_by_channel_and_message(store: SqliteState) -> None:
    store.remember_post("C1", "1700000000.000100", "job-a", 1)
    store.remember_post("C1", "1700000000.000200", "job-b", 3)

    assert store.post_for_message("C1", "1700000000.000100") == ("job-a", 1)
    assert store.post_for_message("C1", "1700000000.000200") == ("job-b", 3)
    assert store.post_for_message("C2", "1700000000.000100") is None
    assert store.post_for_message("C1", "1700000000.000300") is None


def test_a_message_updated_to_show_another_attempt_points_at_it(store: SqliteState) -> None:
    store.remember_post("C1", "1700000000.000100", "job-a", 1)
    store.remember_post("C1", "1700000000.000100", "job-a", 4)

    assert store.post_for_message("C1", "1700000000.000100") == ("job-a", 4)


def test_a_newer_result_in_a_thread_replaces_the_older(store: SqliteState) -> None:
    store.remember_thread("C1", "1700000000.000001", "job-a", 1)
    store.remember_thread("C1", "1700000000.000001", "job-b", 2)
    store.remember_thread("C2", "1700000000.000001", "job-c", 1)

    assert store.job_for_thread("C1", "1700000000.000001") == ("job-b", 2)
    assert store.job_for_thread("C2", "1700000000.000001") == ("job-c", 1)
    assert store.job_for_thread("C1", "1700000000.000002") is None


def test_prefs_are_empty_until_saved_and_round_trip_with_none_fields(store: SqliteState) -> None:
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


def test_recent_is_newest_first_and_limited(store: SqliteState) -> None:
    for minutes, job_id in [(5, "job-b"), (1, "job-a"), (9, "job-d"), (7, "job-c")]:
        store.add_recent("U1", _recent(job_id, minutes=minutes))
    store.add_recent("U2", _recent("job-x", minutes=20))

    assert [item.job_id for item in store.recent("U1")] == ["job-d", "job-c", "job-b", "job-a"]
    assert [item.job_id for item in store.recent("U1", limit=2)] == ["job-d", "job-c"]
    assert store.recent("U1", limit=0) == []
    assert [item.job_id for item in store.recent("U2")] == ["job-x"]
    assert store.recent("U3") == []


def test_recent_results_created_in_the_same_instant_list_the_later_added_first(store: SqliteState) -> None:
    store.add_recent("U1", _recent("job-a", 1))
    store.add_recent("U1", _recent("job-a", 2))
    store.add_recent("U1", _recent("job-a", 3))

    assert [item.attempt for item in store.recent("U1")] == [3, 2, 1]


def test_recent_same_job_and_attempt_replaces(store: SqliteState) -> None:
    store.add_recent("U1", _recent("job-a", 1, minutes=1, text="古い"))
    store.add_recent("U1", _recent("job-b", 1, minutes=2))
    store.add_recent("U1", _recent("job-a", 1, minutes=1, text="新しい"))
    store.add_recent("U1", _recent("job-a", 2, minutes=1))

    items = store.recent("U1")
    assert [(item.job_id, item.attempt) for item in items] == [("job-b", 1), ("job-a", 2), ("job-a", 1)]
    assert items[2].text == "新しい"
    assert items[2] == _recent("job-a", 1, minutes=1, text="新しい")


def test_forget_recent_drops_every_attempt_of_the_job_for_every_user(store: SqliteState) -> None:
    store.add_recent("U1", _recent("job-a", 1, minutes=1))
    store.add_recent("U1", _recent("job-a", 2, minutes=1))
    store.add_recent("U1", _recent("job-b", 1, minutes=2))
    store.add_recent("U2", _recent("job-a", 1, minutes=1))

    store.forget_recent("job-a")
    store.forget_recent("job-unknown")

    assert [(item.job_id, item.attempt) for item in store.recent("U1")] == [("job-b", 1)]
    assert store.recent("U2") == []


def test_count_request_is_idempotent_per_job(store: SqliteState, clock: Clock) -> None:
    store.count_request("U1", "T1", "job-a")
    clock.advance(hours=1)
    store.count_request("U1", "T1", "job-a")  # a redelivered event or a retried worker
    store.count_request("U1", "T1", "job-b")

    assert store.requests_since(START, user_id="U1") == 2
    # The repeat kept the first count's time, so the request stays in the earlier window.
    assert store.requests_since(START + timedelta(minutes=30), user_id="U1") == 1


def test_requests_since_filters_by_user_and_workspace(store: SqliteState, clock: Clock) -> None:
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
def test_naive_datetimes_are_taken_as_utc_not_local_time(store: SqliteState) -> None:
    store.count_request("U1", "T1", "job-a")

    assert store.requests_since(START.replace(tzinfo=None)) == 1
    assert store.requests_since(START.replace(tzinfo=None) + timedelta(seconds=1)) == 0


def test_prune_deletes_old_rows_only_and_counts_them(store: SqliteState, clock: Clock) -> None:
    store.remember_post("C1", "1.0", "job-old", 1)
    store.remember_thread("C1", "1.0", "job-old", 1)
    store.count_request("U1", "T1", "job-old")
    store.save_prefs("U1", UserPrefs(style="anime"))
    store.add_recent("U1", _recent("job-old", minutes=-60 * 24 * 30))
    clock.advance(days=2)
    store.remember_post("C1", "2.0", "job-new", 1)
    store.remember_thread("C1", "2.0", "job-new", 1)
    store.count_request("U1", "T1", "job-new")
    clock.advance(days=1)

    assert store.prune(timedelta(days=2)) == 3

    assert store.post_for_message("C1", "1.0") is None
    assert store.job_for_thread("C1", "1.0") is None
    assert store.post_for_message("C1", "2.0") == ("job-new", 1)
    assert store.job_for_thread("C1", "2.0") == ("job-new", 1)
    assert store.requests_since(START) == 1
    assert store.prefs("U1") == UserPrefs(style="anime")
    # Recent results are capped per user, not aged out.
    assert [item.job_id for item in store.recent("U1")] == ["job-old"]
    assert store.prune(timedelta(days=2)) == 0


def test_prune_keeps_rows_exactly_at_the_cutoff(store: SqliteState, clock: Clock) -> None:
    store.remember_post("C1", "1.0", "job-a", 1)
    clock.advance(days=2)

    assert store.prune(timedelta(days=2)) == 0
    assert store.post_for_message("C1", "1.0") == ("job-a", 1)
    assert store.prune(timedelta(days=2) - timedelta(microseconds=1)) == 1
    assert store.post_for_message("C1", "1.0") is None


def test_prune_keeps_the_newest_50_recent_results_per_user(store: SqliteState) -> None:
    for minute in range(53):
        store.add_recent("U1", _recent(f"job-{minute:02d}", minutes=minute))
    for minute in range(5):
        store.add_recent("U2", _recent(f"other-{minute}", minutes=minute))

    assert store.prune(timedelta(days=365)) == 3

    kept = store.recent("U1", limit=100)
    assert len(kept) == 50
    assert kept[0].job_id == "job-52"
    assert kept[-1].job_id == "job-03"
    assert len(store.recent("U2", limit=100)) == 5


def test_closed_store_refuses_use(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    state.close()
    with pytest.raises(sqlite3.ProgrammingError):
        state.prefs("U1")


def _hammer(state: SqliteState, worker: int, rounds: int) -> None:
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


def test_many_threads_share_one_store(store: SqliteState) -> None:
    workers, rounds = 8, 200
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


def test_usage_totals_per_user_of_one_workspace_since_a_moment(store: SqliteState) -> None:
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


def test_usage_counts_a_job_once_whatever_how_often_it_is_recorded(store: SqliteState) -> None:
    store.record_usage(_usage("j1", "U1", "failed", images=1))
    store.record_usage(_usage("j1", "U1", "accepted", images=2))

    [usage] = store.usage_since("T1", START)

    assert (usage.jobs, usage.posted, usage.failed, usage.images) == (1, 1, 0, 2)


def test_usage_without_a_workspace_is_its_own_group(store: SqliteState) -> None:
    store.record_usage(_usage("j1", "U1", team=None))

    assert [u.user_id for u in store.usage_since(None, START)] == ["U1"]
    assert store.usage_since("T1", START) == []


def test_prune_drops_old_usage(store: SqliteState, clock: Clock) -> None:
    store.record_usage(_usage("old", "U1", finished_at=START - timedelta(days=40)))
    store.record_usage(_usage("new", "U1"))

    assert store.prune(timedelta(days=35)) == 1

    assert store.usage_since("T1", START - timedelta(days=60))[0].jobs == 1
