"""The bot's state (``StateStore``) in one DynamoDB table, shared by every host and Lambda instance.

``SqliteState`` keeps the same things in a file per host; with several hosts (or Lambda, where
each execution environment has its own /tmp) that file is not shared, so quotas, App Home
recents and thread lookups would differ from host to host. The table::

    TableName:              any (passed to DynamoState; STATE_TABLE)
    BillingMode:            PAY_PER_REQUEST
    AttributeDefinitions:   [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: S}]
    KeySchema:              [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
    TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}

    Items (only pk and sk are declared; DynamoDB is schemaless for the rest). {t} is a time as 17
    zero-padded digits of UTC epoch microseconds, so sort keys sort by time; *_at attributes are
    epoch seconds with microseconds; expires_at is whole epoch seconds, the TTL attribute; ttl is
    90 days unless the constructor is given another:

      pk = post#{channel}#{message_ts}, sk = -
          job_id S, attempt N, created_at N, expires_at N (now + ttl)
      pk = thread#{channel}#{thread_ts}, sk = -
          job_id S, attempt N, updated_at N, expires_at N (now + ttl)
      pk = prefs#{user}, sk = -
          prefs S (UserPrefs JSON), updated_at N; no TTL: prefs are kept
      pk = recent#{user}, sk = {t created_at}#{seq:012d}
          job_id S, attempt N, created_at N, recent S (RecentJob JSON); no TTL: capped per user
      pk = recentjob#{job_id}, sk = {user}#{attempt}
          user_id S, attempt N, item_sk S (the sk of the result's recent# item); no TTL
      pk = recentseq#{user}, sk = -
          seq N: a counter, so the later added of two same-instant results lists first; no TTL
      pk = request#{job_id}, sk = -
          user_id S, team_id S (absent without a team), counted_at N, expires_at N (now + ttl)
      pk = requests#user#{user}, requests#team#{team} (only with a team) and requests#all,
      sk = {t counted_at}#{job_id}
          user_id S, team_id S (absent without a team), job_id S, expires_at N (as the marker)
      pk = usage#{team, or - without one}, sk = {t finished_at}#{job_id}#{write id}
          job_id S, user_id S, finished_at N, entry S (UsageEntry JSON), expires_at N (finished_at + ttl)
      pk = usagejob#{job_id}, sk = -
          usage_pk S, usage_sk S (the key of the job's usage# item), expires_at N (as that item)

How each method uses it: posts, threads and prefs are single items (GetItem/PutItem). recent()
is one Query of recent#{user}, newest first. add_recent takes a number from recentseq# (UpdateItem
ADD), writes the result, swaps the recentjob# pointer (PutItem returning the old one) and deletes
what the pointer named before, then deletes the user's results beyond ``RECENT_KEPT_PER_USER``;
recent items carry no TTL, the cap bounds them. forget_recent follows the recentjob# pointers of
the job, so it needs no Scan. count_request writes the request# marker on condition it is new
(once per job id), then its requests# tallies; a repeat rewrites the same tallies from the
marker, which mends a call that failed between the two. requests_since is a Query with
Select=COUNT on ``sk >= {t since}`` of one tally partition (user, team or all; user and team
filters the user's partition by team_id). record_usage writes an item under a fresh sort key,
swaps the usagejob# pointer and deletes the item it named before; usage_since is a Query of the
workspace's usage# partition. prune deletes nothing: TTL ages items out (DynamoDB deletes expired
items within a few days, and they may be read until then) and add_recent caps recent results.

Every read is strongly consistent, so a count or a post is visible to the next call on any host.
No GSI and no Scan. The bot (Slack front and worker alike) needs dynamodb:GetItem, PutItem,
UpdateItem, DeleteItem and Query on the table.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from services.core.clock import utc_now
from services.core.errors import condition_failed
from services.core.people import RecentJob, UsageEntry, UserPrefs, UserUsage, usage_by_user
from services.storage.state.base import RECENT_KEPT_PER_USER
from services.storage.state.dynamodb_keys import NO_TEAM, epoch_micros, item_key, seconds_attribute, time_key

logger = logging.getLogger(__name__)

# Far longer than a quota window (a day); a reaction or reply to an older result no longer finds its job.
DEFAULT_TTL = timedelta(days=90)


class DynamoState:
    """State in a DynamoDB table (schema in the module docstring), shared by every host."""

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
        self._ttl_seconds = int(ttl.total_seconds())

    def _expires(self, micros: int) -> dict[str, str]:
        return {"N": str(micros // 1_000_000 + self._ttl_seconds)}

    def _put(self, item: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._client.put_item(TableName=self._table, Item=item, **kwargs)
        return response

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _delete(self, key: dict[str, Any]) -> None:
        self._client.delete_item(TableName=self._table, Key=key)

    def _query(
        self,
        pk: str,
        *,
        since: int | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        projection: str | None = None,
    ) -> list[dict[str, Any]]:
        """The partition's items (from ``since`` on), in sort key order; at most ``limit``."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        if since is not None:
            # "{t}#..." >= "{t}": the bound is inclusive, as in SqliteState.
            request["KeyConditionExpression"] += " AND sk >= :since"
            request["ExpressionAttributeValues"][":since"] = {"S": time_key(since)}
        if projection is not None:
            request["ProjectionExpression"] = projection
        items: list[dict[str, Any]] = []
        while True:
            if limit is not None:
                request["Limit"] = limit - len(items)
            response = self._client.query(**request)
            items.extend(response.get("Items", []))
            last_key = response.get("LastEvaluatedKey")
            if not last_key or (limit is not None and len(items) >= limit):
                return items
            request["ExclusiveStartKey"] = last_key

    def _write_job_pointer(self, pk: str, job_id: str, attempt: int, stamp: str) -> None:
        """Write a post or thread item: which job and attempt it shows, and when."""
        now = epoch_micros(self._clock())
        self._put(
            {
                **item_key(pk),
                "job_id": {"S": job_id},
                "attempt": {"N": str(attempt)},
                stamp: seconds_attribute(now),
                "expires_at": self._expires(now),
            }
        )

    def _read_job_pointer(self, pk: str) -> tuple[str, int] | None:
        item = self._get(item_key(pk))
        return (item["job_id"]["S"], int(item["attempt"]["N"])) if item else None

    def remember_post(self, channel_id: str, message_ts: str, job_id: str, attempt: int) -> None:
        """Record which job and attempt a posted result message shows."""
        self._write_job_pointer(f"post#{channel_id}#{message_ts}", job_id, attempt, "created_at")

    def post_for_message(self, channel_id: str, message_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) a posted message shows, or None."""
        return self._read_job_pointer(f"post#{channel_id}#{message_ts}")

    def remember_thread(self, channel_id: str, thread_ts: str, job_id: str, attempt: int) -> None:
        """Record the latest result in a thread, replacing any earlier one."""
        self._write_job_pointer(f"thread#{channel_id}#{thread_ts}", job_id, attempt, "updated_at")

    def job_for_thread(self, channel_id: str, thread_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) of the latest result in a thread, or None."""
        return self._read_job_pointer(f"thread#{channel_id}#{thread_ts}")

    def prefs(self, user_id: str) -> UserPrefs:
        """The user's saved defaults; empty when none were saved or they no longer validate."""
        item = self._get(item_key(f"prefs#{user_id}"))
        if item is None:
            return UserPrefs()
        try:
            return UserPrefs.model_validate_json(item["prefs"]["S"])
        except (ValidationError, KeyError):
            # Prefs are only defaults: a value a newer model no longer accepts falls back to the workspace's.
            logger.warning("ignoring unreadable saved prefs of user %s", user_id)
            return UserPrefs()

    def save_prefs(self, user_id: str, prefs: UserPrefs) -> None:
        """Replace the user's defaults."""
        self._put(
            {
                **item_key(f"prefs#{user_id}"),
                "prefs": {"S": prefs.model_dump_json()},
                "updated_at": seconds_attribute(epoch_micros(self._clock())),
            }
        )

    def add_recent(self, user_id: str, item: RecentJob) -> None:
        """List a result in the user's App Home; the same (job_id, attempt) again replaces it."""
        # A per-user counter, not the clock: attempts of one job share created_at and may be
        # added by different hosts, and the later added must list first (as SqliteState's seq).
        counted = self._client.update_item(
            TableName=self._table,
            Key=item_key(f"recentseq#{user_id}"),
            UpdateExpression="ADD seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        sort_key = f"{time_key(epoch_micros(item.created_at))}#{int(counted['Attributes']['seq']['N']):012d}"
        self._put(
            {
                **item_key(f"recent#{user_id}", sort_key),
                "job_id": {"S": item.job_id},
                "attempt": {"N": str(item.attempt)},
                "created_at": seconds_attribute(epoch_micros(item.created_at)),
                "recent": {"S": item.model_dump_json()},
            }
        )
        # The item is written before the pointer names it, and whoever swaps a pointer deletes
        # what it named: however concurrent adds interleave, one item per (job, attempt) is left.
        old = self._put(
            {
                **item_key(f"recentjob#{item.job_id}", f"{user_id}#{item.attempt}"),
                "user_id": {"S": user_id},
                "attempt": {"N": str(item.attempt)},
                "item_sk": {"S": sort_key},
            },
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if old and old["item_sk"]["S"] != sort_key:
            self._delete(item_key(f"recent#{user_id}", old["item_sk"]["S"]))
        self._trim_recent(user_id)

    def _trim_recent(self, user_id: str) -> None:
        """Delete the user's results beyond the newest ``RECENT_KEPT_PER_USER``."""
        listed = self._query(f"recent#{user_id}", newest_first=True, projection="sk, job_id, attempt")
        for item in listed[RECENT_KEPT_PER_USER:]:
            self._drop_recent(user_id, item["sk"]["S"], item["job_id"]["S"], int(item["attempt"]["N"]))

    def _drop_recent(self, user_id: str, sort_key: str, job_id: str, attempt: int) -> None:
        # The item first: a crash in between leaves a pointer to nothing, never an unfindable item.
        self._delete(item_key(f"recent#{user_id}", sort_key))
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=item_key(f"recentjob#{job_id}", f"{user_id}#{attempt}"),
                ConditionExpression="item_sk = :sk",
                ExpressionAttributeValues={":sk": {"S": sort_key}},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            # Added again meanwhile: the pointer names the newer item, which stays listed.

    def recent(self, user_id: str, limit: int = 10) -> list[RecentJob]:
        """The user's latest results, newest first by the job's creation time."""
        if limit <= 0:
            return []
        items = []
        for raw in self._query(f"recent#{user_id}", newest_first=True, limit=limit):
            try:
                items.append(RecentJob.model_validate_json(raw["recent"]["S"]))
            except (ValidationError, KeyError):
                logger.warning("skipping unreadable recent result of user %s", user_id)
        return items

    def forget_recent(self, job_id: str) -> None:
        """Drop every listed result of a job (after it was deleted)."""
        for pointer in self._query(f"recentjob#{job_id}"):
            self._drop_recent(
                pointer["user_id"]["S"], pointer["item_sk"]["S"], job_id, int(pointer["attempt"]["N"])
            )

    def count_request(self, user_id: str, team_id: str | None, job_id: str) -> None:
        """Count an accepted request once per job id, for quotas; a repeat keeps the first count."""
        now = epoch_micros(self._clock())
        who: dict[str, Any] = {"user_id": {"S": user_id}}
        if team_id is not None:
            who["team_id"] = {"S": team_id}
        try:
            self._put(
                {
                    **item_key(f"request#{job_id}"),
                    **who,
                    "counted_at": seconds_attribute(now),
                    "expires_at": self._expires(now),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            # Counted before, maybe by a call that failed before its tallies: rewrite them from
            # the marker. Same keys and values, so a request is never tallied twice.
            first = self._get(item_key(f"request#{job_id}"))
            if first is None:  # expired in between: the request is older than the ttl
                return
            who = {name: first[name] for name in ("user_id", "team_id") if name in first}
            now = int(Decimal(first["counted_at"]["N"]).scaleb(6))
        tally = {**who, "job_id": {"S": job_id}, "expires_at": self._expires(now)}
        partitions = [f"requests#user#{who['user_id']['S']}", "requests#all"]
        if "team_id" in who:
            partitions.append(f"requests#team#{who['team_id']['S']}")
        for partition in partitions:
            self._put({**item_key(partition, f"{time_key(now)}#{job_id}"), **tally})

    def requests_since(
        self, since: datetime, *, user_id: str | None = None, team_id: str | None = None
    ) -> int:
        """Requests counted at or after ``since``, optionally for one user and/or workspace."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "Select": "COUNT",
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":since": {"S": time_key(epoch_micros(since))}},
            "ConsistentRead": True,
        }
        if user_id is not None:
            partition = f"requests#user#{user_id}"
            if team_id is not None:
                request["FilterExpression"] = "team_id = :team"
                request["ExpressionAttributeValues"][":team"] = {"S": team_id}
        elif team_id is not None:
            partition = f"requests#team#{team_id}"
        else:
            partition = "requests#all"
        request["ExpressionAttributeValues"][":pk"] = {"S": partition}
        total = 0
        while True:
            response = self._client.query(**request)
            total += int(response["Count"])
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return total
            request["ExclusiveStartKey"] = last_key

    def record_usage(self, entry: UsageEntry) -> None:
        """Count a finished job for the usage view; the same job id again replaces its entry."""
        finished = epoch_micros(entry.finished_at)
        expires = self._expires(finished)
        partition = f"usage#{entry.team_id if entry.team_id is not None else NO_TEAM}"
        # A fresh sort key per write: with the pointer swap below, concurrent records of one job
        # can never delete each other's item and leave none.
        sort_key = f"{time_key(finished)}#{entry.job_id}#{uuid.uuid4().hex}"
        self._put(
            {
                **item_key(partition, sort_key),
                "job_id": {"S": entry.job_id},
                "user_id": {"S": entry.user_id},
                "finished_at": seconds_attribute(finished),
                "entry": {"S": entry.model_dump_json()},
                "expires_at": expires,
            }
        )
        old = self._put(
            {
                **item_key(f"usagejob#{entry.job_id}"),
                "usage_pk": {"S": partition},
                "usage_sk": {"S": sort_key},
                "expires_at": expires,
            },
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if old:
            self._delete(item_key(old["usage_pk"]["S"], old["usage_sk"]["S"]))

    def usage_since(self, team_id: str | None, since: datetime) -> list[UserUsage]:
        """Per-user totals of the workspace's jobs finished at or after ``since``, most jobs first."""
        partition = f"usage#{team_id if team_id is not None else NO_TEAM}"
        entries = []
        for raw in self._query(partition, since=epoch_micros(since)):
            try:
                entries.append(UsageEntry.model_validate_json(raw["entry"]["S"]))
            except (ValidationError, KeyError):
                logger.warning("skipping an unreadable usage entry")
        return usage_by_user(entries)

    def prune(self, older_than: timedelta) -> int:
        """Delete nothing and return 0: TTL ages items out and add_recent caps recent results."""
        # Honouring another age than the ttl would take a Scan of the whole table.
        return 0

    def close(self) -> None:
        """Nothing to release: the client belongs to the caller."""
