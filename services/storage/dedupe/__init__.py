"""First-time checks for request keys: the protocol (``base``), and one module per backend."""

from services.storage.dedupe.base import Deduper
from services.storage.dedupe.dynamodb import DynamoDeduper
from services.storage.dedupe.memory import MemoryDeduper

__all__ = ["Deduper", "DynamoDeduper", "MemoryDeduper"]
