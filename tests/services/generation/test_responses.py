"""Image model answers are read a few at a time (services/generation/responses.py)."""

from __future__ import annotations

import json
import threading

import boto3

from services.generation.responses import GatedBody, gate_image_reads
from tests.servers.aws_emulator import AwsEmulator

NOVA = "amazon.nova-canvas-v1:0"


class Body:
    """Reads whether the shared slot was free while it was being read."""

    def __init__(self, slots: threading.Semaphore) -> None:
        self.slots = slots
        self.slot_free_while_read: bool | None = None
        self.closed = False

    def read(self, amt: int | None = None) -> bytes:
        self.slot_free_while_read = self.slots.acquire(blocking=False)
        if self.slot_free_while_read:
            self.slots.release()
        return b"{}"

    def close(self) -> None:
        self.closed = True


def test_a_read_holds_one_of_the_shared_slots_and_gives_it_back() -> None:
    slots = threading.BoundedSemaphore(1)
    body = Body(slots)
    gated = GatedBody(body, slots)

    assert gated.read() == b"{}"

    assert body.slot_free_while_read is False  # the one slot was taken by this read
    assert slots.acquire(blocking=False)  # and free again afterwards
    gated.close()  # everything else is the body's own
    assert body.closed


def test_the_bedrock_client_hands_out_gated_answers(aws: AwsEmulator) -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    gate_image_reads(client, reads=2)
    request = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a red fox"},
        "imageGenerationConfig": {"numberOfImages": 1, "width": 512, "height": 512, "seed": 1},
    }

    response = client.invoke_model(modelId=NOVA, body=json.dumps(request))

    assert isinstance(response["body"], GatedBody)
    assert len(json.loads(response["body"].read())["images"]) == 1
    # Other operations are left alone.
    converse = client.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert "output" in converse
