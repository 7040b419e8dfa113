"""Moments at which the whole suite must still pass, and the clock offset that moves it there.

CI runs the suite at one of these moments per commit, in turn (``.ci/run`` → ``make test-at``; all of
them with ``CI_MOMENTS=all``, which keeps CI within its 20 minutes otherwise): tests/clock/sitecustomize.py
moves the clock of the test process and of every Python process it starts (the app, the worker,
gunicorn); the browser's clock follows through Playwright (tests/browser/browser_helpers.py). Every
moment is the *next* one after the real now, so the browser's own cookie clock never runs ahead of
the app's, and the list stays meaningful whatever day CI runs:

    python tests/moments.py                 # label and ISO moment, one per line
    python tests/moments.py pick KEY        # the one for KEY (a commit hash): each commit gets the next in turn
    python tests/moments.py offset WHEN     # seconds from now to WHEN (e.g. 2028-02-29T12:00Z)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _next_saturday_night(now: datetime) -> datetime:
    day = now.date() + timedelta(days=(5 - now.weekday()) % 7)
    moment = datetime(day.year, day.month, day.day, 23, 50, tzinfo=UTC)
    return moment if moment > now else moment + timedelta(days=7)


def next_transition(zone: str, now: datetime) -> datetime:
    """The next instant the zone's UTC offset changes (a DST change), found hour by hour then by bisection."""
    tz = ZoneInfo(zone)
    lo = now
    while True:
        hi = lo + timedelta(hours=1)
        if hi.astimezone(tz).utcoffset() != lo.astimezone(tz).utcoffset():
            break
        lo = hi
        if lo - now > timedelta(days=400):
            raise ValueError(f"{zone} has no offset change in the next 400 days")
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset() else (lo, mid)
    return hi.replace(microsecond=0)


def _next_leap_day(now: datetime) -> datetime:
    year = now.year
    while True:
        try:
            moment = datetime(year, 2, 29, 12, 0, tzinfo=UTC)
        except ValueError:
            year += 1
            continue
        if moment > now:
            return moment
        year += 1


def moments(now: datetime | None = None) -> list[tuple[str, datetime]]:
    now = now or datetime.now(UTC)
    new_year_eve = datetime(now.year, 12, 31, 23, 30, tzinfo=UTC)
    if new_year_eve <= now:
        new_year_eve = new_year_eve.replace(year=now.year + 1)
    # Half an hour before the clocks change: "today", "tomorrow" and the next two weeks all cross it.
    return [
        ("saturday-night", _next_saturday_night(now)),
        ("dst-new-york", next_transition("America/New_York", now) - timedelta(minutes=30)),
        ("dst-london", next_transition("Europe/London", now) - timedelta(minutes=30)),
        ("new-year-eve", new_year_eve),
        ("leap-day", _next_leap_day(now)),
    ]


def pick(key: str, now: datetime | None = None) -> tuple[str, datetime]:
    """One moment for ``key`` (a commit hash): consecutive commits spread over all of them."""
    listed = moments(now)
    return listed[int(key[:8] or "0", 16) % len(listed)]


def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def offset(when: datetime, now: datetime | None = None) -> str:
    """Seconds from the real now to ``when`` ("+12345"): every process adds the same offset to its real
    clock, so a process started later agrees with one started earlier (a fixed start moment would not)."""
    seconds = int((when - (now or datetime.now(UTC))).total_seconds())
    return f"{seconds:+d}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["offset"] and len(sys.argv) == 3:
        print(offset(parse(sys.argv[2])))
    elif sys.argv[1:2] == ["pick"] and len(sys.argv) == 3:
        label, moment = pick(sys.argv[2])
        print(label, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    elif len(sys.argv) == 1:
        for label, moment in moments():
            print(label, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    else:
        sys.exit(__doc__)
