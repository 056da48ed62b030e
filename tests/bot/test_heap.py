"""The heap built at start-up is collected once, then kept out of later full collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.heap import settle_startup_heap


class _Node:
    """Something that can sit in a reference cycle and be watched through a weak reference."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfreeze() -> Iterator[None]:
    """Give the frozen objects back to the collector, so later tests run with the usual heap."""
    yield
    gc.unfreeze()


def _tracked(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


@pytest.mark.usefixtures("unfreeze")
def test_cycles_left_by_start_up_are_collected_and_the_living_heap_is_set_aside() -> None:
    garbage = _Node()
    dead = weakref.ref(garbage)
    del garbage
    kept = _Node()

    frozen = settle_startup_heap()

    assert dead() is None  # start-up's cycles were collected, not frozen with the rest
    assert frozen == gc.get_freeze_count() > 0
    assert not _tracked(kept)  # out of every generation a collection walks
    gc.unfreeze()
    assert _tracked(kept)


@pytest.mark.usefixtures("unfreeze")
def test_what_is_made_after_start_up_is_collected_as_before() -> None:
    settle_startup_heap()
    later = _Node()
    gone = weakref.ref(later)
    del later

    gc.collect()

    assert gone() is None
