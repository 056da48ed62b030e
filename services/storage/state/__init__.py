"""The bot's state between Slack events: the protocol (``base``), and one module per backend."""

from services.storage.sqlite_file import StateSchemaError
from services.storage.state.base import RECENT_KEPT_PER_USER, StateStore
from services.storage.state.dynamodb import DEFAULT_TTL, DynamoState
from services.storage.state.sqlite import SCHEMA_VERSION, STATE_FILE, SqliteState

__all__ = [
    "DEFAULT_TTL",
    "RECENT_KEPT_PER_USER",
    "SCHEMA_VERSION",
    "STATE_FILE",
    "DynamoState",
    "SqliteState",
    "StateSchemaError",
    "StateStore",
]
