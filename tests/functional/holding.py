"""Holding jobs still in a functional test: translations answered only when the test says so.

Tests that hold jobs this way assert order and place, never time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from tests.servers.aws_emulator import Recorded

TRANSLATE = "submit_image_prompt"
HOLD = 30  # seconds before a test gives up on jobs that never arrive (a hang, not a timing)


class TranslationGate:
    """Answers every translation only once opened, so jobs stay running while the test queues more."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.arrived: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, request: Recorded) -> dict[str, Any]:
        text = str(request.body["messages"][0]["content"][0]["text"])
        with self._changed:
            self.arrived.append(text)
            self._changed.notify_all()
        assert self.opened.wait(HOLD), "the gate was never opened"
        tool_input = {"english_prompt": "a calm sea", "safe": True, "category": "none", "requirements": []}
        return {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": "t1", "name": TRANSLATE, "input": tool_input}}],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
            "metrics": {"latencyMs": 1},
        }

    def wait_arrived(self, count: int) -> list[str]:
        """Until ``count`` jobs reached their translation (they run); their texts, in arrival order."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.arrived) >= count, HOLD), self.arrived
            return list(self.arrived)


def wait_until(condition: Callable[[], bool]) -> None:
    """A sync point: until ``condition`` holds (failing after HOLD seconds: a hang, not a timing)."""
    deadline = time.monotonic() + HOLD
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)
