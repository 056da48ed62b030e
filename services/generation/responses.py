"""Image model answers are read into memory a few at a time.

An InvokeModel answer with three 1024² images is about 6.4 MB of base64 JSON, and reading and
parsing it briefly takes several copies of that. Jobs whose image calls end together (a burst of
requests, all with the same model latency) would all hold those copies at the same moment:
python -m bench measured 300 MB for 50 such answers read at once, and a third of that when four
are read at a time. Waiting for the model takes seconds; reading its answer off the socket takes
milliseconds, so queueing the reads costs the jobs next to nothing and bounds the peak.

This gate holds a slot only while an answer is read off the socket, for every caller (edits and
upscales too). A round's candidates also hold a permit of ``core.answer_budget`` from the read until
their images are archived and shrunk, since the decoded PNGs waiting for that were the larger part.
"""

from __future__ import annotations

import threading
from typing import Any

# Answers read at once, across all jobs.
IMAGE_READS = 4


class GatedBody:
    """A botocore StreamingBody whose ``read`` waits for one of the shared read slots."""

    def __init__(self, body: Any, slots: threading.Semaphore) -> None:
        self._body = body
        self._slots = slots

    def read(self, amt: int | None = None) -> bytes:
        """Read (all of) the answer while holding a slot."""
        with self._slots:
            data: bytes = self._body.read(amt)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._body, name)


def gate_image_reads(client: Any, reads: int = IMAGE_READS) -> threading.Semaphore:
    """Make ``client`` (bedrock-runtime) hand out InvokeModel answers that are read ``reads`` at a time."""
    slots = threading.BoundedSemaphore(reads)

    def gate(parsed: dict[str, Any], **_: Any) -> None:
        # botocore leaves a streaming answer unread: the adapter reads it after the call returns.
        body = parsed.get("body")
        if body is not None:
            parsed["body"] = GatedBody(body, slots)

    client.meta.events.register("after-call.bedrock-runtime.InvokeModel", gate)
    return slots
