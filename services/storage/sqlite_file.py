"""One SQLite file shared by every thread of a process (and by processes on one host).

The local state and the job store both use it: one connection behind a lock, WAL, a busy
timeout, every write in ``BEGIN IMMEDIATE … COMMIT``, and schema migrations by
``PRAGMA user_version``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StateSchemaError(RuntimeError):
    """The file was written by a newer bot; refusing beats corrupting it."""


class SqliteFile:
    """A migrated SQLite database with locked reads and all-or-nothing writes."""

    def __init__(
        self,
        path: Path | str,
        *,
        migrations: Sequence[Sequence[str]],
        name: str,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
    ) -> None:
        in_memory = str(path) == ":memory:"
        if not in_memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection behind a lock: sqlite3 objects are not safe to use from two threads at
        # once, and a handful of tiny queries never makes the lock a bottleneck. isolation_level
        # None leaves transactions to write(), so a multi-statement write is all or nothing.
        self._conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        self._name = name
        try:
            with self._lock:
                # WAL lets another process (an HTTP front and a worker) read while one writes;
                # busy_timeout makes a writer wait for the other's lock instead of failing.
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
                if not in_memory:
                    self._conn.execute("PRAGMA journal_mode = WAL")
                    # A fixed choice of two words, not input.
                    self._conn.execute(f"PRAGMA synchronous = {synchronous}")
            self._migrate(migrations)
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; IMMEDIATE takes the write lock up front, so processes never deadlock."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, under the lock."""
        with self._lock:
            yield self._conn

    def _migrate(self, migrations: Sequence[Sequence[str]]) -> None:
        with self.write() as conn:
            # Read inside the write transaction: another process may be creating the schema too.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(migrations):
                raise StateSchemaError(
                    f"{self._name} schema version {version} is newer than this bot's {len(migrations)}"
                )
            for number, statements in enumerate(migrations[version:], start=version + 1):
                for statement in statements:
                    conn.execute(statement)
                # PRAGMA takes no bound parameters; the number is ours, not input.
                conn.execute(f"PRAGMA user_version = {number:d}")
                logger.info("%s schema migrated to version %s", self._name, number)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
