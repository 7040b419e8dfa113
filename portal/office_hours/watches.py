""""Tell me when they next go live": a candidate's wish to hear, once, when a person opens a window
(``notify.watchers_told`` sends the e-mail and uses the wish up). Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..candidates.models import Candidate
from ..extensions import db
from ..i18n import _
from .models import HoursWatch
from .windows import HoursError


def is_watching(candidate: Candidate, staff_id: int) -> bool:
    return db.session.get(HoursWatch, (candidate.id, staff_id)) is not None


def set_watch(candidate: Candidate, person, on: bool, now: datetime) -> bool:
    """Start (``on``) or stop watching ``person``; setting what is already set changes nothing
    (a double click, a second tab). Returns whether the candidate is watching now."""
    if on and not candidate.in_offer_process:
        raise HoursError(_("Office hours are for candidates who are still deciding on their offer."))
    existing = db.session.get(HoursWatch, (candidate.id, person.id))
    if not on:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
            record("hours.unwatched", f"{candidate.user.name} no longer wants to hear when {person.name} goes live",
                   actor=candidate.user, candidate=candidate, subject=person)
        return False
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(HoursWatch(candidate_id=candidate.id, staff_id=person.id, created_at=now))
        except IntegrityError:  # the same wish, a moment ago
            return True
        record("hours.watched", f"{candidate.user.name} asked to hear when {person.name} next goes live",
               actor=candidate.user, candidate=candidate, subject=person)
    return True
