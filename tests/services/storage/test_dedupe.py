"""First-time checks: in memory under racing threads, and in DynamoDB (moto over HTTP)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from services.storage.dedupe import DynamoDeduper, MemoryDeduper
from tests.conftest import DynamoTable

TABLE = "slack-dedupe-test"
REGION = "us-east-1"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def race(first_time: Any, key: str, threads: int = 16) -> list[bool]:
    """``threads`` calls released at the same moment."""
    barrier = threading.Barrier(threads)

    def call() -> bool:
        barrier.wait()
        return bool(first_time(key, 60))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda _: call(), range(threads)))


# --- MemoryDeduper ---------------------------------------------------------------------------------


def test_memory_racing_threads_get_exactly_one_true() -> None:
    deduper = MemoryDeduper()

    for round_ in range(20):
        results = race(deduper.first_time, f"event:Ev{round_}")
        assert results.count(True) == 1, results


def test_memory_key_is_new_again_after_its_ttl() -> None:
    clock = FakeClock()
    deduper = MemoryDeduper(clock=clock)

    assert deduper.first_time("action:a", 5) is True
    clock.now += 4.9
    assert deduper.first_time("action:a", 5) is False
    assert deduper.first_time("action:b", 5) is True  # other keys are independent
    clock.now += 0.2
    assert deduper.first_time("action:a", 5) is True
    assert deduper.first_time("action:a", 5) is False


def test_memory_duplicate_does_not_extend_the_ttl() -> None:
    clock = FakeClock()
    deduper = MemoryDeduper(clock=clock)

    deduper.first_time("k", 5)
    clock.now += 3
    assert deduper.first_time("k", 5) is False
    clock.now += 3  # 6 s after the first: the duplicate at 3 s did not restart the clock
    assert deduper.first_time("k", 5) is True


def test_memory_is_bounded_and_forgets_the_oldest_key_first() -> None:
    deduper = MemoryDeduper(max_keys=3, clock=FakeClock())

    for key in ("a", "b", "c", "d"):
        assert deduper.first_time(key, 60) is True

    assert deduper.size() == 3
    assert deduper.first_time("d", 60) is False
    assert deduper.first_time("c", 60) is False
    # "a" was evicted to make room: seen again, it passes (a duplicate, never a lost request).
    assert deduper.first_time("a", 60) is True
    assert deduper.size() == 3


def test_memory_drops_expired_keys_as_it_goes() -> None:
    clock = FakeClock()
    deduper = MemoryDeduper(clock=clock)
    for n in range(100):
        deduper.first_time(f"k{n}", 5)
    clock.now += 10

    deduper.first_time("fresh", 5)

    assert deduper.size() == 1


def test_memory_rejects_a_useless_bound() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        MemoryDeduper(max_keys=0)


# --- DynamoDeduper ---------------------------------------------------------------------------------


@pytest.fixture
def dynamodb(dynamo_table: Callable[..., DynamoTable]) -> DynamoTable:
    """An empty dedupe table (pk + expires_at TTL) on moto's DynamoDB over real HTTP."""
    return dynamo_table("dedupe", ["pk"])


def test_dynamo_first_time_once_then_false(dynamodb: DynamoTable) -> None:
    client, table = dynamodb
    deduper = DynamoDeduper(table, region_name=REGION, clock=FakeClock())

    assert deduper.first_time("event:Ev1", 3600) is True
    assert deduper.first_time("event:Ev1", 3600) is False
    assert deduper.first_time("event:Ev2", 3600) is True

    item = client.get_item(TableName=table, Key={"pk": {"S": "event:Ev1"}})["Item"]
    assert item["expires_at"] == {"N": str(1_700_000_000 + 3600)}


def test_dynamo_expired_key_is_reusable_before_the_ttl_sweep(dynamodb: DynamoTable) -> None:
    clock = FakeClock()
    deduper = DynamoDeduper(dynamodb[1], region_name=REGION, clock=clock)

    assert deduper.first_time("action:x", 5) is True
    clock.now += 4
    assert deduper.first_time("action:x", 5) is False
    # DynamoDB's TTL sweep may lag for hours; the item is still there, but expired.
    clock.now += 2
    assert deduper.first_time("action:x", 5) is True
    assert deduper.first_time("action:x", 5) is False


def test_dynamo_uses_the_client_it_is_given(dynamodb: DynamoTable) -> None:
    client, table = dynamodb
    deduper = DynamoDeduper(table, client=client)

    assert deduper.first_time("view:V1:abc", 600) is True
    assert deduper.first_time("view:V1:abc", 600) is False


def test_dynamo_missing_table_fails_open_with_a_warning(
    dynamodb: DynamoTable, caplog: pytest.LogCaptureFixture
) -> None:
    deduper = DynamoDeduper("no-such-table", region_name=REGION)

    with caplog.at_level(logging.WARNING, logger="services.storage.dedupe.dynamodb"):
        assert deduper.first_time("event:Ev1", 3600) is True
        assert deduper.first_time("event:Ev1", 3600) is True  # every request gets through

    assert "ResourceNotFoundException" in caplog.text
    assert "no-such-table" in caplog.text


def test_dynamo_unreachable_endpoint_fails_open(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on localhost: nothing listens, the connection is refused at once.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    deduper = DynamoDeduper(TABLE, region_name=REGION)

    assert deduper.first_time("event:Ev1", 3600) is True
