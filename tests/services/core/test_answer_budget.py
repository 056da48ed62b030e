"""AnswerBudget: image answers are read a few at a time, and a scope holds one permit at most."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest

from services.core.answer_budget import AnswerBudget, before_reading
from services.generation.bedrock import RetryPolicy
from services.generation.image_models.base import invoke_json

WAIT = 10.0


class Body(io.BytesIO):
    """A response body that notes when it is read."""

    def __init__(self, payload: dict[str, Any], reads: list[str], name: str) -> None:
        super().__init__(json.dumps(payload).encode())
        self._reads, self._name = reads, name

    def read(self, size: int | None = -1) -> bytes:
        self._reads.append(self._name)
        return super().read(size)


class Client:
    """Stands in for bedrock-runtime: answers at once, with a body read later."""

    def __init__(self, reads: list[str]) -> None:
        self._reads = reads

    def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
        return {"body": Body({"images": ["aGk="]}, self._reads, json.loads(kwargs["body"])["name"])}


def test_a_second_answer_is_read_only_after_the_first_scope_ends() -> None:
    budget = AnswerBudget(1)
    reads: list[str] = []
    client = Client(reads)
    first_read, finish_first = threading.Event(), threading.Event()

    def first() -> None:
        with budget.scope():
            invoke_json(client, RetryPolicy(), "model", {"name": "first"})
            first_read.set()
            finish_first.wait(WAIT)  # archiving and shrinking its images

    def second() -> None:
        with budget.scope():
            invoke_json(client, RetryPolicy(), "model", {"name": "second"})

    one = threading.Thread(target=first)
    one.start()
    assert first_read.wait(WAIT)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.3)
    # The second answer came back, but waits unread while the first job holds its images.
    assert two.is_alive() and reads == ["first"]
    finish_first.set()
    one.join(WAIT)
    two.join(WAIT)
    assert reads == ["first", "second"]


def test_a_scope_holds_one_permit_however_many_answers_it_reads() -> None:
    budget = AnswerBudget(1)
    with budget.scope():
        before_reading()
        before_reading()  # a second answer in the same scope does not wait for itself
    with budget.scope():
        before_reading()  # given back when the scope ended


def test_a_scope_that_reads_nothing_takes_no_permit_and_outside_scopes_nothing_waits() -> None:
    budget = AnswerBudget(1)
    done = threading.Event()
    with budget.scope():

        def other() -> None:
            with budget.scope():
                before_reading()
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert done.wait(WAIT)
        thread.join(WAIT)
    before_reading()


def test_the_permit_is_given_back_when_the_scope_fails() -> None:
    budget = AnswerBudget(1)
    with pytest.raises(RuntimeError), budget.scope():
        before_reading()
        raise RuntimeError("model failed after answering")
    finished = threading.Event()

    def later() -> None:
        with budget.scope():
            before_reading()
        finished.set()

    threading.Thread(target=later).start()
    assert finished.wait(WAIT)


def test_a_budget_needs_a_permit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AnswerBudget(0)
