"""The conversation state machine and the database guard against double booking."""

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_staff

from portal.extensions import db
from portal.meetings.models import STATUSES, BookedUnit, Meeting, MeetingTransition
from portal.meetings.states import (TRANSITIONS, SlotTaken, TransitionRefused, confirm, end_conversation,
                                    reschedule, transition, units)

T0 = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)


def conversation(staff, status="invited", length=30):
    """A conversation of a new candidate with ``staff``, stored in ``status`` straight (no history)."""
    return make_meeting(make_candidate(), staff, status, length=length, history=False)


@pytest.mark.parametrize("current,target", [
    (a, b) for a, b in itertools.product(STATUSES, STATUSES) if b not in TRANSITIONS.get(a, ())
])
def test_every_transition_outside_the_table_is_refused(app_ctx, current, target):
    meeting = conversation(make_staff(), status=current)
    with pytest.raises(TransitionRefused):
        transition(meeting, target)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == current
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingTransition)) == 0


def test_allowed_transition_is_recorded_with_who_and_when(app_ctx):
    staff = make_staff()
    meeting = conversation(staff, status="needs_approval")
    transition(meeting, "approved", actor=staff, note="fine")
    (row,) = db.session.scalars(sa.select(MeetingTransition)).all()
    assert (row.from_status, row.to_status, row.actor_id, row.reason) == ("needs_approval", "approved", staff.id, "fine")
    assert meeting.status == "approved"


def test_a_stale_copy_cannot_change_it_again(app_ctx):
    meeting = conversation(make_staff(), status="needs_approval")
    # Another request approves it; this request's copy still says "needs_approval".
    db.session.execute(sa.update(Meeting).where(Meeting.id == meeting.id).values(status="approved")
                       .execution_options(synchronize_session=False))
    assert meeting.status == "needs_approval"
    with pytest.raises(TransitionRefused, match="just changed: it is now approved"):
        transition(meeting, "rejected")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingTransition)) == 0


def test_units_cover_the_conversation_on_a_15_minute_grid():
    assert units(T0, T0 + timedelta(minutes=45)) == [T0, T0 + timedelta(minutes=15), T0 + timedelta(minutes=30)]
    odd = T0 + timedelta(minutes=10)
    assert units(odd, odd + timedelta(minutes=15)) == [T0, T0 + timedelta(minutes=15)]


def test_overlapping_confirmations_of_different_lengths_are_refused(app_ctx):
    staff = make_staff()
    first = conversation(staff, length=30)
    overlapping = conversation(staff, length=30)
    adjacent = conversation(staff, length=45)
    confirm(first, T0)  # 10:00–10:30
    with pytest.raises(SlotTaken):
        confirm(overlapping, T0 + timedelta(minutes=15))  # 10:15–10:45
    assert overlapping.status == "invited"
    confirm(adjacent, T0 + timedelta(minutes=30))  # 10:30–11:15 touches, doesn't overlap
    assert first.sequence == 1 and first.start_at == T0 and first.end_at == T0 + timedelta(minutes=30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)) == 2 + 3


def test_another_person_is_free_at_the_same_time(app_ctx):
    confirm(conversation(make_staff()), T0)
    confirm(conversation(make_staff()), T0)


def test_cancelling_frees_the_time_and_bumps_the_calendar_sequence(app_ctx):
    staff = make_staff()
    first, second = conversation(staff), conversation(staff)
    confirm(first, T0)
    end_conversation(first, "cancelled", reason="Something came up")
    assert (first.status, first.sequence, first.reason) == ("cancelled", 2, "Something came up")
    confirm(second, T0)
    assert second.status == "confirmed"


def test_reschedule_moves_the_hold(app_ctx):
    staff = make_staff()
    meeting, other = conversation(staff), conversation(staff)
    confirm(meeting, T0)
    reschedule(meeting, T0 + timedelta(hours=2))
    assert (meeting.start_at, meeting.sequence) == (T0 + timedelta(hours=2), 2)
    confirm(other, T0)  # the old time is free again
    with pytest.raises(SlotTaken):
        reschedule(meeting, T0 + timedelta(minutes=15))
    assert meeting.start_at == T0 + timedelta(hours=2)


def _race(app, worker, n):
    barrier = threading.Barrier(n)
    outcomes, errors = [], []

    def run(i):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                try:
                    worker(i)
                    db.session.commit()
                    outcomes.append("won")
                except (SlotTaken, TransitionRefused):
                    db.session.rollback()
                    outcomes.append("refused")
                finally:
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 (collected and asserted below: no other failure is acceptable)
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes, errors


def test_fifty_simultaneous_overlapping_confirmations_book_exactly_one(app):
    n = 50
    with app.app_context():
        staff = make_staff()
        ids = [conversation(staff, length=(15, 30, 45)[i % 3]).id for i in range(n)]  # n candidates, one person
        db.session.commit()
        staff_id = staff.id

    def worker(i):
        meeting = db.session.get(Meeting, ids[i])
        # 10:00 or 10:15, 15 to 45 minutes: every one of them includes 10:15–10:30.
        late = i % 2 or meeting.length_minutes == 15
        confirm(meeting, T0 + timedelta(minutes=15 if late else 0))

    outcomes, errors = _race(app, worker, n)
    assert errors == []
    assert outcomes.count("won") == 1 and outcomes.count("refused") == n - 1
    with app.app_context():
        confirmed = db.session.scalars(sa.select(Meeting).where(Meeting.status == "confirmed")).all()
        assert len(confirmed) == 1
        held = db.session.scalars(sa.select(BookedUnit.meeting_id).where(BookedUnit.staff_id == staff_id)).all()
        assert set(held) == {confirmed[0].id}


def test_fifty_simultaneous_approvals_approve_once(app):
    n = 50
    with app.app_context():
        meeting_id = conversation(make_staff(), status="needs_approval").id
        db.session.commit()

    def worker(i):
        transition(db.session.get(Meeting, meeting_id), "approved" if i % 2 else "rejected")

    outcomes, errors = _race(app, worker, n)
    assert errors == []
    assert outcomes.count("won") == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingTransition)) == 1
