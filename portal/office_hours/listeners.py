"""Office hours' reactions to what lower features announce: a candidate who decides leaves every queue."""

from __future__ import annotations

from ..candidates import hooks as candidate_hooks
from .queue import remove_candidate


@candidate_hooks.decided.connect
def _leave_queues(candidate, stage=None, by=None, now=None, **_):
    remove_candidate(candidate, now)
