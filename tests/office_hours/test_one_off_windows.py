"""One-off office hours at a chosen time: held like a series' window, refused with a clear message
over a conversation or with bad times, and nothing stored when refused."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.meetings.models import BookedUnit
from portal.office_hours import windows
from portal.office_hours.models import HoursWindow, WindowStatus
from portal.timeutil import utcnow
from tests.factories import make_candidate, make_meeting, make_staff, make_user


@pytest.fixture
def people(app_ctx, frozen):
    person = make_staff(name="Tom Becker", timezone="Europe/Berlin")
    riley = make_user("recruiter", name="Riley Morgan")
    db.session.commit()
    return person, riley


def test_a_one_off_window_holds_the_persons_time(people):
    person, riley = people
    now = utcnow()
    start = now + timedelta(days=2)
    window = windows.add_window(person, start, start + timedelta(hours=1), now, riley, talk_minutes=20, cap=3)
    db.session.commit()
    assert window.status == WindowStatus.SCHEDULED and window.series_id is None
    held = db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit).where(BookedUnit.window_id == window.id))
    assert held == 4  # an hour of 15-minute units
    assert windows.upcoming(now, person.id, days=3) == [window]


@pytest.mark.parametrize("start_in, length, field, message", [
    (timedelta(hours=-1), timedelta(hours=1), "start_time", "still ahead"),
    (timedelta(days=91), timedelta(hours=1), "day", "within the next 90 days"),
    (timedelta(days=1), timedelta(0), "end_time", "after the start"),
    (timedelta(days=1), timedelta(hours=5), "end_time", "at most 4 hours"),
    (timedelta(days=1), timedelta(minutes=10), "end_time", "at least as long as one talk"),
])
def test_bad_times_are_refused_and_store_nothing(people, start_in, length, field, message):
    person, riley = people
    now = utcnow()
    with pytest.raises(windows.HoursError) as refused:
        windows.add_window(person, now + start_in, now + start_in + length, now, riley, talk_minutes=15)
    assert refused.value.field == field and message in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow)) == 0


def test_a_one_off_window_over_a_conversation_says_which_and_stores_nothing(people):
    person, riley = people
    now = utcnow()
    candidate = make_candidate(name="Jordan Lee")
    meeting = make_meeting(candidate, person, "confirmed", start=now + timedelta(days=1, minutes=30))
    db.session.commit()
    with pytest.raises(windows.HoursError) as refused:
        windows.add_window(person, now + timedelta(days=1), now + timedelta(days=1, hours=2), now, riley)
    assert refused.value.message.startswith("You have a conversation with Jordan Lee at ")
    assert refused.value.message.endswith(": choose another time.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow)) == 0
    assert meeting.status == "confirmed"
