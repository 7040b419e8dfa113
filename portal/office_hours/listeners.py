"""Office hours' reactions to what lower features announce: a candidate who decides leaves every queue;
a person edited, hidden or deactivated moves the poll clock (pollers stop showing a hidden person as
"Available now"), and a person hidden or deactivated while live closes their window (those waiting
are told)."""

from __future__ import annotations

from ..candidates import hooks as candidate_hooks
from ..people import hooks as people_hooks
from . import clock
from .queue import close_window, remove_candidate
from .windows import live_window


@candidate_hooks.decided.connect
def _leave_queues(candidate, stage=None, by=None, now=None, **_):
    remove_candidate(candidate, now)


@people_hooks.person_changed.connect
def _person_changed(profile, now=None, **_):
    if not (profile.visible and profile.user.active):
        window = live_window(profile.user_id)
        if window is not None:
            close_window(window, now)  # moves the clock too
            return
    clock.changed(now)
