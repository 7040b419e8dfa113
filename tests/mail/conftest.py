"""Fixtures the outbox's process tests share (test_outbox_crash.py, test_worker_stops_gracefully.py)."""

import pytest
from test_outbox_crash import StallingSink


@pytest.fixture
def stalling_sink():
    """An SMTP server that stalls inside the conversation of the 3rd message, after storing it, until released."""
    sink = StallingSink(stall_at=3)
    sink.controller.start()
    yield sink
    sink.release.set()
    sink.controller.stop()
