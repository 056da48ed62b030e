"""Where the bot keeps things: one subpackage per store, each a protocol (``base``) and its backends.

``job_store`` (accepted jobs until they are posted), ``state`` (what the bot remembers between
Slack events), ``archive`` (images and job records) and ``dedupe`` (first-time request keys).
"""

from services.storage.archive import Archive, LocalArchive, S3Archive, SpoolingArchive
from services.storage.dedupe import Deduper, DynamoDeduper, MemoryDeduper
from services.storage.job_store import JOB_STORE_FILE, DynamoJobStore, JobStore, SqliteJobStore
from services.storage.state import STATE_FILE, DynamoState, SqliteState, StateStore

__all__ = [
    "JOB_STORE_FILE",
    "STATE_FILE",
    "Archive",
    "Deduper",
    "DynamoDeduper",
    "DynamoJobStore",
    "DynamoState",
    "JobStore",
    "LocalArchive",
    "MemoryDeduper",
    "S3Archive",
    "SpoolingArchive",
    "SqliteJobStore",
    "SqliteState",
    "StateStore",
]
