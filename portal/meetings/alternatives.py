"""Who else a candidate could ask when a conversation doesn't happen (declined, not approved, a no-show).

``alternatives(meeting, now)`` is the one answer the candidate's mail and their conversation page
both show: up to three other people who can answer the same questions and are free, each with a
link that opens the request form with the same format, length and questions already chosen.

- *The same questions*: the meeting's open agenda questions, through the directory's topic matcher
  (``questions.suggestions.suggest_people``); a private question counts by its category only, so its
  words never reach a mail. Without an open agenda: the declined person's topics and team.
- *Free*: ``free_times.is_open`` and at least one time the request form would offer before the
  candidate's decision deadline (``free_times.bookable_slots``' rules: both sides' confirmed
  conversations, time off, the weekly cap); a request in writing needs no time, so open is enough.
  The first free time shown is the first the request form offers: within the candidate's hours when
  one is, else the nearest outside them (marked early or late).
- Never the person it was with, never someone the candidate already has a request waiting for, and
  nobody once the candidate's offer process has ended.

A fixed number of queries whatever the size of the directory (the agenda, the people with their
windows and time off, the waiting requests, both sides' busy times and the weekly counts); the
matching and the free times are worked out in Python. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User
from ..calendars.models import CalendarBusy
from ..extensions import db
from ..i18n import _
from ..people.availability import Slot, free_slots, within_hours
from ..people.models import StaffProfile
from ..questions.suggestions import suggest_people
from ..timeutil import to_zone
from .models import WAITING, CounterTime, Meeting, ProposedSlot
from .free_times import DAYS_AHEAD, candidate_busy, is_open
from .requests import agenda

LIMIT = 3


@dataclass(frozen=True)
class Alternative:
    """Someone else to ask: why they fit, their first free time, and the prefilled request's address."""

    profile: StaffProfile
    reasons: tuple[str, ...]  # topics or words that matched, as the directory shows them
    first_free: Slot | None  # None for a request in writing
    params: dict  # for url_for / absolute_url("meetings.new", **params)
    early_late: str | None = None  # "early" / "late" when no free time falls within the candidate's hours

    @property
    def person(self) -> User:
        return self.profile.user


def request_params(meeting: Meeting, person_id: int, question_ids: list[int]) -> dict:
    """The request form for ``person_id`` with ``meeting``'s format, length and ``question_ids`` chosen."""
    params: dict = {"user_id": person_id, "format": meeting.format, "length": meeting.length_minutes}
    if question_ids:
        params["q"] = list(question_ids)
    return params


def open_agenda(meeting: Meeting) -> list:
    """The meeting's agenda questions still open (the candidate's own only)."""
    return [q for q in agenda(meeting) if not q.is_answered]


def _matchable(question):
    """A private question is matched by its category alone: its words stay in the portal."""
    if not question.private:
        return question
    return SimpleNamespace(id=question.id, text="", category=question.category, is_answered=False,
                           directed_to_id=question.directed_to_id)


def _about_the_person(meeting: Meeting):
    """Without an open agenda: what the person it was with is asked about (their topics, their team)."""
    profile = meeting.staff.profile
    words = [*(profile.topic_list if profile else []), *([profile.team] if profile and profile.team else [])]
    return SimpleNamespace(id=0, text=", ".join(words), category="other", is_answered=False,
                           directed_to_id=meeting.staff_id)


def _open_people(exclude_id: int) -> list[StaffProfile]:
    """Everyone a candidate could ask now, with what ``free_slots`` needs (three queries)."""
    return list(db.session.scalars(
        sa.select(StaffProfile).join(StaffProfile.user)
        .where(StaffProfile.user_id != exclude_id, StaffProfile.visible.is_(True), User.active.is_(True),
               StaffProfile.accepting_requests.is_(True), StaffProfile.weekly_cap > 0)
        .options(joinedload(StaffProfile.user), selectinload(StaffProfile.windows),
                 selectinload(StaffProfile.time_off))).unique())


def _waiting_for(candidate_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Meeting.staff_id).where(
        Meeting.candidate_id == candidate_id, Meeting.status.in_(WAITING))))


def _reasons(per_question: list[tuple[str, ...]], limit: int = 3) -> tuple[str, ...]:
    """What fits, a little from each question in turn ("on-call, career growth"), no word twice
    ("career" is left out beside "career growth")."""
    chosen: list[str] = []
    for depth in range(max(map(len, per_question), default=0)):
        for reasons in per_question:
            if depth < len(reasons) and len(chosen) < limit:
                reason = reasons[depth]
                if not any(reason in taken or taken in reason for taken in chosen):
                    chosen.append(reason)
    return tuple(chosen)


def _ranked(questions, profiles, team: str | None) -> list[tuple[StaffProfile, tuple[str, ...]]]:
    """Everyone who matches at least one question: most questions matched first, then the best place
    in any question's list, then name."""
    matches = suggest_people(questions, profiles, team=team, limit=len(profiles))
    best: dict[int, list] = {}
    for question in questions:
        for place, suggestion in enumerate(matches.get(question.id, [])):
            profile = suggestion.profile
            row = best.setdefault(profile.user_id, [0, place, profile, []])
            row[0] -= 1
            row[1] = min(row[1], place)
            row[3].append(suggestion.reasons)
    rows = sorted(best.values(), key=lambda row: (row[0], row[1], row[2].user.name, row[2].user_id))
    return [(profile, _reasons(reasons)) for _, _, profile, reasons in rows]


