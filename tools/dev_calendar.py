"""A CalDAV server for `make run` (development only): Radicale on 127.0.0.1:5232 (DEV_CALDAV_PORT) with a
calendar for two demo people, each holding a daily lunch 12:00–13:00 in their zone, so a newcomer can
connect one at /profile/calendar (signed in as that person) and see those times leave what candidates are
offered, then watch confirmed conversations appear in it (open the calendar's address, signed in with the
same user name and password, or point any CalDAV app at it).

Uses the test suite's Radicale runner (tests/calendar_servers.py); Radicale is a development dependency."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from calendar_servers import RadicaleServer, ics, vevent  # noqa: E402

# Demo people (demodata/demo.py): CalDAV user name, app password, zone.
PEOPLE = [("amara", "demo-calendar", "Europe/Berlin"), ("tom", "demo-calendar", "Europe/Berlin")]


def main() -> None:
    folder = ROOT / "instance" / "devcalendar"
    shutil.rmtree(folder / "collections", ignore_errors=True)  # fresh, like seed-demo
    server = RadicaleServer(folder, port=int(os.environ.get("DEV_CALDAV_PORT", "5232"))).start()
    for user, password, zone in PEOPLE:
        server.add_user(user, password)
        collection = server.make_calendar(user, password)
        today = datetime.now(ZoneInfo(zone)).replace(tzinfo=None, hour=12, minute=0, second=0, microsecond=0)
        lunch = vevent(f"lunch-{user}", today - timedelta(days=7), today - timedelta(days=7, hours=-1),
                       tzid=zone, rrule="FREQ=DAILY", summary="Lunch")
        server.put_ics(user, password, collection, f"lunch-{user}", ics(lunch))
    print(f"Development CalDAV server at {server.url} — users {', '.join(p[0] for p in PEOPLE)}, "
          f"app password {PEOPLE[0][1]}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            if server.process.poll() is not None:
                sys.exit("Radicale stopped: see instance/devcalendar/radicale.log")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
