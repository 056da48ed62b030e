"""Housekeeping (services/jobs/housekeeping.py): old rows leave the state and the job store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.core.job import Job
from services.jobs.housekeeping import Housekeeper
from services.storage.job_store import SqliteJobStore
from services.storage.state import SqliteState

START = datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_old_rows_go_and_recent_ones_stay(tmp_path: Path) -> None:
    clock = Clock()
    state = SqliteState(tmp_path / "state.sqlite3", clock=clock)
    store = SqliteJobStore(tmp_path / "jobs.sqlite3", clock=clock)
    try:
        old = Job(job_id="20261001T000000-0000000a", text="古い依頼", created_at=START)
        state.remember_post("C1", "1.0", old.job_id, 1)
        store.accept(old)
        clock.now = START + timedelta(days=45)
        new = Job(job_id="20261115T000000-0000000b", text="新しい依頼", created_at=clock.now)
        state.remember_post("C1", "2.0", new.job_id, 1)
        store.accept(new)
        keeper = Housekeeper(state, store, keep_state=timedelta(days=40), keep_jobs=timedelta(days=30))

        assert keeper.run_once() == 2

        assert state.post_for_message("C1", "1.0") is None
        assert state.post_for_message("C1", "2.0") == (new.job_id, 1)
        assert store.get(old.job_id) is None
        assert store.get(new.job_id) is not None
    finally:
        state.close()
        store.close()


def test_a_store_that_cannot_prune_does_not_stop_the_other(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    state = SqliteState(tmp_path / "state.sqlite3", clock=clock)
    store = SqliteJobStore(tmp_path / "jobs.sqlite3", clock=clock)
    state.remember_post("C1", "1.0", "20261001T000000-0000000a", 1)
    clock.now = START + timedelta(days=100)
    state.close()  # pruning the state now fails
    try:
        store.accept(Job(job_id="20261001T000000-0000000a", text="古い依頼", created_at=START))
        clock.now = START + timedelta(days=200)
        keeper = Housekeeper(state, store, keep_state=timedelta(days=90))

        assert keeper.run_once() == 1

        assert "could not prune the state" in caplog.text
    finally:
        store.close()


def test_the_thread_prunes_at_once_and_ends_when_told(tmp_path: Path) -> None:
    clock = Clock()
    state = SqliteState(":memory:", clock=clock)
    store = SqliteJobStore(":memory:", clock=clock)
    state.remember_post("C1", "1.0", "20261001T000000-0000000a", 1)
    clock.now = START + timedelta(days=100)
    stop = threading.Event()
    keeper = Housekeeper(state, store, keep_state=timedelta(days=90))
    try:
        keeper.start(stop, interval=timedelta(hours=1))
        for _ in range(200):
            if state.post_for_message("C1", "1.0") is None:
                break
            threading.Event().wait(0.01)
        assert state.post_for_message("C1", "1.0") is None
        assert keeper.running
        stop.set()
        keeper.join(5)
        assert not keeper.running
    finally:
        state.close()
        store.close()
