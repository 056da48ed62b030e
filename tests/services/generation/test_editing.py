"""When a thread mention may become an edit of the posted image (services/generation/editing.py).

``Editor.region_operations`` is asked before the refine call: only the region edits it returns are
offered to the model, and none means today's refine. The adapters are the real ones (their
capabilities decide), the archive an in-memory one holding the result the mention replies to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.job import Attempt, Job, JobRecord
from services.generation.bedrock import ToolCaller
from services.generation.catalogue import ModelCatalogue
from services.generation.edit_plans import EditPlanner
from services.generation.editing import Editor
from services.generation.image_models import EditModels
from tests.services.generation.edit_support import client, edit_model, image_model
from tests.services.generation.pipeline_fakes import (
    FakeArchive,
    FakeModerator,
    FakeRules,
    FakeVerifier,
    Log,
)

PARENT = "20260101T000000-0000abcd"
NOVA = "amazon.nova-canvas-v1:0"
SD3 = "stability.sd3-5-large-v1:0"
SEARCH_REPLACE = "stability.stable-image-search-replace-v1:0"
ERASE_OBJECT = "stability.stable-image-erase-object-v1:0"
REGION_EDITS = frozenset({"inpaint", "erase", "recolor"})


def attempt(index: int, **fields: Any) -> Attempt:
    values: dict[str, Any] = {
        "index": index, "revision": 0, "prompt": "a lighthouse", "seed": 7, "cfg_scale": None,
        "outcome": "accepted", "image_key": f"{PARENT}/r0-a0{index}.png", "policy_action": "post",
    }  # fmt: skip
    return Attempt.model_validate({**values, **fields})


def parent(alias: str = "nova", attempts: list[Attempt] | None = None, **fields: Any) -> JobRecord:
    values: dict[str, Any] = {
        "job_id": PARENT, "trigger": "command", "created_at": datetime.now(UTC),
        "original_text": "崖の上の灯台", "english_prompt": "a lighthouse", "model_id": "m",
        "model_alias": alias, "width": 1024, "height": 1024, "attempts": attempts or [attempt(1)],
        "chosen_attempt": 1, "posted_file_id": "F0POSTED",
    }  # fmt: skip
    return JobRecord.model_validate({**values, **fields})


def mention(source_attempt: int | None = 1) -> Job:
    return Job(
        text="崖の上の灯台",
        english_prompt="a lighthouse",
        instruction="左の人を消して",
        trigger="refine",
        parent_job_id=PARENT,
        source_attempt=source_attempt,
    )


def editor(archive: FakeArchive, services: dict[str, str] | None = None) -> Editor:
    nova, sd3 = image_model(NOVA), image_model(SD3)
    log = Log()
    return Editor(
        catalogue=ModelCatalogue(nova, {"nova": nova, "sd3": sd3}),
        edits=EditModels({op: edit_model(model_id) for op, model_id in (services or {}).items()}),
        planner=EditPlanner(ToolCaller(client()), "text-model"),
        rules=FakeRules(log),
        moderator=FakeModerator(log),
        verifier=FakeVerifier(log),
        archive=archive,
    )


def archived(record: JobRecord | None) -> FakeArchive:
    archive = FakeArchive(Log())
    if record is not None:
        archive.records[record.job_id] = record
    return archive


def test_a_posted_result_of_a_model_that_edits_by_words_allows_every_region_edit() -> None:
    assert editor(archived(parent())).region_operations(mention()) == REGION_EDITS


def test_a_model_without_region_edits_allows_none() -> None:
    assert editor(archived(parent("sd3"))).region_operations(mention()) == frozenset()


def test_a_configured_edit_model_adds_what_it_can_do_by_words() -> None:
    # Search and Replace finds its region by words; Erase Object needs a mask image, which a
    # mention in a thread cannot give.
    services = {"inpaint": SEARCH_REPLACE, "erase": ERASE_OBJECT}

    assert editor(archived(parent("sd3")), services).region_operations(mention()) == {"inpaint"}


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(parent(posted_file_id=None), id="never posted"),
        pytest.param(parent(deleted_at=datetime.now(UTC), deleted_by="U0ADMIN"), id="deleted"),
        pytest.param(parent(attempts=[attempt(1, policy_action="blur")]), id="posted blurred"),
        pytest.param(parent(attempts=[attempt(1, outcome="unsafe", policy_action="block")]), id="unsafe"),
        pytest.param(parent(attempts=[attempt(1, image_key=None)]), id="image not archived"),
        pytest.param(None, id="record gone"),
    ],
)
def test_no_edit_is_offered_unless_the_thread_shows_the_archived_image_as_it_was_posted(
    record: JobRecord | None,
) -> None:
    assert editor(archived(record)).region_operations(mention()) == frozenset()


def test_the_candidate_the_thread_shows_is_the_one_that_counts() -> None:
    record = parent(
        attempts=[attempt(1, outcome="unsafe", policy_action="block"), attempt(2)], chosen_attempt=2
    )
    edits = editor(archived(record))

    assert edits.region_operations(mention(source_attempt=2)) == REGION_EDITS
    assert edits.region_operations(mention(source_attempt=1)) == frozenset()
    assert edits.region_operations(mention(source_attempt=None)) == REGION_EDITS  # the chosen one


def test_an_archive_that_cannot_be_read_leaves_the_mention_a_global_refine() -> None:
    class Unreadable(FakeArchive):
        def get_record(self, job_id: str) -> JobRecord | None:
            raise OSError("S3 is down")

    assert editor(Unreadable(Log())).region_operations(mention()) == frozenset()
