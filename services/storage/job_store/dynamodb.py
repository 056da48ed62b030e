"""The job store in a DynamoDB table, shared by every host. The table::

    TableName:              any (passed to DynamoJobStore)
    BillingMode:            PAY_PER_REQUEST
    AttributeDefinitions:   [{AttributeName: job_id, AttributeType: S},
                             {AttributeName: open_user, AttributeType: S}]
    KeySchema:              [{AttributeName: job_id, KeyType: HASH}]
    TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}

    Item attributes (only job_id is declared; DynamoDB is schemaless for the rest):
      job_id      S     the job id (partition key)
      job         S     the Job as JSON (services.core.job.Job)
      stage       S     queued | running | generated | posted | failed | interrupted
      attempts    N     how many times a worker started the job
      posted      BOOL  the posted marker, set once by claim_post
      checkpoint  S     the last Checkpoint as JSON (absent until the first one)
      open_user   S     the requester's user id while the job is unfinished; removed when it ends
      updated_at  N     epoch seconds (UTC, with microseconds) of the last change
      expires_at  N     whole epoch seconds, updated_at + 30 days: the TTL attribute

    GlobalSecondaryIndexes:
      - IndexName:  open_by_user
        KeySchema:  [{AttributeName: open_user, KeyType: HASH}]
        Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [updated_at]}
      (so AttributeDefinitions also declares {AttributeName: open_user, AttributeType: S})

``open_by_user`` is sparse: only unfinished jobs carry ``open_user``, so counting a user's active
jobs reads a handful of index entries, however many jobs the table holds. Index reads are
eventually consistent: two requests in the same instant may both pass the queue limit.
``running_for`` (the cap on a user's running jobs, checked by SQS workers) needs no index of its
own: it lists the user's open jobs in ``open_by_user`` and reads their ``stage`` from the table
with a consistent BatchGetItem. A job is in the index from its acceptance, long before a worker
starts it, so the index's lag does not hide running jobs, and a stage changed a moment ago is
read as it now is.
``unfinished`` and ``prune`` scan the table, which is fine for the few thousand items a 30-day
TTL leaves at this bot's scale. The front needs dynamodb:PutItem and Query (on the index); the
worker needs PutItem, GetItem, UpdateItem, DeleteItem, Scan and BatchGetItem on the table and
Query on the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from services.core.clock import epoch_seconds, utc_now
from services.core.errors import condition_failed
from services.core.job import Checkpoint, Job
from services.storage.job_store.base import (
    ACTIVE_WINDOW,
    DEFAULT_TTL,
    FINAL_STAGES,
    OPEN_STAGES,
    RUNNING_STAGES,
    RUNNING_WINDOW,
    JobNotFound,
    Stage,
    StoredJob,
    check_final,
    check_open,
    moment,
    parse_checkpoint,
    readable,
    user_of,
)

logger = logging.getLogger(__name__)

OPEN_BY_USER = "open_by_user"
# BatchGetItem reads at most 100 keys per call.
_BATCH_GET = 100
_FALSE = {"BOOL": False}
_TRUE = {"BOOL": True}


class DynamoJobStore:
    """Jobs in a DynamoDB table (schema in the module docstring), shared by every host."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._ttl = ttl

    def _stamp(self) -> dict[str, dict[str, str]]:
        """updated_at and expires_at values for a write now."""
        now = epoch_seconds(self._clock())
        return {
            ":now": {"N": f"{now:.6f}"},
            ":expires": {"N": str(int(now + self._ttl.total_seconds()))},
        }

    def _update(
        self,
        job_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        unposted_only: bool,
        ends: bool = False,
    ) -> dict[str, Any] | None:
        """UpdateItem on an existing job; None when ``unposted_only`` and the job is already posted.

        ``expression`` is the SET clause; ``ends`` also drops the job from the
        open_by_user index, since it no longer counts as active.
        """
        condition = "attribute_exists(job_id)"
        if unposted_only:
            # The posted marker's condition; attribute_exists keeps UpdateItem from creating items.
            condition += " AND (attribute_not_exists(posted) OR posted = :false)"
            values = {**values, ":false": _FALSE}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=expression
                + ", updated_at = :now, expires_at = :expires"
                + (" REMOVE open_user" if ends else ""),
                ConditionExpression=condition,
                ExpressionAttributeValues={**values, **self._stamp()},
                ReturnValues="ALL_NEW",
                # Tells "no such job" (no Item) from "already posted" without a second read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            if not exc.response.get("Item"):
                raise JobNotFound(job_id) from exc
            return None
        attributes: dict[str, Any] = response["Attributes"]
        return attributes

    def accept(self, job: Job) -> None:
        """Record a new job as queued; a second accept of the same job id changes nothing."""
        stamp = self._stamp()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "job_id": {"S": job.job_id},
                    "job": {"S": job.model_dump_json()},
                    "stage": {"S": "queued"},
                    "attempts": {"N": "0"},
                    "posted": _FALSE,
                    "updated_at": stamp[":now"],
                    "expires_at": stamp[":expires"],
                    # A null user would break the index's key: such a job is never counted.
                    **({"open_user": {"S": user}} if (user := user_of(job)) else {}),
                },
                ConditionExpression="attribute_not_exists(job_id)",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            logger.info("job %s: already accepted", job.job_id)

    def start(self, job_id: str) -> StoredJob:
        """A worker starts the job: stage running, one more attempt; the job as now stored."""
        increment = {":one": {"N": "1"}}
        item = self._update(
            job_id,
            "SET attempts = attempts + :one, stage = :running",
            {**increment, ":running": {"S": "running"}},
            unposted_only=True,
        )
        if item is None:
            # Already posted: UpdateItem has no if/else, so count the attempt without the stage.
            item = self._update(job_id, "SET attempts = attempts + :one", increment, unposted_only=False)
        if item is None:  # unreachable: without unposted_only a failed condition means no such job
            raise JobNotFound(job_id)
        return _stored_from_item(item)

    def advance(self, job_id: str, stage: Stage) -> None:
        """Record the last completed unfinished stage (queued, running or generated)."""
        check_open(stage)
        self._set_stage(job_id, stage)

    def claim_post(self, job_id: str) -> bool:
        """Set the posted marker; True for exactly one caller per job, who may then post."""
        item = self._update(
            job_id,
            "SET posted = :true, stage = :posted",
            {":true": _TRUE, ":posted": {"S": "posted"}},
            unposted_only=True,
            ends=True,
        )
        if item is None:
            logger.info("job %s: already posted; not posting again", job_id)
        return item is not None

    def update(self, job: Job) -> None:
        """Replace the stored job (e.g. once its status message is posted), keeping its stage."""
        self._update(
            job.job_id, "SET job = :job", {":job": {"S": job.model_dump_json()}}, unposted_only=False
        )

    def checkpoint(self, job_id: str, checkpoint: Checkpoint) -> None:
        """Record the last completed pipeline stage; ignored once the job is posted."""
        stage = "generated" if checkpoint.stage == "generated" else "running"
        self._update(
            job_id,
            "SET checkpoint = :checkpoint, stage = :stage",
            {":checkpoint": {"S": checkpoint.model_dump_json()}, ":stage": {"S": stage}},
            unposted_only=True,
        )

    def active_for(self, user_id: str, *, within: timedelta = ACTIVE_WINDOW) -> int:
        """The user's unfinished jobs that changed within ``within`` (an eventually consistent count)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": OPEN_BY_USER,
            "KeyConditionExpression": "open_user = :user",
            "FilterExpression": "updated_at >= :since",
            "ExpressionAttributeValues": {
                ":user": {"S": user_id},
                ":since": {"N": f"{epoch_seconds(self._clock()) - within.total_seconds():.6f}"},
            },
            "Select": "COUNT",
        }
        count = 0
        while True:
            response = self._client.query(**request)
            count += int(response.get("Count", 0))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return count
            request["ExclusiveStartKey"] = last_key

    def running_for(self, user_id: str, *, within: timedelta = RUNNING_WINDOW) -> int:
        """The user's started, unfinished jobs (running or generated) that changed within ``within``."""
        since = epoch_seconds(self._clock()) - within.total_seconds()
        # Not filtered by time in the index: its copy of updated_at may lag a job that just started.
        keys = self._open_keys(user_id)
        return sum(
            1
            for item in self._get_many(keys, "stage, updated_at")
            if item["stage"]["S"] in RUNNING_STAGES and float(item["updated_at"]["N"]) >= since
        )

    def _open_keys(self, user_id: str) -> list[dict[str, Any]]:
        """Keys of the user's unfinished jobs, from the sparse index."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": OPEN_BY_USER,
            "KeyConditionExpression": "open_user = :user",
            "ExpressionAttributeValues": {":user": {"S": user_id}},
            "ProjectionExpression": "job_id",
        }
        keys: list[dict[str, Any]] = []
        while True:
            response = self._client.query(**request)
            keys.extend({"job_id": item["job_id"]} for item in response.get("Items", []))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return keys
            request["ExclusiveStartKey"] = last_key

    def _get_many(self, keys: list[dict[str, Any]], projection: str) -> list[dict[str, Any]]:
        """Consistent reads of ``keys`` (a pruned job is simply missing)."""
        items: list[dict[str, Any]] = []
        for first in range(0, len(keys), _BATCH_GET):
            wanted: dict[str, Any] = {
                self._table: {
                    "Keys": keys[first : first + _BATCH_GET],
                    "ProjectionExpression": projection,
                    "ConsistentRead": True,
                }
            }
            # DynamoDB may leave keys unprocessed under load; botocore already retried throttles.
            while wanted:
                response = self._client.batch_get_item(RequestItems=wanted)
                items.extend(response.get("Responses", {}).get(self._table, []))
                wanted = response.get("UnprocessedKeys") or {}
        return items

    def finish(self, job_id: str, stage: Stage) -> None:
        """Record the final stage: posted, failed or interrupted."""
        check_final(stage)
        if stage == "posted":
            self._update(
                job_id,
                "SET posted = :true, stage = :posted",
                {":true": _TRUE, ":posted": {"S": "posted"}},
                unposted_only=False,
                ends=True,
            )
        else:
            self._set_stage(job_id, stage)

    def _set_stage(self, job_id: str, stage: Stage) -> None:
        item = self._update(
            job_id,
            "SET stage = :stage",
            {":stage": {"S": stage}},
            unposted_only=True,
            ends=stage in FINAL_STAGES,
        )
        if item is None:
            logger.info("job %s: already posted; stage %s not recorded", job_id, stage)

    def get(self, job_id: str) -> StoredJob | None:
        """The stored job, or None if it was never accepted (or was pruned)."""
        response = self._client.get_item(
            TableName=self._table, Key={"job_id": {"S": job_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return _stored_from_item(item) if item else None

    def unfinished(self, *, older_than: timedelta = timedelta(0)) -> list[StoredJob]:
        """Queued, running and generated jobs not updated for ``older_than``, oldest first."""
        cutoff = epoch_seconds(self._clock()) - older_than.total_seconds()
        items = self._scan(
            "stage IN (:queued, :running, :generated) AND updated_at <= :cutoff",
            {
                **{f":{stage}": {"S": stage} for stage in OPEN_STAGES},
                ":cutoff": {"N": f"{cutoff:.6f}"},
            },
        )
        stored = readable(items, _stored_from_item)
        return sorted(stored, key=lambda s: (s.updated_at, s.job.job_id))

    def prune(self, older_than: timedelta) -> int:
        """Delete jobs (in any stage) not updated for ``older_than``; return how many."""
        # The TTL on expires_at does this by itself (within a few days); prune is for a shorter age.
        cutoff = {":cutoff": {"N": f"{epoch_seconds(self._clock()) - older_than.total_seconds():.6f}"}}
        deleted = 0
        for item in self._scan("updated_at < :cutoff", cutoff, projection="job_id"):
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"job_id": item["job_id"]},
                    # A job touched since the scan is no longer old: leave it.
                    ConditionExpression="updated_at < :cutoff",
                    ExpressionAttributeValues=cutoff,
                )
            except ClientError as exc:
                if not condition_failed(exc):
                    raise
                continue
            deleted += 1
        return deleted

    def _scan(
        self, filter_expression: str, values: dict[str, Any], *, projection: str | None = None
    ) -> list[dict[str, Any]]:
        # A full Scan with a filter: fine for the few thousand items the 30-day TTL leaves.
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": filter_expression,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        if projection is not None:
            request["ProjectionExpression"] = projection
        items: list[dict[str, Any]] = []
        while True:
            response = self._client.scan(**request)
            items.extend(response.get("Items", []))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return items
            request["ExclusiveStartKey"] = last_key

    def close(self) -> None:
        """Nothing to release: the client belongs to the caller."""


def _stored_from_item(item: dict[str, Any]) -> StoredJob:
    return StoredJob(
        job=Job.model_validate_json(item["job"]["S"]),
        stage=item["stage"]["S"],
        attempts=int(item["attempts"]["N"]),
        updated_at=moment(float(item["updated_at"]["N"])),
        posted=bool(item.get("posted", _FALSE)["BOOL"]),
        checkpoint=parse_checkpoint(item["checkpoint"]["S"]) if "checkpoint" in item else None,
    )
