"""First-time checks for request keys, so a retried or double-sent Slack request runs once."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.core.errors import condition_failed, error_code

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


class Deduper(Protocol):
    """Remembers keys for a while."""

    def first_time(self, key: str, ttl_seconds: float) -> bool:
        """True exactly once per ``key`` within ``ttl_seconds`` (atomic across threads)."""
        ...


class MemoryDeduper:
    """An in-process TTL cache: enough for one bot process; several processes need DynamoDeduper."""

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key -> expiry, oldest insertion first.
        self._expiries: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, ttl_seconds: float) -> bool:
        """True if ``key`` was not seen within its TTL; remembers it for ``ttl_seconds``."""
        with self._lock:
            now = self._clock()
            expiry = self._expiries.get(key)
            if expiry is not None and expiry > now:
                return False
            self._expiries[key] = now + ttl_seconds
            self._expiries.move_to_end(key)
            self._prune(now)
            return True

    def size(self) -> int:
        """How many keys are remembered (expired ones may linger until the next write)."""
        with self._lock:
            return len(self._expiries)

    def _prune(self, now: float) -> None:
        # Expired keys at the front go first; then the bound. Evicting a live key can only let a
        # duplicate through, never drop a request.
        while self._expiries:
            oldest, expiry = next(iter(self._expiries.items()))
            if expiry > now and len(self._expiries) <= self._max_keys:
                break
            del self._expiries[oldest]


class DynamoDeduper:
    """Keys in a DynamoDB table (partition key ``pk``, TTL attribute ``expires_at``), shared by every process.

    Any failure other than "already there" lets the request through: a duplicate is better than a
    lost request.
    """

    def __init__(
        self,
        table_name: str,
        client: Any | None = None,
        *,
        region_name: str | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._table = table_name
        # The check sits on Slack's 3-second ack path, so a slow table must fail fast.
        self._client = client or boto3.client(
            "dynamodb",
            region_name=region_name,
            config=Config(
                connect_timeout=1, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 2}
            ),
        )
        self._clock = clock

    def first_time(self, key: str, ttl_seconds: float) -> bool:
        """True if the conditional put created (or took over an expired) item for ``key``."""
        now = self._clock()
        # DynamoDB's TTL sweep takes whole epoch seconds and may lag by hours, hence the condition.
        expires_at = math.ceil(now + ttl_seconds)
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"pk": {"S": key}, "expires_at": {"N": str(expires_at)}},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            logger.warning(
                "dedupe table %s failed (%s); letting the request through", self._table, error_code(exc)
            )
            return True
        except BotoCoreError as exc:
            logger.warning(
                "dedupe table %s unreachable (%s); letting the request through",
                self._table,
                type(exc).__name__,
            )
            return True
        return True
