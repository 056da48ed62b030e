"""First-time checks in a DynamoDB table, shared by every process and Lambda instance.

The table: partition key ``pk`` (S), TTL attribute ``expires_at``; one conditional PutItem per key.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.core.errors import condition_failed, error_code
from services.storage.dedupe.base import Clock

logger = logging.getLogger(__name__)


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
