"""create_request: every rule with its own message, approval routing, agenda, history and audit (no HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from candidate_helpers import at
from factories import make_meeting
from helpers import T0

from portal.audit.models import AuditEvent
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.meetings.capacity import week_counts
from portal.meetings.models import Meeting, MeetingTransition, meeting_question
from portal.meetings.free_times import bookable_slots
from portal.meetings.requests import RequestData, RequestError, create_request
from portal.people.models import AvailabilityWindow, StaffProfile

# Tuesday 4 March, in Amara's window (15:00–17:00 Berlin = 14:00–16:00 UTC) and Tom's (15:00–17:00 UTC).
AMARA_TUE = at(4, 14)
TOM_TUE = at(4, 15)


@pytest.fixture
def ctx(world):
    with world.app.app_context():
        yield world
        db.session.rollback()


def ask(world, person="ceo", starts=(AMARA_TUE,), **fields):
    candidate = db.session.get(Candidate, world.candidate)
    profile = db.session.get(StaffProfile, getattr(world, person))
    data = RequestData(slots=list(starts), **fields)
    return create_request(candidate, profile, data, T0)


def refused(world, match, field="slots", **kwargs):
    # begin_nested: what the view's rollback does, keeping this test's own rows
    with pytest.raises(RequestError, match=match) as caught, db.session.begin_nested():
        ask(world, **kwargs)
    assert caught.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
        Meeting.candidate_id == world.candidate, Meeting.status != "confirmed")) == 0


def test_a_request_to_someone_who_needs_approval_waits_for_the_recruiter(ctx):
    meeting = ask(ctx, starts=(AMARA_TUE, AMARA_TUE + timedelta(minutes=30)), format="phone", length=30,
                  question_ids=[ctx.growth, ctx.direction], note="  Looking forward!  ")
    assert (meeting.status, meeting.format, meeting.length_minutes, meeting.note) == (
        "needs_approval", "phone", 30, "Looking forward!")
    assert meeting.uid.endswith("@localhost")  # the domain of MAIL_FROM
    assert [(s.start_at, s.end_at) for s in meeting.slots] == [
        (AMARA_TUE, AMARA_TUE + timedelta(minutes=30)), (AMARA_TUE + timedelta(minutes=30), AMARA_TUE + timedelta(hours=1))]
    (step,) = db.session.scalars(sa.select(MeetingTransition)).all()
    assert (step.from_status, step.to_status, step.actor_id) == ("requested", "needs_approval", ctx.candidate_user)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.requested"))
    assert event.summary == "Jordan Lee asked to talk to Amara Okafor"
    assert (event.candidate_id, event.actor_id, event.subject_id) == (ctx.candidate, ctx.candidate_user, meeting.id)
    assert ctx.notified == [("request_created", meeting.id, ctx.candidate_user)]


def test_a_request_to_someone_without_approval_goes_straight_to_them(ctx):
    meeting = ask(ctx, person="tom", starts=(TOM_TUE,))
    assert meeting.status == "invited"
    assert ctx.notified == [("request_created", meeting.id, ctx.candidate_user)]


def test_only_the_candidates_own_open_questions_become_the_agenda(ctx):
    meeting = ask(ctx, question_ids=[ctx.growth, ctx.done, ctx.foreign, 999_999])
    agenda = db.session.scalars(sa.select(meeting_question.c.question_id)
                                .where(meeting_question.c.meeting_id == meeting.id)).all()
    assert agenda == [ctx.growth]


def test_a_time_taken_by_a_confirmed_conversation_is_refused(ctx):
    other = db.session.get(Candidate, ctx.other)
    make_meeting(other.id, ctx.ceo, "confirmed", start=AMARA_TUE + timedelta(minutes=15), history=False)
    refused(ctx, "That time was just taken: Tue 4 Mar 2031, 09:00 EST")


def test_a_time_in_the_past_is_refused(ctx):
    refused(ctx, "has already passed", starts=(T0 - timedelta(days=1),))


def test_a_time_after_the_decision_deadline_is_refused(ctx):
    db.session.get(Candidate, ctx.candidate).decision_deadline = at(4, 14, 15)
    refused(ctx, r"after your decision deadline \(Tue 4 Mar 2031, 09:15 EST")


def test_the_weekly_cap_is_kept(ctx):
    db.session.get(StaffProfile, ctx.ceo).weekly_cap = 2
    other = db.session.get(Candidate, ctx.other).id
    make_meeting(other, ctx.ceo, "confirmed", start=at(5, 14), history=False)  # Wednesday, same week
    make_meeting(other, ctx.ceo, "invited", slots=[at(6, 14), at(13, 14)], history=False)  # counts in both weeks
    refused(ctx, "Amara already has 2 conversations planned in the week of")
    assert week_counts(db.session.get(StaffProfile, ctx.ceo), T0)[(2031, 10)] == 2
    assert ask(ctx, starts=(at(11, 14),)).status == "needs_approval"  # the next week has room (1 of 2)


def test_a_time_overlapping_the_candidates_own_conversation_is_refused(ctx):
    make_meeting(ctx.candidate, ctx.tom, "confirmed", start=AMARA_TUE, history=False)
    refused(ctx, "You already have a conversation at Tue 4 Mar 2031, 09:00 EST")


def test_a_time_outside_the_persons_free_times_is_refused(ctx):
    refused(ctx, "isn't one of Amara's free times any more", starts=(at(4, 3),))


@pytest.mark.parametrize("change", [{"accepting_requests": False}, {"weekly_cap": 0}, {"visible": False}])
def test_someone_not_taking_requests_cannot_be_asked(ctx, change):
    profile = db.session.get(StaffProfile, ctx.ceo)
    for key, value in change.items():
        setattr(profile, key, value)
    refused(ctx, "Amara isn't taking new conversations right now.", field=None)


def test_at_most_five_times(ctx):
    starts = [AMARA_TUE + timedelta(days=d) for d in range(6)]
    refused(ctx, "Choose at most 5 times.", starts=starts)


def test_at_least_one_time_when_the_person_has_free_times(ctx):
    refused(ctx, "Choose at least one time", starts=())


def test_no_time_needed_without_availability_or_for_written_answers(ctx):
    assert ask(ctx, format="written", starts=(AMARA_TUE, at(4, 3))).slots == []  # times are ignored
    db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.user_id == ctx.tom))
    db.session.expire_all()
    assert ask(ctx, person="tom", starts=()).status == "invited"


@pytest.mark.parametrize("fields,match,field", [
    ({"format": "carrier pigeon"}, "Choose a format", "format"),
    ({"length": 60}, "Choose 15, 30 or 45 minutes.", "length"),
    ({"note": "x" * 2001}, "Keep the note to 2,000 characters or fewer.", "note"),
])
def test_format_length_and_note_are_checked(ctx, fields, match, field):
    refused(ctx, match, field=field, **fields)


def test_a_second_request_to_the_same_person_waits_for_the_first(ctx):
    ask(ctx)
    with pytest.raises(RequestError, match="You already have a request waiting for Amara"):
        ask(ctx, starts=(AMARA_TUE + timedelta(days=1),))


def test_offered_times_suit_both_sides(ctx):
    candidate = db.session.get(Candidate, ctx.candidate)
    profile = db.session.get(StaffProfile, ctx.ceo)
    make_meeting(ctx.candidate, ctx.tom, "confirmed", start=AMARA_TUE, history=False)
    candidate.decision_deadline = at(6, 0)
    starts = [s.start for s in bookable_slots(candidate, profile, 30, T0)]
    # Mon 3 Mar 14:00 UTC onwards, until the deadline; Tuesday 14:00 overlaps Jordan's talk with Tom.
    assert starts[0] == at(3, 14) and AMARA_TUE not in starts and max(starts) < at(6, 0)
    assert at(4, 14, 30) in starts and len(starts) == 3 * 4 - 1
    assert bookable_slots(candidate, profile, 45, T0)[0].end == at(3, 14, 45)
