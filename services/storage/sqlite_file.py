"""One SQLite file shared by every thread of a process (and by processes on one host).

The local state and the job store both use it: WAL, a busy timeout, schema migrations by
``PRAGMA user_version``, and writes on one connection behind a lock, each in
``BEGIN IMMEDIATE … COMMIT`` (``write``) or as one statement (``write_one``).

Why reads have a connection per thread, and a lone statement skips BEGIN and COMMIT: every call
into SQLite lets go of the GIL, and taking it back waits for whichever thread holds it, up to the
switch interval (5 ms) and more when several want it. A thread that holds the file's lock while it
waits makes every other request thread queue behind the lock. Under a burst of fifty commands
(``python -m bench --scenario ack``) that convoy stalled all the acks for 10 to 35 ms at a time.
So a read takes no lock at all (WAL lets readers run beside the writer, each on its own
connection), and the ack's one INSERT is a single call under the lock instead of three, with its
parameters (the job's JSON) made before the lock is taken.
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
READER_CACHE_KIB = 512


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
        self._path = str(path)
        self._shared_reads = in_memory  # one :memory: database per connection: reads share it
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # not the writer's: a new reader never waits for a write
        self._closed = False
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

    def write_one(self, sql: str, parameters: Sequence[object] = ()) -> int:
        """One statement as its own transaction (all or nothing); the number of rows it changed.

        A write statement takes SQLite's write lock as it starts, as BEGIN IMMEDIATE would.
        """
        with self._lock:
            return self._conn.execute(sql, parameters).rowcount

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads: this thread's own, or the shared one under the lock (``:memory:``)."""
        if self._shared_reads:
            with self._lock:
                yield self._conn
            return
        yield self._reader()

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            with self._readers_lock:
                if self._closed:
                    raise sqlite3.ProgrammingError(f"the {self._name} is closed")
                reader = sqlite3.connect(
                    self._path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
                )
                # Reads only, of a small file: a small page cache per thread is plenty.
                reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB:d}")
                reader.execute("PRAGMA query_only = ON")
                self._readers.append(reader)
            self._local.reader = reader
        return reader

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
        """Close every connection."""
        with self._readers_lock:
            self._closed = True
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        with self._lock:
            self._conn.close()