def _busy_by_person(ids: list[int], now: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Each person's confirmed conversations not over yet and their own calendar's busy times
    (what ``free_times.busy_of_both`` reads of one person, for many at once, one query)."""
    busy: dict[int, list] = {}
    for staff_id, start, end in db.session.execute(sa.union_all(
            sa.select(Meeting.staff_id, Meeting.start_at, Meeting.end_at)
            .where(Meeting.staff_id.in_(ids), Meeting.status == "confirmed", Meeting.end_at > now),
            sa.select(CalendarBusy.user_id, CalendarBusy.start_at, CalendarBusy.end_at)
            .where(CalendarBusy.user_id.in_(ids), CalendarBusy.end_at > now))):
        busy.setdefault(staff_id, []).append((start, end))
    return busy


def _week_counts(profiles: dict[int, StaffProfile], now: datetime) -> dict[int, dict[tuple[int, int], int]]:
    """``capacity.week_counts`` for many people in one query: per person, the conversations per ISO week
    (their zone) that count against their cap — confirmed ones where they happen, open invitations in
    every week one of their proposed times falls in, and times they proposed instead in theirs."""
    since = now - timedelta(days=7)
    ids = list(profiles)
    rows = db.session.execute(sa.union_all(
        sa.select(Meeting.staff_id, Meeting.id, Meeting.start_at)
        .where(Meeting.staff_id.in_(ids), Meeting.status == "confirmed", Meeting.start_at > since),
        sa.select(Meeting.staff_id, ProposedSlot.meeting_id, ProposedSlot.start_at).join(Meeting)
        .where(Meeting.staff_id.in_(ids), Meeting.status == "invited", ProposedSlot.start_at > since),
        sa.select(Meeting.staff_id, CounterTime.meeting_id, CounterTime.start_at).join(Meeting)
        .where(Meeting.staff_id.in_(ids), Meeting.status == "proposed", CounterTime.start_at > since)))
    weeks: dict[int, dict[int, set]] = {}
    for staff_id, meeting_id, start in rows:
        iso = to_zone(start, profiles[staff_id].user.timezone).isocalendar()
        weeks.setdefault(staff_id, {}).setdefault(meeting_id, set()).add((iso.year, iso.week))
    counts: dict[int, dict[tuple[int, int], int]] = {}
    for staff_id, by_meeting in weeks.items():
        mine = counts.setdefault(staff_id, {})
        for meeting_weeks in by_meeting.values():
            for week in meeting_weeks:
                mine[week] = mine.get(week, 0) + 1
    return counts


def alternatives(meeting: Meeting, now: datetime, *, limit: int = LIMIT) -> list[Alternative]:
    """Up to ``limit`` other people for ``meeting``'s questions who are free (see the module's notes)."""
    candidate = meeting.candidate
    if candidate.stage != "offer":
        return []
    asked = open_agenda(meeting)
    questions = [_matchable(q) for q in asked] or [_about_the_person(meeting)]
    waiting = _waiting_for(candidate.id)
    profiles = [p for p in _open_people(meeting.staff_id) if p.user_id not in waiting and is_open(p)]
    ranked = _ranked(questions, profiles, candidate.position.team if candidate.position else None)
    if not ranked:
        return []
    question_ids = [q.id for q in asked]
    written = meeting.format == "written"
    if written:
        return [Alternative(profile, reasons, None, request_params(meeting, profile.user_id, question_ids))
                for profile, reasons in ranked[:limit]]

    by_id = {profile.user_id: profile for profile, _ in ranked}
    person_busy = _busy_by_person(list(by_id), now)
    own_busy = candidate_busy(candidate, now)
    weeks = _week_counts(by_id, now)
    zone, deadline, hours = candidate.user.timezone, candidate.decision_deadline, candidate.user.hours
    today = to_zone(now, zone).date()
    length = timedelta(minutes=meeting.length_minutes)
    found = []
    for profile, reasons in ranked:
        slots = free_slots(profile, today, today + timedelta(days=DAYS_AHEAD - 1), length, zone, now=now,
                           busy=person_busy.get(profile.user_id, []) + own_busy,
                           booked_per_week=weeks.get(profile.user_id, {}))
        offered, _outside = within_hours([s for s in slots if deadline is None or s.end <= deadline], zone, hours)
        if not offered:
            continue
        first, how = offered[0]  # the first the request form shows: within the candidate's hours if any is
        found.append(Alternative(profile, reasons, first, request_params(meeting, profile.user_id, question_ids),
                                 None if how.inside else how.kind))
        if len(found) == limit:
            break
    return found


@dataclass(frozen=True)
class Rebook:
    """After a no-show, asking the same person again: ``params`` for the prefilled request form, or
    None with ``why_not`` in words."""

    params: dict | None
    why_not: str = ""


def rebook(meeting: Meeting) -> Rebook:
    """The request form for the same person with the same format, length and open questions, unless
    they aren't taking conversations, a request to them is already waiting, or the offer process ended."""
    profile, first = meeting.staff.profile, meeting.staff.first_name
    if meeting.candidate.stage != "offer":
        return Rebook(None, _("Your offer process has ended, so new conversations can't be requested."))
    if profile is None or not is_open(profile):
        return Rebook(None, _("%(name)s isn't taking new conversations right now.", name=first))
    if meeting.staff_id in _waiting_for(meeting.candidate_id):
        return Rebook(None, _("You've already asked %(name)s again: that request is waiting for an answer.",
                              name=first))
    return Rebook(request_params(meeting, meeting.staff_id, [q.id for q in open_agenda(meeting)]))
