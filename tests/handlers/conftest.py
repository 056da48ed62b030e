"""Every listener and the error handler registered on a fake App, over fake services."""

from __future__ import annotations

import pytest

import handlers
from tests.handlers.fakes import FakeApp, FakeServices


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def app(services: FakeServices) -> FakeApp:
    """What ``handlers.register_all`` attaches, as the real app gets it."""
    fake = FakeApp()
    handlers.register_all(fake, services)  # type: ignore[arg-type]
    return fake
