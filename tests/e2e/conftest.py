"""Fixtures for the end-to-end scenarios: the root conftest's ``box`` with the question picker
these scenarios share, and the crash check that a module turns on with
``pytestmark = pytest.mark.usefixtures("no_crash")``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.e2e.helpers import DimensionPicker


@pytest.fixture
def picker() -> DimensionPicker:
    """Overrides the root conftest's ``picker`` (the ``box`` fixture uses it). Until a test sets
    ``dimension`` it picks as the root ``Picker`` does on the shipped content, where every scale
    question has a mismatch rule."""
    return DimensionPicker()


@pytest.fixture
def no_crash(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture INFO logs; fail when any handler crashed or anything was logged as an error."""
    caplog.set_level(logging.INFO)
    yield caplog
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors
