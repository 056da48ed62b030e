"""python -m bot sets glibc's mmap threshold itself, so a plain pip install needs no MALLOC_ variable."""

from __future__ import annotations

import platform

import pytest

from bot.heap import return_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_mmap_threshold() -> None:
    assert return_freed_memory() is True


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))
    assert return_freed_memory() is False
