"""Office hours windows, without HTTP: series turned into windows (zones, the DST week, clashes),
going live, and a window's time counted as busy by scheduling. Queues: test_queue_services.py.

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC (13:00 in Berlin, 07:00 in New York).
New York moves its clocks on Sunday 9 March, Berlin on Sunday 30 March.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from factories import add_windows, make_candidate, make_meeting, make_staff, make_user
from helpers import T0

from portal.extensions import db
from portal.meetings.models import BookedUnit
from portal.meetings.free_times import busy_of_both, offered_slots
from portal.meetings.states import SlotTaken, confirm
from portal.office_hours import clock, presence, windows
from portal.office_hours.models import HoursWindow, WindowStatus
from portal.office_hours.windows import HoursError, SeriesData


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=UTC)


def series_starts(series) -> list[tuple[datetime, str]]:
    return [(w.start_at, w.status) for w in db.session.scalars(
        sa.select(HoursWindow).where(HoursWindow.series_id == series.id).order_by(HoursWindow.start_at))]


@pytest.fixture
def riley(app_ctx):
    return make_user("recruiter", name="Riley Morgan", timezone="Europe/London")


# --- series -------------------------------------------------------------------------------------


def test_a_berlin_series_keeps_local_time_across_the_dst_change(tom, riley):
    series = windows.add_series(tom, SeriesData(weekday=0, start_time=time(16), end_time=time(17),
                                                zone="Europe/Berlin", talk_minutes=20, cap=3), T0, riley)
    # Mondays 16:00 in Berlin: 15:00 UTC until Berlin moves its clocks on 30 March, 14:00 UTC after.
    assert series_starts(series) == [(utc(3, 15), "scheduled"), (utc(10, 15), "scheduled"),
                                     (utc(17, 15), "scheduled"), (utc(24, 15), "scheduled"),
                                     (utc(31, 14), "scheduled")]
    first = windows.upcoming(T0, tom.id)[0]
    assert (first.end_at, first.talk_minutes, first.cap) == (utc(3, 16), 20, 3)
    # Each window holds the person's time: four 15-minute units per hour.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                             .where(BookedUnit.window_id == first.id)) == 4


def test_a_new_york_series_moves_in_utc_in_new_yorks_dst_week(tom, riley):
    series = windows.add_series(tom, SeriesData(weekday=3, start_time=time(10), end_time=time(10, 30),
                                                zone="America/New_York", talk_minutes=10, cap=2), T0, riley)
    starts = [start for start, _ in series_starts(series)]
    assert starts[:2] == [utc(6, 15), utc(13, 14)]  # 10:00 EST, then 10:00 EDT


def test_top_up_is_idempotent_and_adds_the_next_week_when_time_passes(tom, riley):
    series = windows.add_series(tom, SeriesData(weekday=3, start_time=time(9), end_time=time(10),
                                                zone="Europe/Berlin"), T0, riley)
    before = series_starts(series)
    assert len(before) == 4
    assert windows.top_up(T0) == 0
    assert windows.top_up(T0) == 0
    assert series_starts(series) == before
    assert windows.top_up(T0 + timedelta(days=7)) == 1
    assert len(series_starts(series)) == 5


def test_a_window_clashing_with_a_confirmed_conversation_is_skipped_and_holds_nothing(tom, riley):
    jordan = make_candidate(name="Jordan Lee")
    make_meeting(jordan, tom, "confirmed", start=utc(13, 15, 30), length=30)  # Thursday 16:30 Berlin
    series = windows.add_series(tom, SeriesData(weekday=3, start_time=time(16), end_time=time(17),
                                                zone="Europe/Berlin"), T0, riley)
    statuses = dict(series_starts(series))
    assert statuses[utc(13, 15)] == WindowStatus.SKIPPED
    assert [s for s in statuses.values() if s == WindowStatus.SCHEDULED] == ["scheduled"] * 3
    skipped = db.session.scalar(sa.select(HoursWindow).where(HoursWindow.start_at == utc(13, 15)))
    assert skipped.note == "Clashes with the conversation with Jordan Lee at Thu 13 Mar 2031, 16:30 CET (Europe/Berlin)"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                             .where(BookedUnit.window_id == skipped.id)) == 0
    assert windows.top_up(T0) == 0  # the skipped week is not tried again


def test_series_settings_are_checked(tom, riley):
    with pytest.raises(HoursError) as error:
        windows.add_series(tom, SeriesData(weekday=3, start_time=time(16), end_time=time(16, 10),
                                           zone="Europe/Berlin", talk_minutes=15), T0, riley)
    assert error.value.field == "end_time"
    with pytest.raises(HoursError, match="between 1 and 12"):
        windows.add_series(tom, SeriesData(weekday=3, start_time=time(16), end_time=time(17),
                                           zone="Europe/Berlin", cap=13), T0, riley)


# --- going live -----------------------------------------------------------------------------------


def test_go_live_now_is_refused_over_a_confirmed_conversation_and_changes_nothing(tom):
    make_meeting(make_candidate(name="Jordan Lee"), tom, "confirmed", start=T0 + timedelta(minutes=30), length=30)
    with pytest.raises(HoursError) as error:
        windows.go_live_now(tom, 60, T0, tom)
    assert error.value.message.startswith("You have a conversation with Jordan Lee at Mon 3 Mar 2031, 13:30 CET "
                                          "(Europe/Berlin)")
    assert windows.live_window(tom.id) is None
    window = windows.go_live_now(tom, 30, T0, tom)  # until the conversation: fine
    assert (window.status, window.end_at) == (WindowStatus.LIVE, T0 + timedelta(minutes=30))


def test_go_live_now_is_refused_while_already_live(tom):
    windows.go_live_now(tom, 30, T0, tom)
    with pytest.raises(HoursError, match="already live"):
        windows.go_live_now(tom, 15, T0, tom)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow)) == 1


def test_go_live_works_from_ten_minutes_before_and_twice_changes_nothing(tom, riley):
    windows.add_series(tom, SeriesData(weekday=0, start_time=time(16), end_time=time(17), zone="Europe/Berlin"),
                       T0, riley)
    window = windows.upcoming(T0, tom.id)[0]  # today 15:00 UTC
    with pytest.raises(HoursError, match="start Mon 3 Mar 2031, 16:00 CET .*from 10 minutes before"):
        windows.go_live(window, utc(3, 14, 49), tom)
    assert window.status == WindowStatus.SCHEDULED
    stamp = clock.read()[0]
    windows.go_live(window, utc(3, 14, 50), tom)
    assert (window.status, window.live_at) == (WindowStatus.LIVE, utc(3, 14, 50))
    assert clock.read()[0] == stamp + 1
    windows.go_live(window, utc(3, 14, 55), tom)  # a second click, another tab
    assert (window.status, window.live_at, clock.read()[0]) == (WindowStatus.LIVE, utc(3, 14, 50), stamp + 1)
    later = windows.upcoming(T0, tom.id, days=30)[0]  # next Monday's
    with pytest.raises(HoursError, match="over"):
        windows.go_live(later, later.end_at, tom)


# --- a window is busy time for scheduling -----------------------------------------------------------


def test_offered_times_never_fall_inside_a_window(tom, riley):
    add_windows(tom, time(9), time(18), "Europe/Berlin")
    jordan = make_candidate(name="Jordan Lee", timezone="Europe/Berlin")
    windows.add_series(tom, SeriesData(weekday=1, start_time=time(14), end_time=time(15, 30), zone="Europe/Berlin"),
                       T0, riley)  # Tuesdays 13:00–14:30 UTC
    start, end = utc(4, 13), utc(4, 14, 30)
    busy, own = busy_of_both(tom.id, jordan, T0)
    assert own == []  # the window is Tom's time, not Jordan's
    assert (start, start + timedelta(minutes=15)) in busy and (utc(4, 14, 15), end) in busy
    offered = offered_slots(jordan, tom.profile, 30, T0, show_all=True)
    slots = [slot for slot, _fit in offered.slots]
    assert slots, "the rest of Tuesday is still offered"
    assert any(slot.end == start for slot in slots) and any(slot.start == end for slot in slots)
    assert not [slot for slot in slots if slot.start < end and slot.end > start]


def test_a_conversation_cannot_be_confirmed_inside_a_window(tom, riley):
    windows.add_series(tom, SeriesData(weekday=1, start_time=time(14), end_time=time(15), zone="Europe/Berlin"),
                       T0, riley)
    meeting = make_meeting(make_candidate(), tom, "invited", slots=[utc(4, 13, 30)], length=30)
    with pytest.raises(SlotTaken):
        confirm(meeting, utc(4, 13, 30))
    assert meeting.status == "invited"
    confirm(meeting, utc(4, 14))  # right after the window: free
    assert meeting.status == "confirmed"


def test_a_window_called_off_frees_its_time(tom, riley):
    windows.add_series(tom, SeriesData(weekday=1, start_time=time(14), end_time=time(15), zone="Europe/Berlin"),
                       T0, riley)
    window = windows.upcoming(T0, tom.id)[0]
    windows.cancel_window(window, T0, riley)
    meeting = make_meeting(make_candidate(), tom, "invited", slots=[utc(4, 13, 30)], length=30)
    confirm(meeting, utc(4, 13, 30))
    assert meeting.status == "confirmed"


# --- the poll clock ---------------------------------------------------------------------------------


def test_the_stamp_moves_with_each_change_and_each_minute_while_live(tom):
    quiet = presence.current_stamp(T0)
    assert presence.current_stamp(T0 + timedelta(minutes=5)) == quiet  # nothing live: minutes don't matter
    window = windows.go_live_now(tom, 30, T0, tom)
    db.session.commit()
    live = presence.current_stamp(T0)
    assert live != quiet
    assert presence.current_stamp(T0 + timedelta(seconds=30)) == live
    assert presence.current_stamp(T0 + timedelta(minutes=1)) != live  # "29 min left"
    assert clock.read()[1] == window.end_at  # due when the window ends
    windows.go_live_now(make_staff(), 15, T0, tom)
    assert presence.current_stamp(T0) != live


def test_a_due_poll_settles_the_window_and_moves_the_stamp(tom):
    window = windows.go_live_now(tom, 15, T0, tom)
    db.session.commit()
    before = presence.current_stamp(T0 + timedelta(minutes=14))
    after = presence.current_stamp(T0 + timedelta(minutes=15))
    db.session.refresh(window)
    assert window.status == WindowStatus.CLOSED and window.closed_at == T0 + timedelta(minutes=15)
    assert after != before and clock.read()[2] == 0  # nothing live any more
    assert presence.current_stamp(T0 + timedelta(minutes=20)) == after  # settled: quiet again
