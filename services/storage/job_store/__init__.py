"""The durable job store: the protocol and stages (``base``), and one module per backend."""

from services.storage.job_store.base import (
    ACTIVE_WINDOW,
    DEFAULT_TTL,
    FINAL_STAGES,
    OPEN_STAGES,
    RUNNING_STAGES,
    RUNNING_WINDOW,
    STAGES,
    JobNotFound,
    JobStore,
    Stage,
    StoredJob,
)
from services.storage.job_store.dynamodb import OPEN_BY_USER, DynamoJobStore
from services.storage.job_store.sqlite import JOB_STORE_FILE, SCHEMA_VERSION, SqliteJobStore

__all__ = [
    "ACTIVE_WINDOW",
    "DEFAULT_TTL",
    "FINAL_STAGES",
    "JOB_STORE_FILE",
    "OPEN_BY_USER",
    "OPEN_STAGES",
    "RUNNING_STAGES",
    "RUNNING_WINDOW",
    "SCHEMA_VERSION",
    "STAGES",
    "DynamoJobStore",
    "JobNotFound",
    "JobStore",
    "SqliteJobStore",
    "Stage",
    "StoredJob",
]
