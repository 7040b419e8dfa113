"""What a candidate does with conversations: ask for one, change or call it off, and say how it went.

Services flush, never commit, and raise ``RequestError`` with the message the candidate sees and
the form field it belongs to. Every state change goes through ``states`` (compare-and-set, with
history); the outside world hears of it through ``notify``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, with_expression

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from ..forms import FieldError
from ..i18n import _, _l, ngettext
from ..mail.services import mail_domain
from ..questions.models import Question
from ..timeutil import format_datetime, to_zone
from . import notify
from .capacity import has_waiting, lock_person, week_counts
from .free_times import bookable_slots, busy_of_both, free_for, free_in_their_calendar, is_open, overlaps
from .models import FORMATS, LENGTHS, Meeting, MeetingTransition, ProposedSlot, meeting_question
from .states import ACTIVE, SlotTaken, TransitionRefused, end_conversation, new_uid, reschedule, transition

MAX_SLOTS = 5
MAX_NOTE = 2000
MAX_REASON = 1000


class RequestError(FieldError):
    """A request or change that cannot be made; ``field`` names the form field it belongs to."""


@dataclass
class RequestData:
    format: str = "video"
    length: int = 30
    slots: list[datetime] = field(default_factory=list)  # aware UTC starts
    question_ids: list[int] = field(default_factory=list)
    note: str = ""


def check_slots(candidate, profile, starts: list[datetime], length: int, now: datetime,
                exclude_id: int | None = None, field_name: str = "slots") -> None:
    """Each start still works for both sides, or a RequestError saying exactly why not."""
    zone, first = candidate.user.timezone, profile.user.first_name
    person, own = busy_of_both(profile.user_id, candidate, now, exclude_id)
    weeks = week_counts(profile, now, exclude_id)
    free = {s.start for s in free_for(candidate, profile, length, now, person, exclude_id)}
    deadline = candidate.decision_deadline
    for start in starts:
        end, shown = start + timedelta(minutes=length), format_datetime(start, zone)
        iso = to_zone(start, profile.user.timezone).isocalendar()
        if start <= now:
            message = _("%(time)s has already passed. Choose a later time.", time=shown)
        elif deadline is not None and end > deadline:
            message = _("%(time)s is after your decision deadline (%(deadline)s). Choose an earlier time.",
                        time=shown, deadline=format_datetime(deadline, zone))
        elif overlaps(start, end, own):
            message = _("You already have a conversation at %(time)s. Choose another time.", time=shown)
        elif overlaps(start, end, person):
            message = _("That time was just taken: %(time)s. Choose another time.", time=shown)
        elif weeks.get((iso.year, iso.week), 0) >= profile.weekly_cap:
            message = ngettext("%(name)s already has %(num)d conversation planned in the week of %(time)s. "
                               "Choose a time in another week.",
                               "%(name)s already has %(num)d conversations planned in the week of %(time)s. "
                               "Choose a time in another week.", profile.weekly_cap, name=first, time=shown)
        elif start not in free:
            message = _("%(time)s isn't one of %(name)s's free times any more. Choose another time.", time=shown,
                        name=first)
        else:
            continue
        raise RequestError(message, field_name)


# --- asking -------------------------------------------------------------------------------------


def choose_at_most() -> str:
    return ngettext("Choose at most %(num)d time.", "Choose at most %(num)d times.", MAX_SLOTS)


def choose_at_least_one() -> str:
    return _("Choose at least one time (up to %(num)d).", num=MAX_SLOTS)


def create_request(candidate, profile, data: RequestData, now: datetime) -> Meeting:
    """A new request with its proposed times and agenda, routed to the recruiter or to the person."""
    person = profile.user
    if candidate.stage != "offer":
        raise RequestError(_("Your offer process has ended, so new conversations can't be requested."))
    if not is_open(profile):
        raise RequestError(_("%(name)s isn't taking new conversations right now.", name=person.first_name))
    if data.format not in FORMATS:
        raise RequestError(_("Choose a format from the list."), "format")
    if data.length not in LENGTHS:
        raise RequestError(_("Choose 15, 30 or 45 minutes."), "length")
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        raise RequestError(_("Keep the note to %(limit)s characters or fewer.", limit=format_decimal(MAX_NOTE)),
                           "note")
    lock_person(person.id)
    waiting_message = _("You already have a request waiting for %(name)s. You can cancel it from your "
                        "conversations and ask again.", name=person.first_name)
    if has_waiting(candidate.id, person.id):
        raise RequestError(waiting_message)
    starts = [] if data.format == "written" else sorted(set(data.slots))
    if len(starts) > MAX_SLOTS:
        raise RequestError(choose_at_most(), "slots")
    check_slots(candidate, profile, starts, data.length, now)
    if not starts and data.format != "written" and bookable_slots(candidate, profile, data.length, now):
        raise RequestError(choose_at_least_one(), "slots")

    length = timedelta(minutes=data.length)
    meeting = Meeting(candidate_id=candidate.id, staff_id=person.id, format=data.format,
                      length_minutes=data.length, note=note, status="requested", uid=new_uid(mail_domain()),
                      slots=[ProposedSlot(start_at=start, end_at=start + length) for start in starts])
    try:
        with db.session.begin_nested():  # ux_meeting_one_waiting: the database's word on duplicates
            db.session.add(meeting)
    except IntegrityError:
        raise RequestError(waiting_message) from None
    own_open = db.session.scalars(sa.select(Question.id).where(
        Question.candidate_id == candidate.id, Question.status == "open",
        Question.id.in_([i for i in data.question_ids if isinstance(i, int)]))).all()
    if own_open:
        db.session.execute(meeting_question.insert(),
                           [{"meeting_id": meeting.id, "question_id": q} for q in own_open])
    transition(meeting, "needs_approval" if profile.needs_approval else "invited", actor=candidate.user)
    notify.request_created(meeting, by=candidate.user)
    record("meeting.requested", f"{candidate.user.name} asked to talk to {person.name}", actor=candidate.user,
           candidate=candidate, subject=meeting)
    return meeting


# --- reading ------------------------------------------------------------------------------------


def candidate_meetings(candidate) -> list[Meeting]:
    """All of the candidate's conversations with each person and profile, newest first, each with how
    many times the candidate offered (``times_offered``): one statement, built once."""
    return list(db.session.scalars(_candidate_meetings_statement(), {"candidate_id": candidate.id}).unique())


@functools.cache
def _candidate_meetings_statement() -> sa.Select:
    offered = (sa.select(sa.func.count()).select_from(ProposedSlot).where(ProposedSlot.meeting_id == Meeting.id)
               .scalar_subquery())
    return (sa.select(Meeting).where(Meeting.candidate_id == sa.bindparam("candidate_id"))
            .options(joinedload(Meeting.staff).joinedload(User.profile), with_expression(Meeting.times_offered, offered))
            .order_by(Meeting.created_at.desc(), Meeting.id.desc()))


def get_meeting(candidate, meeting_id: int) -> Meeting | None:
    """The candidate's own conversation, or None (someone else's is as good as missing); with the
    person, their profile and the times the candidate offered, in one statement built once."""
    return db.session.scalars(_meeting_statement(), {"meeting_id": meeting_id, "candidate_id": candidate.id}
                              ).unique().one_or_none()


@functools.cache
def _meeting_statement() -> sa.Select:
    return (sa.select(Meeting)
            .where(Meeting.id == sa.bindparam("meeting_id"), Meeting.candidate_id == sa.bindparam("candidate_id"))
            .options(joinedload(Meeting.staff).joinedload(User.profile), joinedload(Meeting.slots)))


def agenda(meeting: Meeting) -> list[Question]:
    return list(db.session.scalars(_agenda_statement(), {"meeting_id": meeting.id,
                                                          "candidate_id": meeting.candidate_id}))


@functools.cache
def _agenda_statement() -> sa.Select:
    return (sa.select(Question).join(meeting_question, meeting_question.c.question_id == Question.id)
            .where(meeting_question.c.meeting_id == sa.bindparam("meeting_id"),
                   Question.candidate_id == sa.bindparam("candidate_id"))
            .options(joinedload(Question.answered_by)).order_by(Question.created_at, Question.id))


def history(meeting: Meeting) -> list[tuple[MeetingTransition, User | None]]:
    """Every change, oldest first, with who made it: one statement, built once."""
    return [(transition, actor) for transition, actor in
            db.session.execute(_history_statement(), {"meeting_id": meeting.id})]


@functools.cache
def _history_statement() -> sa.Select:
    return (sa.select(MeetingTransition, User).outerjoin(User, User.id == MeetingTransition.actor_id)
            .where(MeetingTransition.meeting_id == sa.bindparam("meeting_id"))
            .order_by(MeetingTransition.at, MeetingTransition.id))


def change_cutoff() -> timedelta:
    return timedelta(hours=current_app.config.get("MEETING_CHANGE_CUTOFF_HOURS", 12))


def change_deadline(meeting: Meeting) -> datetime | None:
    return meeting.start_at - change_cutoff() if meeting.start_at else None


def can_cancel(meeting: Meeting, now: datetime) -> bool:
    """Open, or confirmed and before the cut-off (a conversation in writing has no time: any time)."""
    deadline = change_deadline(meeting)
    return meeting.status in ACTIVE and (meeting.status != "confirmed" or deadline is None or now < deadline)


def can_reschedule(meeting: Meeting, now: datetime) -> bool:
    deadline = change_deadline(meeting)  # None: answered in writing, there is no time to move
    return meeting.status == "confirmed" and deadline is not None and now < deadline


def is_over(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == "confirmed" and meeting.end_at is not None and meeting.end_at <= now


# Where a candidate's conversations stand, in the order /meetings shows them: (key, heading, statuses);
# a confirmed conversation that is over goes to "after" (tell us how it went), whatever its status says.
GROUPS = (
    ("after", _l("Tell us how it went"), ()),
    ("upcoming", _l("Coming up"), ("confirmed",)),
    ("waiting", _l("Waiting for an answer"), ("requested", "needs_approval", "approved", "invited", "proposed")),
    ("done", _l("Done"), ("completed", "no_show")),
    ("closed", _l("Didn't happen"), ("declined", "expired", "cancelled", "rejected")),
)


def group_conversations(meetings: list[Meeting], now: datetime) -> dict[str, list[Meeting]]:
    """``meetings`` by ``GROUPS`` key, each in the order given, "upcoming" soonest first (a confirmed
    written exchange, which has no time, after the timed ones)."""
    groups: dict[str, list[Meeting]] = {key: [] for key, _, _ in GROUPS}
    for meeting in meetings:
        if is_over(meeting, now):
            groups["after"].append(meeting)
        else:
            groups[next(key for key, _, statuses in GROUPS if meeting.status in statuses)].append(meeting)
    groups["upcoming"].sort(key=lambda m: (m.start_at is None, m.start_at or now))
    return groups


def has_started(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == "confirmed" and meeting.start_at is not None and meeting.start_at <= now


# --- changing -----------------------------------------------------------------------------------


def _too_late(verb: str) -> RequestError:
    """``verb``: "cancel" or "move"."""
    hours = int(change_cutoff().total_seconds() // 3600)
    if verb == "cancel":
        return RequestError(ngettext(
            "It's too late to cancel here: changes close %(num)d hour before the start. If something has come up, "
            "tell your recruiter.",
            "It's too late to cancel here: changes close %(num)d hours before the start. If something has come "
            "up, tell your recruiter.", hours))
    return RequestError(ngettext(
        "It's too late to move it here: changes close %(num)d hour before the start. If something has come up, "
        "tell your recruiter.",
        "It's too late to move it here: changes close %(num)d hours before the start. If something has come up, "
        "tell your recruiter.", hours))


def cancel_meeting(candidate, meeting: Meeting, reason: str, now: datetime) -> Meeting:
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(_("Say why, so %(name)s knows.", name=meeting.staff.first_name), "reason")
    if len(reason) > MAX_REASON:
        raise RequestError(_("Keep the reason to %(limit)s characters or fewer.", limit=format_decimal(MAX_REASON)),
                           "reason")
    if meeting.status not in ACTIVE:
        raise RequestError(_("This conversation can't be cancelled: it's already closed."))
    if not can_cancel(meeting, now):
        raise _too_late("cancel")
    by = candidate.user
    try:
        end_conversation(meeting, "cancelled", actor=by, reason=reason)
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    notify.meeting_cancelled(meeting, by=by)
    record("meeting.cancelled", f"{by.name} cancelled the conversation with {meeting.staff.name}", actor=by,
           candidate=candidate, subject=meeting, reason=reason)
    return meeting


def cannot_move(meeting: Meeting) -> RequestError:
    """Why ``meeting`` can't be moved now (``can_reschedule`` said no): too late, or not confirmed."""
    return _too_late("move") if meeting.status == "confirmed" else RequestError(
        _("Only a confirmed conversation can be moved."))


