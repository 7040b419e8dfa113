"""Offered times suit both sides: the person's windows, and the candidate's hours in their own zone.

Pure: profiles are plain objects, "now" is passed in. Every expectation is checked against an
independent reading of the wall clock (hour and minute in the candidate's zone), not against the
code's own ``fit``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal.people.availability import NEAREST_OUTSIDE, free_slots, within_hours
from portal.timeutil import Hours, day_bounds, fit

HALF_HOUR = timedelta(minutes=30)


def person(zone: str, start: time, end: time, weekdays=range(5)):
    user = SimpleNamespace(timezone=zone)
    windows = [SimpleNamespace(weekday=d, start_time=start, end_time=end, zone=zone) for d in weekdays]
    return SimpleNamespace(user=user, windows=windows, time_off=[], weekly_cap=40)


DEFAULT_HOURS = Hours()  # 07:00–21:00, a candidate who never set theirs


def offered(profile, candidate_zone: str, first: date, last: date, hours=DEFAULT_HOURS, **kwargs):
    now = datetime.combine(first, time(0), ZoneInfo(candidate_zone)) - timedelta(days=1)
    slots = free_slots(profile, first, last, HALF_HOUR, candidate_zone, now=now)
    return slots, *within_hours(slots, candidate_zone, hours, **kwargs)


def wall(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def within_day(slot, zone: str, first="07:00", last="21:00") -> bool:
    """Independent check: the slot starts and ends on one local day between ``first`` and ``last``."""
    start, end = slot.start.astimezone(ZoneInfo(zone)), slot.end.astimezone(ZoneInfo(zone))
    return start.date() == end.date() and first <= start.strftime("%H:%M") and end.strftime("%H:%M") <= last


def test_a_new_york_candidate_is_not_offered_half_past_three_with_a_london_person():
    # London 08:30–17:00 on weekdays is 03:30–12:00 in New York (5 hours apart in January).
    ceo = person("Europe/London", time(8, 30), time(17, 0))
    monday = date(2031, 1, 6)
    free, chosen, outside = offered(ceo, "America/New_York", monday, monday)
    assert wall(free[0].start, "America/New_York") == "03:30"  # the person is free then…
    starts = [wall(slot.start, "America/New_York") for slot, _ in chosen]
    assert "03:30" not in starts  # …but nobody asks a candidate to talk at half past three at night
    # The overlap of both days: 07:00–12:00 in New York, 12:00–17:00 in London.
    assert starts == ["07:00", "07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert wall(chosen[0][0].start, "Europe/London") == "12:00"
    assert not outside and all(f.inside for _, f in chosen)


@pytest.mark.parametrize("candidate_zone, person_zone, apart, overlap", [
    ("America/New_York", "Europe/London", 5, ("12:00", "17:00")),  # London time of the overlap
    ("America/Los_Angeles", "Europe/Berlin", 9, ("16:00", "17:00")),
    ("Europe/London", "Pacific/Auckland", 13, ("09:00", "10:00")),
])
def test_zones_far_apart_get_exactly_the_overlap_of_both_days(candidate_zone, person_zone, apart, overlap):
    # Weekdays 09:00–17:00 for the person, 07:00–21:00 for the candidate, two January weeks.
    first, last = date(2031, 1, 6), date(2031, 1, 19)
    offset = (datetime(2031, 1, 8, tzinfo=ZoneInfo(person_zone)).utcoffset()
              - datetime(2031, 1, 8, tzinfo=ZoneInfo(candidate_zone)).utcoffset())
    assert abs(offset) == timedelta(hours=apart)
    free, chosen, outside = offered(person(person_zone, time(9), time(17)), candidate_zone, first, last)
    expected = [slot for slot in free if within_day(slot, candidate_zone)]
    assert [slot for slot, _ in chosen] == expected and expected and not outside
    # On the person's clock every offered slot lies in the overlap, and the overlap is used up to its edges.
    assert all(overlap[0] <= wall(slot.start, person_zone) and wall(slot.end, person_zone) <= overlap[1]
               for slot, _ in chosen)
    assert min(wall(slot.start, person_zone) for slot, _ in chosen) == overlap[0]
    assert max(wall(slot.end, person_zone) for slot, _ in chosen) == overlap[1]


def test_the_overlap_moves_with_a_dst_change_on_one_side():
    # New York springs forward on Sunday 14 March 2027; London only on 28 March. London 09:00–17:00 is
    # 04:00–12:00 EST on Friday 12 March and 05:00–13:00 EDT on Monday 15 March.
    london = person("Europe/London", time(9), time(17))
    _, chosen, _ = offered(london, "America/New_York", date(2027, 3, 12), date(2027, 3, 15))
    by_day: dict[date, list] = {}
    for slot, _ in chosen:
        by_day.setdefault(slot.start.astimezone(ZoneInfo("America/New_York")).date(), []).append(slot)
    friday, monday = by_day[date(2027, 3, 12)], by_day[date(2027, 3, 15)]
    assert (wall(friday[0].start, "Europe/London"), wall(friday[-1].end, "Europe/London")) == ("12:00", "17:00")
    assert (wall(monday[0].start, "Europe/London"), wall(monday[-1].end, "Europe/London")) == ("11:00", "17:00")
    assert wall(friday[0].start, "America/New_York") == wall(monday[0].start, "America/New_York") == "07:00"
    assert wall(monday[0].start, "America/New_York") == "07:00" and monday[0].start.astimezone(
        ZoneInfo("America/New_York")).tzname() == "EDT"


def test_when_nothing_fits_the_nearest_times_outside_are_offered_and_labelled():
    # Berlin 07:00–09:00 is 01:00–03:00 in New York: every time is in the candidate's night.
    early_bird = person("Europe/Berlin", time(7), time(9))
    free, chosen, outside = offered(early_bird, "America/New_York", date(2031, 1, 6), date(2031, 1, 19))
    assert outside and len(chosen) == NEAREST_OUTSIDE and len(free) > NEAREST_OUTSIDE
    assert [slot.start for slot, _ in chosen] == sorted(slot.start for slot, _ in chosen)
    for slot, how in chosen:
        local = wall(slot.start, "America/New_York")
        # The nearest to the candidate's day: 02:30–03:00 starts 4½ h before 07:00 (early), 01:00–01:30
        # ends 4½ h after 21:00 (late); 01:30 and 02:00 are 5 h away. Two a day, earliest days first.
        assert (how.kind, how.by) == {"02:30": ("early", 270), "01:00": ("late", 270)}[local]


def test_show_all_offers_every_free_time_with_early_and_late_marked():
    ceo = person("Europe/London", time(8, 30), time(17, 0))
    monday = date(2031, 1, 6)
    free, chosen, outside = offered(ceo, "America/New_York", monday, monday, show_all=True)
    assert [slot for slot, _ in chosen] == free and not outside
    marks = {wall(slot.start, "America/New_York"): (how.kind, how.by) for slot, how in chosen}
    assert marks["03:30"] == ("early", 210) and marks["06:30"] == ("early", 30) and marks["07:00"] == ("inside", 0)


def test_a_candidate_can_have_hours_across_midnight():
    night = Hours(18 * 60, 2 * 60)  # 18:00 until 02:00
    zone = "Asia/Tokyo"

    def at(hour, minute=0):
        start = datetime(2031, 1, 7, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        return fit(start, start + HALF_HOUR, zone, night)

    assert at(18).inside and at(23, 45).inside and at(1, 30).inside
    assert (at(2).kind, at(2).by) == ("late", 30)
    assert (at(17, 30).kind, at(17, 30).by) == ("early", 30)
    assert night.label() == "18:00–02:00"


def test_the_day_is_measured_on_the_wall_clock_on_the_night_the_clocks_change():
    # Europe/London, 28 March 2027: 01:00 GMT jumps to 02:00 BST. A 30-minute slot starting 00:45 GMT
    # reads 00:45–02:15 on the wall: it ends 5¼ h after 21:00 (it starts 6¼ h before 07:00), so it is late
    # by 315 minutes, not the 285 that its real half hour would give. That day 07:00–21:00 starts at 06:00 UTC.
    zone = "Europe/London"
    start = datetime(2027, 3, 28, 0, 45, tzinfo=UTC)
    how = fit(start, start + HALF_HOUR, zone, Hours())
    assert (how.kind, how.by) == ("late", 315)
    first, last = day_bounds(Hours(), zone, date(2027, 3, 28))
    assert first.astimezone(UTC) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    assert last.astimezone(UTC) == datetime(2027, 3, 28, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("start, end", [(420, 420), (-1, 600), (600, 1440)])
def test_hours_that_are_not_two_different_times_of_day_are_refused(start, end):
    with pytest.raises(ValueError):
        Hours(start, end)
