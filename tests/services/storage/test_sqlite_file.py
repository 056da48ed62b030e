"""SqliteFile: reads on their own connections beside an open write, and one-statement writes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.storage.sqlite_file import SqliteFile

MIGRATIONS = [["CREATE TABLE items (name TEXT PRIMARY KEY, n INTEGER NOT NULL)"]]
WAIT = 10.0


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteFile]:
    file = SqliteFile(tmp_path / "items.sqlite3", migrations=MIGRATIONS, name="items")
    yield file
    file.close()


def _count(db: SqliteFile) -> int:
    with db.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])


def _count_elsewhere(db: SqliteFile) -> list[int]:
    """The row count as another thread reads it (empty if that thread did not finish in time)."""
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(_count(db)))
    thread.start()
    thread.join(WAIT)
    return seen


def test_a_read_is_answered_while_another_thread_holds_a_write_open(db: SqliteFile) -> None:
    db.write_one("INSERT INTO items VALUES ('a', 1)")
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.write() as conn:
            conn.execute("INSERT INTO items VALUES ('b', 2)")
            inside.set()
            release.wait(WAIT)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(WAIT)
        # Answered without waiting for the write, from the last committed state.
        assert _count_elsewhere(db) == [1]
    finally:
        release.set()
        thread.join(WAIT)
    assert _count(db) == 2


def test_each_thread_reads_on_its_own_connection_and_sees_committed_writes(db: SqliteFile) -> None:
    connections: list[sqlite3.Connection] = []

    def read() -> None:
        with db.read() as conn:
            connections.append(conn)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len({id(conn) for conn in connections}) == 3
    db.write_one("INSERT INTO items VALUES ('a', 1)")
    assert _count(db) == 1  # this thread's reader, opened before the write, sees it
    with db.read() as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("INSERT INTO items VALUES ('x', 0)")


def test_write_one_is_all_or_nothing_and_counts_rows(db: SqliteFile) -> None:
    assert db.write_one("INSERT INTO items VALUES (?, ?)", ("a", 1)) == 1
    assert db.write_one("INSERT OR IGNORE INTO items VALUES (?, ?)", ("a", 5)) == 0
    with pytest.raises(sqlite3.IntegrityError):
        db.write_one("INSERT INTO items SELECT 'b', 1 UNION ALL SELECT 'a', 2")
    with db.read() as conn:
        assert conn.execute("SELECT name, n FROM items ORDER BY name").fetchall() == [("a", 1)]


def test_closed_file_refuses_new_readers(tmp_path: Path) -> None:
    db = SqliteFile(tmp_path / "items.sqlite3", migrations=MIGRATIONS, name="items")
    db.close()
    with pytest.raises(sqlite3.ProgrammingError), db.read():
        pass


def test_memory_database_reads_share_the_one_connection() -> None:
    db = SqliteFile(":memory:", migrations=MIGRATIONS, name="items")
    try:
        db.write_one("INSERT INTO items VALUES ('a', 1)")
        assert _count_elsewhere(db) == [1]
    finally:
        db.close()
