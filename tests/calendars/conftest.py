"""Fixtures of the calendar library's tests: one Radicale per test worker, a feed server per test."""

from __future__ import annotations

import pytest

import calendar_servers


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """A running Radicale (session-wide, so one per xdist worker); tests add users of their own."""
    with calendar_servers.radicale_server(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def feed_server():
    """A running feed server of the test's own."""
    with calendar_servers.feed_server() as server:
        yield server
