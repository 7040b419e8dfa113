"""Busy times read from calendar text: what a person's calendar says about when they can't meet.

Every time is fixed (spring 2030, across Europe's change to summer time on 31 March); nothing
depends on the day the tests run.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from calendar_servers import ics, vevent

from portal.calendars.busy import MAX_OCCURRENCES, busy_from_ical
from portal.calendars.errors import CalendarError

APRIL = (datetime(2030, 4, 1, tzinfo=UTC), datetime(2030, 4, 29, tzinfo=UTC))  # four Mondays


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_series_with_a_skipped_week_and_a_moved_meeting():
    text = ics(
        vevent("standup", datetime(2030, 4, 1, 10), datetime(2030, 4, 1, 11), tzid="Europe/Berlin",
               rrule="FREQ=WEEKLY;COUNT=10", exdates=[datetime(2030, 4, 8, 10)]),
        vevent("standup", datetime(2030, 4, 15, 14), datetime(2030, 4, 15, 15), tzid="Europe/Berlin",
               recurrence_id=datetime(2030, 4, 15, 10)),
    )
    # Berlin is UTC+2 in April: 10:00 there is 08:00Z. The 8th is free, the 15th is busy at 14:00 instead.
    assert busy_from_ical(text, *APRIL, "Europe/Berlin") == [
        (utc(2030, 4, 1, 8), utc(2030, 4, 1, 9)),
        (utc(2030, 4, 15, 12), utc(2030, 4, 15, 13)),
        (utc(2030, 4, 22, 8), utc(2030, 4, 22, 9)),
    ]


def test_all_day_event_takes_the_whole_day_where_the_person_lives():
    text = ics(vevent("holiday", date(2030, 4, 3), date(2030, 4, 4)))
    assert busy_from_ical(text, *APRIL, "Europe/Berlin") == [(utc(2030, 4, 2, 22), utc(2030, 4, 3, 22))]
    assert busy_from_ical(text, *APRIL, "America/New_York") == [(utc(2030, 4, 3, 4), utc(2030, 4, 4, 4))]


def test_all_day_events_over_several_days_and_without_an_end():
    trip = vevent("trip", date(2030, 4, 8), date(2030, 4, 11))  # 8, 9, 10 April (the end is exclusive)
    single = vevent("single", date(2030, 4, 15))  # no DTEND: one day
    assert busy_from_ical(ics(trip, single), *APRIL, "UTC") == [
        (utc(2030, 4, 8), utc(2030, 4, 11)),
        (utc(2030, 4, 15), utc(2030, 4, 16)),
    ]


def test_floating_time_is_read_in_the_persons_zone():
    text = ics(vevent("local", datetime(2030, 4, 3, 9), datetime(2030, 4, 3, 10)))
    assert busy_from_ical(text, *APRIL, "Asia/Tokyo") == [(utc(2030, 4, 3, 0), utc(2030, 4, 3, 1))]
    assert busy_from_ical(text, *APRIL, "America/Los_Angeles") == [(utc(2030, 4, 3, 16), utc(2030, 4, 3, 17))]


def test_weekly_meeting_keeps_its_local_hour_across_the_change_to_summer_time():
    text = ics(vevent("weekly", datetime(2030, 3, 18, 9), datetime(2030, 3, 18, 10), tzid="Europe/London",
                      rrule="FREQ=WEEKLY"))
    window = (utc(2030, 3, 18), utc(2030, 4, 8))
    assert busy_from_ical(text, *window, "Asia/Tokyo") == [
        (utc(2030, 3, 18, 9), utc(2030, 3, 18, 10)),
        (utc(2030, 3, 25, 9), utc(2030, 3, 25, 10)),
        (utc(2030, 4, 1, 8), utc(2030, 4, 1, 9)),  # London is on BST from 31 March
    ]


def test_free_and_cancelled_events_leave_the_time_free_and_tentative_ones_do_not():
    text = ics(
        vevent("free", datetime(2030, 4, 2, 9), datetime(2030, 4, 2, 10), tzid="UTC", transp="TRANSPARENT"),
        vevent("cancelled", datetime(2030, 4, 2, 11), datetime(2030, 4, 2, 12), tzid="UTC", status="CANCELLED"),
        vevent("maybe", datetime(2030, 4, 2, 13), datetime(2030, 4, 2, 14), tzid="UTC", status="TENTATIVE"),
        vevent("blocked", datetime(2030, 4, 2, 15), datetime(2030, 4, 2, 16), tzid="UTC", transp="OPAQUE"),
    )
    assert busy_from_ical(text, *APRIL, "UTC") == [
        (utc(2030, 4, 2, 13), utc(2030, 4, 2, 14)),
        (utc(2030, 4, 2, 15), utc(2030, 4, 2, 16)),
    ]


def test_one_cancelled_occurrence_of_a_series_is_free():
    text = ics(
        vevent("daily", datetime(2030, 4, 1, 9), datetime(2030, 4, 1, 10), tzid="UTC", rrule="FREQ=DAILY;COUNT=3"),
        vevent("daily", datetime(2030, 4, 2, 9), datetime(2030, 4, 2, 10), tzid="UTC",
               recurrence_id=datetime(2030, 4, 2, 9), status="CANCELLED"),
    )
    assert busy_from_ical(text, *APRIL, "UTC") == [
        (utc(2030, 4, 1, 9), utc(2030, 4, 1, 10)),
        (utc(2030, 4, 3, 9), utc(2030, 4, 3, 10)),
    ]


@pytest.mark.parametrize("vtimezones", [True, False], ids=["with VTIMEZONE", "zone name only"])
def test_event_in_another_zone_is_converted(vtimezones):
    text = ics(vevent("call", datetime(2030, 4, 3, 9), datetime(2030, 4, 3, 10), tzid="America/Los_Angeles"),
               vtimezones=vtimezones)
    assert ("BEGIN:VTIMEZONE" in text) is vtimezones
    assert busy_from_ical(text, *APRIL, "Europe/Berlin") == [(utc(2030, 4, 3, 16), utc(2030, 4, 3, 17))]


def test_google_calendar_wide_zone_keeps_a_utc_series_at_its_local_hour():
    # Google writes series in UTC and names the calendar's zone in X-WR-TIMEZONE: 09:00 London all year.
    series = vevent("google", utc(2030, 3, 18, 9), utc(2030, 3, 18, 10), rrule="FREQ=WEEKLY")
    window = (utc(2030, 3, 18), utc(2030, 4, 8))
    assert busy_from_ical(ics(series, x_wr_timezone="Europe/London"), *window, "UTC")[-1] == \
        (utc(2030, 4, 1, 8), utc(2030, 4, 1, 9))
    assert busy_from_ical(ics(series), *window, "UTC")[-1] == (utc(2030, 4, 1, 9), utc(2030, 4, 1, 10))


def test_the_portals_own_events_can_be_left_out():
    text = ics(vevent("portal-7@example.org", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)),
               vevent("dentist", utc(2030, 4, 2, 11), utc(2030, 4, 2, 12)))
    mine = busy_from_ical(text, *APRIL, "UTC", ignore_uid=lambda uid: uid.startswith("portal-"))
    assert mine == [(utc(2030, 4, 2, 11), utc(2030, 4, 2, 12))]
    assert len(busy_from_ical(text, *APRIL, "UTC")) == 2


@pytest.mark.parametrize("garbage", [b"<html><body>Sign in</body></html>", "hello", b"", [b"BEGIN:VEVENT\r\n"],
                                     "BEGIN:VCALENDAR\r\nthis is not a property line\r\nEND:VCALENDAR\r\n"])
def test_text_that_is_not_a_calendar(garbage):
    with pytest.raises(CalendarError) as caught:
        busy_from_ical(garbage, *APRIL, "UTC")
    assert caught.value.code == "not_a_calendar"


def test_free_busy_periods_count_except_free_ones():
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VFREEBUSY\r\nUID:fb\r\n"
            "DTSTAMP:20300101T000000Z\r\n"
            "FREEBUSY:20300402T090000Z/20300402T100000Z,20300402T120000Z/PT30M\r\n"
            "FREEBUSY;FBTYPE=FREE:20300402T140000Z/20300402T150000Z\r\n"
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20300402T160000Z/20300402T170000Z\r\n"
            "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20300402T180000Z/20300402T190000Z\r\n"
            "END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    assert busy_from_ical(text, *APRIL, "UTC") == [
        (utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)),
        (utc(2030, 4, 2, 12), utc(2030, 4, 2, 12, 30)),
        (utc(2030, 4, 2, 16), utc(2030, 4, 2, 17)),
        (utc(2030, 4, 2, 18), utc(2030, 4, 2, 19)),
    ]


def test_overlapping_and_touching_events_merge_and_a_start_without_end_lasts_no_time():
    text = ics(
        vevent("a", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)),
        vevent("b", utc(2030, 4, 2, 9, 30), utc(2030, 4, 2, 11)),
        vevent("c", utc(2030, 4, 2, 11), utc(2030, 4, 2, 11, 30)),  # touches b
        vevent("d", utc(2030, 4, 2, 13), duration="PT45M"),
        vevent("reminder", utc(2030, 4, 2, 15)),  # no end, no duration: a moment, not busy
    )
    assert busy_from_ical(text, *APRIL, "UTC") == [
        (utc(2030, 4, 2, 9), utc(2030, 4, 2, 11, 30)),
        (utc(2030, 4, 2, 13), utc(2030, 4, 2, 13, 45)),
    ]


def test_events_are_clipped_to_the_window():
    text = ics(vevent("night", utc(2030, 3, 31, 22), utc(2030, 4, 1, 2)),
               vevent("late", utc(2030, 4, 28, 23), utc(2030, 4, 29, 1)),
               vevent("outside", utc(2030, 4, 29, 1), utc(2030, 4, 29, 2)))
    assert busy_from_ical(text, *APRIL, "UTC") == [
        (utc(2030, 4, 1), utc(2030, 4, 1, 2)),
        (utc(2030, 4, 28, 23), utc(2030, 4, 29)),
    ]


def test_several_calendars_one_after_another_or_as_a_list():
    first = ics(vevent("one", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)))
    second = ics(vevent("two", utc(2030, 4, 3, 9), utc(2030, 4, 3, 10)))
    expected = [(utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)), (utc(2030, 4, 3, 9), utc(2030, 4, 3, 10))]
    assert busy_from_ical(first + second, *APRIL, "UTC") == expected
    assert busy_from_ical([first.encode(), second], *APRIL, "UTC") == expected
    assert busy_from_ical("\ufeff" + first, *APRIL, "UTC") == expected[:1]


def test_a_rule_repeating_every_minute_is_cut_off_at_the_occurrence_limit():
    text = ics(vevent("flood", utc(2030, 4, 1), utc(2030, 4, 1, 0, 1), rrule="FREQ=MINUTELY"))
    began = time.monotonic()
    busy = busy_from_ical(text, *APRIL, "UTC")
    assert time.monotonic() - began < 30  # all of April would be 40,000 occurrences
    assert busy == [(utc(2030, 4, 1), utc(2030, 4, 1) + timedelta(minutes=MAX_OCCURRENCES))]


# --- one broken part spoils only itself ---------------------------------------------------------------

GOOD = vevent("good", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10))
GOOD_BUSY = (utc(2030, 4, 2, 9), utc(2030, 4, 2, 10))
NO_START = "BEGIN:VEVENT\r\nUID:nostart\r\nDTSTAMP:20300101T000000Z\r\nDTEND:20300403T120000Z\r\nEND:VEVENT\r\n"
TWO_UIDS = vevent("dup", utc(2030, 4, 3, 9), utc(2030, 4, 3, 10)).replace("UID:dup\r\n", "UID:dup\r\nUID:dup2\r\n")
SERIES = vevent("weekly", utc(2030, 4, 1, 14), utc(2030, 4, 1, 15), rrule="FREQ=WEEKLY;COUNT=2")
SERIES_BUSY = [(utc(2030, 4, 1, 14), utc(2030, 4, 1, 15)), (utc(2030, 4, 8, 14), utc(2030, 4, 8, 15))]


@pytest.mark.parametrize("broken", [NO_START, TWO_UIDS], ids=["event without DTSTART", "event with two UIDs"])
def test_one_broken_event_leaves_the_others_busy(broken):
    skipped: list[str] = []
    busy = busy_from_ical(ics(SERIES, broken, GOOD), *APRIL, "UTC", skipped=skipped)
    assert busy == sorted([*SERIES_BUSY, GOOD_BUSY])
    assert len(skipped) == 1


def test_an_unknown_calendar_wide_zone_is_ignored():
    skipped: list[str] = []
    text = ics(SERIES, GOOD, x_wr_timezone="Mars/Olympus_Mons")
    assert busy_from_ical(text, *APRIL, "UTC", skipped=skipped) == sorted([*SERIES_BUSY, GOOD_BUSY])
    assert skipped == ["an unknown X-WR-TIMEZONE"]


def test_one_malformed_free_busy_line_leaves_the_other_periods_and_events_busy():
    freebusy = ("BEGIN:VFREEBUSY\r\nUID:fb\r\nDTSTAMP:20300101T000000Z\r\n"
                "FREEBUSY:20300405T090000Z/20300405T100000Z\r\n"
                "FREEBUSY:tuesday-ish\r\n"
                "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20300406T090000Z/PT1H\r\n"
                "END:VFREEBUSY\r\n")
    skipped: list[str] = []
    busy = busy_from_ical(ics(GOOD, freebusy, SERIES), *APRIL, "UTC", skipped=skipped)
    assert busy == sorted([*SERIES_BUSY, GOOD_BUSY, (utc(2030, 4, 5, 9), utc(2030, 4, 5, 10)),
                           (utc(2030, 4, 6, 9), utc(2030, 4, 6, 10))])
    assert skipped == ["unreadable lines of a VFREEBUSY"]


def test_all_four_broken_parts_in_one_calendar_and_a_second_calendar_unharmed():
    freebusy = "BEGIN:VFREEBUSY\r\nUID:fb\r\nDTSTAMP:20300101T000000Z\r\nFREEBUSY:garbage\r\nEND:VFREEBUSY\r\n"
    broken = ics(NO_START, GOOD, TWO_UIDS, freebusy, x_wr_timezone="Nowhere/Special")
    other = ics(SERIES)
    assert busy_from_ical(broken + other, *APRIL, "UTC") == sorted([*SERIES_BUSY, GOOD_BUSY])