def reschedule_meeting(candidate, meeting: Meeting, start: datetime | None, now: datetime, by=None) -> Meeting:
    """Move a confirmed conversation (by the candidate, or by the person through their link)."""
    if not can_reschedule(meeting, now):
        raise cannot_move(meeting)
    if start is None:
        raise RequestError(_("Choose a new time from the list."), "start")
    if start == meeting.start_at:
        raise RequestError(_("That's the time it already has. Choose a different one."), "start")
    if start < now + change_cutoff():
        raise RequestError(ngettext("Choose a time at least %(num)d hour from now.",
                                    "Choose a time at least %(num)d hours from now.",
                                    int(change_cutoff().total_seconds() // 3600)), "start")
    if meeting.staff.profile is None:
        raise RequestError(_("%(name)s is no longer in the directory: ask your recruiter.",
                             name=meeting.staff.first_name))
    check_slots(candidate, meeting.staff.profile, [start], meeting.length_minutes, now, meeting.id, "start")
    if not free_in_their_calendar(meeting, start, now):
        raise RequestError(_("That time is no longer free in %(name)s's calendar. Here are the times still free.",
                             name=meeting.staff.first_name), "start")
    by = by or candidate.user
    try:
        reschedule(meeting, start, actor=by)
    except SlotTaken:
        raise RequestError(_("That time was just taken. Here are the times still free."), "start") from None
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    notify.meeting_changed(meeting, by=by)
    when = format_datetime(start, meeting.staff.timezone)
    other = meeting.staff.name if by.id == candidate.user_id else candidate.user.name
    record("meeting.rescheduled", f"{by.name} moved the conversation with {other} to {when}",
           actor=by, candidate=candidate, subject=meeting)
    return meeting


def record_follow_up(candidate, meeting: Meeting, answered_ids: list[int], rating: int | None,
                     answered_needs: bool | None, now: datetime) -> Meeting:
    """The conversation happened: it's completed, rated, and the questions it answered are ticked off."""
    if not is_over(meeting, now):
        raise RequestError(_("You can say how it went once the conversation is over."))
    if rating not in range(1, 6):
        raise RequestError(_("Rate it from 1 (not useful) to 5 (very useful)."), "rating")
    if answered_needs is None:
        raise RequestError(_("Say whether it answered what you needed."), "answered_needs")
    by = candidate.user
    try:
        transition(meeting, "completed", actor=by, rating=rating, answered_needs=answered_needs)
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    answered = [q for q in agenda(meeting) if q.id in set(answered_ids) and q.status == "open"]
    for question in answered:
        question.status, question.answered_via = "answered", "conversation"
        question.answered_by_id, question.answered_at = meeting.staff_id, now
    db.session.flush()
    record("meeting.completed", f"{by.name} had the conversation with {meeting.staff.name} "
           f"({len(answered)} question{'' if len(answered) == 1 else 's'} answered)", actor=by,
           candidate=candidate, subject=meeting, rating=rating)
    return meeting


def report_no_show(candidate, meeting: Meeting, now: datetime) -> Meeting:
    """The person didn't come: closed as a no-show; the person and the recruiter are told
    (``notify.no_show_reported``), and the candidate can ask again (nothing is left waiting)."""
    if not has_started(meeting, now):
        raise RequestError(_("You can report a no-show once the start time has passed."))
    by = candidate.user
    try:
        transition(meeting, "no_show", actor=by, note="Reported by the candidate",
                   no_show_reported_by="candidate")
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    notify.no_show_reported(meeting, by=by)
    record("meeting.no_show", f"{by.name} reported that {meeting.staff.name} didn't come to the conversation",
           actor=by, candidate=candidate, subject=meeting)
    return meeting
