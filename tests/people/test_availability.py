"""free_slots / merge_ranges: weekly windows → UTC slots, across zones and DST changes.

Every expected value is worked out by hand from the zone rules (2027):
- Europe/Berlin: CET = UTC+1, CEST = UTC+2 from Sun 2027-03-28 02:00 CET (→ 03:00 CEST).
- America/New_York: EST = UTC-5, EDT = UTC-4 from Sun 2027-03-14 02:00 EST (→ 03:00 EDT),
  back to EST on Sun 2027-11-07 02:00 EDT (→ 01:00 EST, so 01:00-02:00 happens twice).
- America/Los_Angeles: PST = UTC-8 in January.
- Pacific/Kiritimati: UTC+14, Pacific/Pago_Pago: UTC-11 (no DST).
- 2027-01-04 is a Monday and starts ISO week 2027-W01 (1 January 2027 is a Friday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import make_staff

from portal.extensions import db
from portal.people.availability import MAX_RANGE_DAYS, Slot, free_slots, merge_ranges
from portal.people.models import AvailabilityWindow, StaffProfile, TimeOff

BERLIN, NEW_YORK, LA = "Europe/Berlin", "America/New_York", "America/Los_Angeles"
MON, TUE, SUN = 0, 1, 6
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
M30, M45, M60 = timedelta(minutes=30), timedelta(minutes=45), timedelta(minutes=60)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def person(timezone: str = BERLIN, *windows: tuple[int, time, time, str]) -> StaffProfile:
    profile = make_staff("team", title="Engineer", timezone=timezone).profile
    for weekday, start, end, zone in windows:
        profile.windows.append(AvailabilityWindow(weekday=weekday, start_time=start, end_time=end, zone=zone))
    db.session.flush()
    return profile


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.start for slot in slots]


def local_starts(slots: list[Slot], zone: str) -> list[str]:
    """``"2027-01-04 09:00 CET"`` per slot, as the viewer in ``zone`` would read it."""
    return [f"{slot.in_zone(zone)[0]:%Y-%m-%d %H:%M %Z}" for slot in slots]


@pytest.fixture
def monday_berlin(app_ctx) -> StaffProfile:
    """Mondays 09:00-11:00 Berlin; on 2027-01-04 (CET) that is 08:00-10:00 UTC."""
    return person(BERLIN, (MON, time(9), time(11), BERLIN))


JAN4 = date(2027, 1, 4)


# --- basics ---------------------------------------------------------------------------------

def test_thirty_minute_slots_fill_the_window(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, JAN4, M30, BERLIN, now=LONG_AGO)
    assert local_starts(slots, BERLIN) == [
        "2027-01-04 09:00 CET", "2027-01-04 09:30 CET", "2027-01-04 10:00 CET", "2027-01-04 10:30 CET"]
    assert slots[0] == Slot(utc(2027, 1, 4, 8, 0), utc(2027, 1, 4, 8, 30))
    assert slots[-1] == Slot(utc(2027, 1, 4, 9, 30), utc(2027, 1, 4, 10, 0))
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in slots)


def test_longer_slot_must_fit_before_window_end(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, JAN4, M45, BERLIN, now=LONG_AGO)
    # 10:30 + 45 min = 11:15 is past the 11:00 end.
    assert local_starts(slots, BERLIN) == ["2027-01-04 09:00 CET", "2027-01-04 09:30 CET",
                                           "2027-01-04 10:00 CET"]
    assert slots[-1].end == utc(2027, 1, 4, 9, 45)  # 10:45 CET

    finer = free_slots(monday_berlin, JAN4, JAN4, M45, BERLIN, now=LONG_AGO, step=timedelta(minutes=15))
    assert [f"{s.in_zone(BERLIN)[0]:%H:%M}" for s in finer] == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15"]


def test_range_spans_several_weeks_sorted(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, date(2027, 1, 18), M60, BERLIN, now=LONG_AGO)
    # 60 min at a 30-min step in 09:00-11:00 CET: 09:00, 09:30, 10:00 (08:00, 08:30, 09:00 UTC).
    assert starts(slots) == [
        utc(2027, 1, 4, 8), utc(2027, 1, 4, 8, 30), utc(2027, 1, 4, 9),
        utc(2027, 1, 11, 8), utc(2027, 1, 11, 8, 30), utc(2027, 1, 11, 9),
        utc(2027, 1, 18, 8), utc(2027, 1, 18, 8, 30), utc(2027, 1, 18, 9),
    ]


def test_overlapping_windows_give_no_duplicates(app_ctx):
    profile = person(BERLIN, (MON, time(9), time(10), BERLIN), (MON, time(9, 30), time(10, 30), BERLIN))
    slots = free_slots(profile, JAN4, JAN4, M30, BERLIN, now=LONG_AGO)
    assert starts(slots) == [utc(2027, 1, 4, 8), utc(2027, 1, 4, 8, 30), utc(2027, 1, 4, 9)]


# --- viewer in another zone -----------------------------------------------------------------

def test_viewer_in_new_york_sees_the_berlin_window_at_three_am(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, JAN4, M30, NEW_YORK, now=LONG_AGO)
    assert local_starts(slots, NEW_YORK) == [
        "2027-01-04 03:00 EST", "2027-01-04 03:30 EST", "2027-01-04 04:00 EST", "2027-01-04 04:30 EST"]
    assert slots[0].in_zone(NEW_YORK) == (datetime(2027, 1, 4, 3, 0, tzinfo=ZoneInfo(NEW_YORK)),
                                          datetime(2027, 1, 4, 3, 30, tzinfo=ZoneInfo(NEW_YORK)))


def test_date_filter_uses_the_viewers_date(app_ctx):
    # Monday 22:00 PST in Los Angeles = Tuesday 06:00 UTC = Tuesday 07:00 CET in Berlin.
    profile = person(LA, (MON, time(22), time(23), LA))
    tuesday = date(2027, 1, 5)
    assert free_slots(profile, JAN4, JAN4, M30, BERLIN, now=LONG_AGO) == []
    slots = free_slots(profile, tuesday, tuesday, M30, BERLIN, now=LONG_AGO)
    assert local_starts(slots, BERLIN) == ["2027-01-05 07:00 CET", "2027-01-05 07:30 CET"]
    assert local_starts(slots, LA) == ["2027-01-04 22:00 PST", "2027-01-04 22:30 PST"]
    # The same slots seen from Los Angeles are on Monday.
    assert free_slots(profile, JAN4, JAN4, M30, LA, now=LONG_AGO) == slots


def test_window_two_days_ahead_of_the_viewer_is_found(app_ctx):
    # Monday 00:00 at UTC+14 = Sunday 10:00 UTC = Saturday 23:00 at UTC-11.
    profile = person("Pacific/Kiritimati", (MON, time(0), time(1), "Pacific/Kiritimati"))
    saturday = date(2027, 1, 2)
    slots = free_slots(profile, saturday, saturday, M30, "Pacific/Pago_Pago", now=LONG_AGO)
    assert starts(slots) == [utc(2027, 1, 3, 10), utc(2027, 1, 3, 10, 30)]
    assert local_starts(slots, "Pacific/Pago_Pago") == ["2027-01-02 23:00 SST", "2027-01-02 23:30 SST"]


# --- DST ------------------------------------------------------------------------------------

MAR28 = date(2027, 3, 28)


@pytest.mark.parametrize("zone,day,local,utc_starts", [
    pytest.param(BERLIN, MAR28,  # ends 04:00 CEST = 02:00 UTC
                 ["2027-03-28 01:00 CET", "2027-03-28 01:30 CET", "2027-03-28 03:00 CEST", "2027-03-28 03:30 CEST"],
                 [utc(2027, 3, 28, 0), utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1), utc(2027, 3, 28, 1, 30)],
                 id="berlin"),
    pytest.param(NEW_YORK, date(2027, 3, 14),  # ends 04:00 EDT = 08:00 UTC
                 ["2027-03-14 01:00 EST", "2027-03-14 01:30 EST", "2027-03-14 03:00 EDT", "2027-03-14 03:30 EDT"],
                 [utc(2027, 3, 14, 6), utc(2027, 3, 14, 6, 30), utc(2027, 3, 14, 7), utc(2027, 3, 14, 7, 30)],
                 id="new-york"),
])
def test_spring_forward_skips_the_missing_hour(app_ctx, zone, day, local, utc_starts):
    profile = person(zone, (SUN, time(1), time(4), zone))
    slots = free_slots(profile, day, day, M30, zone, now=LONG_AGO)
    # 02:00 and 02:30 never happen that night.
    assert local_starts(slots, zone) == local
    assert starts(slots) == utc_starts
    # Length is absolute: 01:30 winter time + 30 min is 03:00 summer time, where the next slot starts…
    assert f"{slots[1].in_zone(zone)[1]:%Y-%m-%d %H:%M %Z}" == local[2]
    # …so without the missing hour the four slots are back to back.
    assert merge_ranges(slots) == [(utc_starts[0], utc_starts[-1] + timedelta(minutes=30))]


def test_berlin_spring_forward_sixty_minutes_within_a_long_window(app_ctx):
    profile = person(BERLIN, (SUN, time(1), time(4), BERLIN))
    slots = free_slots(profile, MAR28, MAR28, M60, BERLIN, now=LONG_AGO)
    # 01:30 CET + 60 min = 03:30 CEST, before the 04:00 CEST end: kept. 03:30 + 60 min > 04:00.
    assert slots == [Slot(utc(2027, 3, 28, 0), utc(2027, 3, 28, 1)),
                     Slot(utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1, 30)),
                     Slot(utc(2027, 3, 28, 1), utc(2027, 3, 28, 2))]


def test_berlin_spring_forward_slot_may_not_run_past_the_window_end_in_absolute_time(app_ctx):
    # Window 01:00-03:00 that night is one real hour: 01:00 CET (00:00 UTC) to 03:00 CEST (01:00 UTC).
    profile = person(BERLIN, (SUN, time(1), time(3), BERLIN))
    slots = free_slots(profile, MAR28, MAR28, M60, BERLIN, now=LONG_AGO)
    # 01:00 CET-03:00 CEST fits exactly; 01:30 CET would end 03:30 CEST (01:30 UTC), past the end,
    # although 01:30 + 60 min = 02:30 is before 03:00 on the wall clock. 02:00 does not exist.
    assert slots == [Slot(utc(2027, 3, 28, 0), utc(2027, 3, 28, 1))]


def test_berlin_window_ending_inside_the_gap_ends_at_the_jump(app_ctx):
    # "Until 02:30" that night: no instant reads 02:30, the clock passes it at the jump
    # (02:00 CET = 03:00 CEST = 01:00 UTC), so that is the window's end.
    profile = person(BERLIN, (SUN, time(1), time(2, 30), BERLIN))
    slots = free_slots(profile, MAR28, MAR28, M60, BERLIN, now=LONG_AGO)
    assert slots == [Slot(utc(2027, 3, 28, 0), utc(2027, 3, 28, 1))]  # not the 01:30 CET one


def test_monday_after_the_change_is_an_hour_earlier_in_utc(app_ctx):
    profile = person(BERLIN, (MON, time(9), time(10), BERLIN))
    slots = free_slots(profile, date(2027, 3, 22), date(2027, 3, 29), M30, BERLIN, now=LONG_AGO)
    assert starts(slots) == [utc(2027, 3, 22, 8), utc(2027, 3, 22, 8, 30),   # 09:00 CET
                             utc(2027, 3, 29, 7), utc(2027, 3, 29, 7, 30)]   # 09:00 CEST
    assert slots[2].start == slots[0].start + timedelta(days=7) - timedelta(hours=1)
    assert local_starts(slots, BERLIN)[2] == "2027-03-29 09:00 CEST"


def test_new_york_fall_back_uses_the_first_occurrence(app_ctx):
    nov7 = date(2027, 11, 7)
    profile = person(NEW_YORK, (SUN, time(0), time(3), NEW_YORK), (SUN, time(1), time(2), NEW_YORK))
    slots = free_slots(profile, nov7, nov7, M30, NEW_YORK, now=LONG_AGO)
    assert starts(slots) == [
        utc(2027, 11, 7, 4), utc(2027, 11, 7, 4, 30),   # 00:00, 00:30 EDT
        utc(2027, 11, 7, 5), utc(2027, 11, 7, 5, 30),   # 01:00, 01:30 EDT (first occurrence)
        utc(2027, 11, 7, 7), utc(2027, 11, 7, 7, 30),   # 02:00, 02:30 EST
    ]
    assert local_starts(slots, NEW_YORK) == [
        "2027-11-07 00:00 EDT", "2027-11-07 00:30 EDT", "2027-11-07 01:00 EDT",
        "2027-11-07 01:30 EDT", "2027-11-07 02:00 EST", "2027-11-07 02:30 EST"]
    assert len(set(slots)) == len(slots)  # the second 01:00-02:00 window adds nothing
    assert slots[2].in_zone(NEW_YORK)[0].utcoffset() == timedelta(hours=-4)
    # 01:30 EDT + 30 min is the repeated 01:00, now EST.
    assert f"{slots[3].in_zone(NEW_YORK)[1]:%H:%M %Z}" == "01:00 EST"


def test_berlin_seen_from_new_york_while_only_the_us_has_switched(app_ctx):
    profile = person(BERLIN, (MON, time(9), time(10), BERLIN))
    slots = free_slots(profile, date(2027, 3, 8), date(2027, 3, 29), M30, NEW_YORK, now=LONG_AGO)
    assert local_starts(slots, NEW_YORK) == [
        "2027-03-08 03:00 EST", "2027-03-08 03:30 EST",   # CET vs EST: 6 h
        "2027-03-15 04:00 EDT", "2027-03-15 04:30 EDT",   # CET vs EDT: 5 h
        "2027-03-22 04:00 EDT", "2027-03-22 04:30 EDT",   # CET vs EDT: 5 h
        "2027-03-29 03:00 EDT", "2027-03-29 03:30 EDT",   # CEST vs EDT: 6 h again
    ]
    assert starts(slots)[2] == utc(2027, 3, 15, 8) and starts(slots)[6] == utc(2027, 3, 29, 7)


# --- exclusions -----------------------------------------------------------------------------

def test_time_off_excludes_exactly_its_days(app_ctx):
    profile = person(BERLIN, *[(day, time(9), time(10), BERLIN) for day in range(7)])
    profile.time_off.append(TimeOff(start_date=date(2027, 1, 5), end_date=date(2027, 1, 6)))
    db.session.flush()
    slots = free_slots(profile, JAN4, date(2027, 1, 8), M60, BERLIN, now=LONG_AGO)
    assert starts(slots) == [utc(2027, 1, 4, 8), utc(2027, 1, 7, 8), utc(2027, 1, 8, 8)]


def test_time_off_applies_in_the_persons_zone_to_start_and_end(app_ctx):
    # Window in UTC, person in Berlin: 22:00 UTC Monday is 23:00 CET, the slot ends at midnight.
    profile = person(BERLIN, (MON, time(22), time(23, 30), "UTC"))
    profile.time_off.append(TimeOff(start_date=date(2027, 1, 5), end_date=date(2027, 1, 5)))
    db.session.flush()
    slots = free_slots(profile, JAN4, JAN4, M60, "UTC", now=LONG_AGO)
    # 23:00-00:00 CET ends as Tuesday begins (kept); 23:30-00:30 CET runs into Tuesday (dropped).
    assert slots == [Slot(utc(2027, 1, 4, 22), utc(2027, 1, 4, 23))]


def test_slots_at_or_before_now_are_excluded(monday_berlin):
    now = utc(2027, 1, 4, 8, 30)  # 09:30 CET
    slots = free_slots(monday_berlin, JAN4, JAN4, M30, BERLIN, now=now)
    assert local_starts(slots, BERLIN) == ["2027-01-04 10:00 CET", "2027-01-04 10:30 CET"]


def test_now_defaults_to_the_current_time(monday_berlin):
    assert free_slots(monday_berlin, date(2020, 1, 6), date(2020, 1, 6), M30, BERLIN) == []


def test_busy_intervals_excluded_touching_allowed(monday_berlin):
    ny = ZoneInfo(NEW_YORK)
    busy = [(utc(2027, 1, 4, 8, 30), utc(2027, 1, 4, 9)),  # 09:30-10:00 CET
            (datetime(2027, 1, 4, 4, 40, tzinfo=ny), datetime(2027, 1, 4, 4, 50, tzinfo=ny))]  # 10:40 CET
    slots = free_slots(monday_berlin, JAN4, JAN4, M30, BERLIN, now=LONG_AGO, busy=busy)
    # 09:00 ends as the first busy starts, 10:00 starts as it ends; 10:30 overlaps the second.
    assert local_starts(slots, BERLIN) == ["2027-01-04 09:00 CET", "2027-01-04 10:00 CET"]


def test_weekly_cap_reached_empties_that_week_only(monday_berlin):
    monday_berlin.weekly_cap = 2
    jan11 = date(2027, 1, 11)
    slots = free_slots(monday_berlin, JAN4, jan11, M60, BERLIN, now=LONG_AGO,
                       booked_per_week={(2027, 1): 2})
    assert starts(slots) == [utc(2027, 1, 11, 8), utc(2027, 1, 11, 8, 30), utc(2027, 1, 11, 9)]
    below = free_slots(monday_berlin, JAN4, jan11, M60, BERLIN, now=LONG_AGO, booked_per_week={(2027, 1): 1})
    assert len(below) == 6


def test_weekly_cap_week_is_taken_in_the_persons_zone(app_ctx):
    # Monday 00:00 CET (week 2) is still Sunday 23:00 UTC (week 1) for a viewer in UTC.
    profile = person(BERLIN, (MON, time(0), time(1), BERLIN))
    profile.weekly_cap = 2
    sunday = date(2027, 1, 10)
    args = (profile, sunday, sunday, M60, "UTC")
    assert starts(free_slots(*args, now=LONG_AGO, booked_per_week={(2027, 1): 2})) == [utc(2027, 1, 10, 23)]
    assert free_slots(*args, now=LONG_AGO, booked_per_week={(2027, 2): 2}) == []


def test_weekly_cap_zero_means_no_slots(monday_berlin):
    monday_berlin.weekly_cap = 0
    assert free_slots(monday_berlin, JAN4, date(2027, 1, 18), M30, BERLIN, now=LONG_AGO) == []


# --- invalid input --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"length": timedelta(0)}, "length"),
    ({"length": -M30}, "length"),
    ({"step": timedelta(0)}, "step"),
    ({"start": date(2027, 1, 5), "end": JAN4}, "before"),
    ({"viewer_zone": "Mars/Olympus_Mons"}, "unknown time zone"),
    ({"viewer_zone": ""}, "unknown time zone"),
    ({"end": JAN4 + timedelta(days=MAX_RANGE_DAYS)}, "62 days"),
    ({"now": datetime(2027, 1, 1)}, "aware"),
    ({"busy": [(datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 9))]}, "aware"),
])
def test_invalid_input_raises_value_error(monday_berlin, kwargs, message):
    call = {"start": JAN4, "end": JAN4, "length": M30, "viewer_zone": BERLIN, "now": LONG_AGO} | kwargs
    with pytest.raises(ValueError, match=message):
        free_slots(monday_berlin, call.pop("start"), call.pop("end"), call.pop("length"),
                   call.pop("viewer_zone"), **call)


def test_sixty_two_days_is_allowed(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, JAN4 + timedelta(days=MAX_RANGE_DAYS - 1), M60, BERLIN,
                       now=LONG_AGO)
    assert len(slots) == 9 * 3  # Mondays 4 Jan … 1 Mar 2027, 09:00/09:30/10:00 CET each


def test_unknown_zone_on_person_or_window_raises(app_ctx):
    with pytest.raises(ValueError, match="Nowhere/Town"):
        free_slots(person("Nowhere/Town"), JAN4, JAN4, M30, BERLIN, now=LONG_AGO)
    with pytest.raises(ValueError, match="Atlantis/Capital"):
        free_slots(person(BERLIN, (MON, time(9), time(10), "Atlantis/Capital")), JAN4, JAN4, M30, BERLIN,
                   now=LONG_AGO)


# --- merge_ranges ---------------------------------------------------------------------------

def test_merge_ranges_joins_touching_and_overlapping_slots():
    slots = [Slot(utc(2027, 1, 4, 9, 30), utc(2027, 1, 4, 10)),
             Slot(utc(2027, 1, 4, 8), utc(2027, 1, 4, 8, 30)),
             Slot(utc(2027, 1, 4, 9, 45), utc(2027, 1, 4, 10, 15)),
             Slot(utc(2027, 1, 4, 8, 30), utc(2027, 1, 4, 9))]
    assert merge_ranges(slots) == [(utc(2027, 1, 4, 8), utc(2027, 1, 4, 9)),
                                   (utc(2027, 1, 4, 9, 30), utc(2027, 1, 4, 10, 15))]
    assert merge_ranges([]) == []


def test_merge_ranges_of_free_slots(monday_berlin):
    slots = free_slots(monday_berlin, JAN4, JAN4, M45, BERLIN, now=LONG_AGO)
    assert merge_ranges(slots) == [(utc(2027, 1, 4, 8), utc(2027, 1, 4, 9, 45))]


def test_slot_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        Slot(datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 9))
