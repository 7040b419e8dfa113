"""Office hours queues, without HTTP: joining, leaving, admitting, talks ending (early, on time, as a
no-show), the window closing itself and telling those still waiting, automatic admission, and a
candidate who decides leaving every queue. The clock is stopped at T0 (Monday 12:00 UTC)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import T0

from portal.candidates.decisions import DecisionData, record_decision
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting
from portal.office_hours import queue, windows
from portal.office_hours.models import EntryStatus, HoursEntry, WindowStatus
from portal.office_hours.windows import HoursError, SeriesData

E = EntryStatus
MIN = timedelta(minutes=1)


def live(person, minutes=60, **settings):
    return windows.go_live_now(person, minutes, T0, person, **settings)


def candidates(n):
    return [make_candidate(name=f"Jordan Lee{i}") for i in range(n)]


def status(entry) -> str:
    db.session.refresh(entry)
    return entry.status


# --- joining and leaving --------------------------------------------------------------------------


def test_candidates_join_in_order_and_joining_twice_changes_nothing(tom):
    window = live(tom)
    a, b, c = candidates(3)
    entries = [queue.join(candidate, window, T0 + i * MIN) for i, candidate in enumerate((a, b, c))]
    assert [entry.position for entry in entries] == [1, 2, 3]
    assert queue.join(b, window, T0 + 5 * MIN).id == entries[1].id
    current = queue.state(window)
    assert [entry.candidate_id for entry in current.waiting] == [a.id, b.id, c.id]
    assert current.wait_minutes(entries[2], T0) == 30  # two 15-minute talks ahead
    assert current.places_left == 1


def test_one_queue_at_a_time(tom):
    first, second = live(tom), live(make_staff(name="Amara Okafor"))
    (jordan,) = candidates(1)
    waiting = queue.join(jordan, first, T0)
    assert queue.join(jordan, second, T0).position == 1  # joining another gives up the first place
    assert status(waiting) == E.LEFT and queue.open_entry(jordan).window_id == second.id
    queue.admit_next(second, T0, second.staff)
    with pytest.raises(HoursError, match="You're talking with Amara: end that talk first"):
        queue.join(jordan, first, T0)  # never while talking


def test_a_full_window_refuses_the_next_candidate(tom):
    window = live(tom, cap=2)
    a, b, c = candidates(3)
    queue.join(a, window, T0)
    queue.join(b, window, T0)
    with pytest.raises(HoursError, match="Tom's office hours are full"):
        queue.join(c, window, T0)
    queue.leave(b, queue.open_entry(b), T0)  # a place frees up
    assert queue.join(c, window, T0).position == 3


def test_joining_a_window_that_isnt_live_or_as_a_decided_candidate_is_refused(tom):
    windows.add_series(tom, SeriesData(weekday=1, start_time=time(16), end_time=time(17), zone="Europe/Berlin"),
                       T0, tom)
    scheduled = windows.upcoming(T0, tom.id)[0]
    (jordan,) = candidates(1)
    with pytest.raises(HoursError, match="Tom isn't live right now"):
        queue.join(jordan, scheduled, T0)
    decided = make_candidate(stage="accepted")
    with pytest.raises(HoursError, match="still deciding"):
        queue.join(decided, live(tom), T0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)) == 0


def test_leaving_twice_changes_nothing_and_someone_elses_place_is_refused(tom):
    window = live(tom)
    a, b = candidates(2)
    entry = queue.join(a, window, T0)
    with pytest.raises(HoursError, match="isn't your place"):
        queue.leave(b, entry, T0)
    queue.leave(a, entry, T0)
    queue.leave(a, entry, T0)
    assert status(entry) == E.LEFT and queue.state(window).waiting == []


# --- admitting and talking ------------------------------------------------------------------------


def test_admit_takes_the_first_waiting_and_one_talk_at_a_time(tom):
    window = live(tom, talk_minutes=10)
    a, b = candidates(2)
    first, second = queue.join(a, window, T0), queue.join(b, window, T0)
    admitted = queue.admit_next(window, T0 + MIN, tom)
    assert admitted.id == first.id and status(first) == E.TALKING
    talk = db.session.get(Meeting, first.meeting_id)
    assert (talk.format, talk.status, talk.start_at, talk.end_at) == (
        "office_hours", "confirmed", T0 + MIN, T0 + 11 * MIN)
    assert talk.video_link and talk.candidate_id == a.id and talk.staff_id == tom.id
    with pytest.raises(HoursError, match="still talking with Jordan Lee0"):
        queue.admit_next(window, T0 + 2 * MIN, tom)
    assert status(second) == E.WAITING
    queue.end_talk(first, T0 + 5 * MIN, tom)
    assert queue.admit_next(window, T0 + 5 * MIN, tom).id == second.id
    other = db.session.get(Meeting, second.meeting_id)
    assert other.video_link != talk.video_link  # one link per talk


def test_nobody_waiting_admits_nobody(tom):
    assert queue.admit_next(live(tom), T0, tom) is None


def test_a_talk_never_outlives_the_window_and_none_starts_in_its_last_five_minutes(tom):
    window = live(tom, minutes=15, talk_minutes=10)
    a, b = candidates(2)
    queue.join(a, window, T0)
    entry = queue.admit_next(window, T0 + 7 * MIN, tom)
    assert db.session.get(Meeting, entry.meeting_id).end_at == window.end_at  # 10 minutes cut to 8
    queue.end_talk(entry, T0 + 9 * MIN, tom)
    queue.join(b, window, T0 + 9 * MIN)
    with pytest.raises(HoursError, match="Less than 5 minutes are left"):
        queue.admit_next(window, T0 + 11 * MIN, tom)


@pytest.mark.parametrize("side", ["candidate", "person"])
def test_either_side_can_end_a_talk_early(tom, side):
    window = live(tom)
    (jordan,) = candidates(1)
    entry = queue.join(jordan, window, T0)
    queue.admit_next(window, T0, tom)
    if side == "candidate":
        queue.leave(jordan, entry, T0 + 4 * MIN)
    else:
        queue.end_talk(entry, T0 + 4 * MIN, tom)
    talk = db.session.get(Meeting, entry.meeting_id)
    assert status(entry) == E.DONE and entry.ended_at == T0 + 4 * MIN
    assert (talk.status, talk.end_at) == ("confirmed", T0 + 4 * MIN)  # over: the usual follow-up applies
    assert queue.open_entry(jordan) is None


def test_a_no_show_marks_the_conversation(tom):
    window = live(tom)
    (jordan,) = candidates(1)
    entry = queue.join(jordan, window, T0)
    queue.admit_next(window, T0, tom)
    queue.end_talk(entry, T0 + 3 * MIN, tom, no_show=True)
    assert db.session.get(Meeting, entry.meeting_id).status == "no_show"


# --- timers ---------------------------------------------------------------------------------------


def test_a_talk_ends_at_its_timer_with_nobody_acting(tom):
    window = live(tom, talk_minutes=10)
    a, b = candidates(2)
    first, second = queue.join(a, window, T0), queue.join(b, window, T0)
    queue.admit_next(window, T0, tom)
    db.session.commit()
    assert queue.settle(T0 + 9 * MIN) == 0 and status(first) == E.TALKING
    assert queue.settle(T0 + 12 * MIN) == 1
    assert status(first) == E.DONE and first.ended_at == T0 + 10 * MIN
    assert db.session.get(Meeting, first.meeting_id).end_at == T0 + 10 * MIN
    assert status(second) == E.WAITING  # the person admits the next (no automatic admission)


def test_the_window_closes_at_its_end_and_those_waiting_are_told_with_the_next_window(tom):
    windows.add_series(tom, SeriesData(weekday=3, start_time=time(16), end_time=time(17), zone="Europe/Berlin"),
                       T0, tom)
    window = live(tom, minutes=30, talk_minutes=15)
    a, b, c = candidates(3)
    talking, waiting = queue.join(a, window, T0), [queue.join(b, window, T0), queue.join(c, window, T0)]
    queue.admit_next(window, T0 + 20 * MIN, tom)
    db.session.commit()
    queue.settle(T0 + 40 * MIN)  # nobody polled at the end: the next poll or the worker settles it
    db.session.refresh(window)
    assert window.status == WindowStatus.CLOSED and window.closed_at == window.end_at
    assert status(talking) == E.DONE and talking.ended_at == window.end_at
    assert [status(entry) for entry in waiting] == [E.CLOSED, E.CLOSED]
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "hours_queue_closed")
                                    .order_by(OutboxMessage.to_addr)))
    assert sorted(mail.to_addr for mail in mails) == sorted([b.user.email, c.user.email])
    assert mails[0].subject == "Tom Becker's office hours ended before your turn"
    assert "Tom's next office hours: Thu 6 Mar 2031, 15:00 UTC" in mails[0].text_body
    queue.settle(T0 + 41 * MIN)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "hours_queue_closed")) == 2  # told once


def test_automatic_admission_admits_on_join_and_after_each_talk(tom):
    window = live(tom, talk_minutes=10, auto_admit=True)
    a, b = candidates(2)
    first = queue.join(a, window, T0)
    assert status(first) == E.TALKING
    second = queue.join(b, window, T0 + MIN)
    assert status(second) == E.WAITING
    db.session.commit()
    queue.settle(T0 + 10 * MIN)
    assert (status(first), status(second)) == (E.DONE, E.TALKING)
    assert db.session.get(Meeting, second.meeting_id).start_at == T0 + 10 * MIN


# --- decided candidates -----------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["accepted", "declined"])
def test_a_candidate_who_decides_leaves_every_queue(tom, outcome):
    riley = make_user("recruiter", name="Riley Morgan")
    window = live(tom)
    a, b = candidates(2)
    talking, waiting = queue.join(a, window, T0), queue.join(b, window, T0)
    queue.admit_next(window, T0, tom)
    for candidate in (a, b):
        record_decision(candidate, DecisionData(outcome, date(2031, 3, 3), reason="other_offer"), by=riley,
                        now=T0 + 2 * MIN)
    assert status(talking) == E.DONE and talking.ended_at == T0 + 2 * MIN
    assert status(waiting) == E.REMOVED
    assert queue.state(window).waiting == [] and queue.state(window).talking is None
