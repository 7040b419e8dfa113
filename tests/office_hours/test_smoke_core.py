"""Temporary smoke test of the office hours core (replaced by the full service tests)."""

from datetime import time, timedelta

from portal.extensions import db
from portal.office_hours import clock, presence, queue, windows
from portal.office_hours.models import EntryStatus, WindowStatus
from portal.timeutil import utcnow
from tests.factories import make_candidate, make_staff, make_user


def test_core_flow(app_ctx, frozen):
    now = utcnow()
    person = make_staff("leadership", name="Amara Okafor", timezone="Europe/Berlin")
    riley = make_user("recruiter", name="Riley Morgan")
    a, b = make_candidate(), make_candidate()
    db.session.commit()
    series = windows.add_series(person, windows.SeriesData(weekday=now.weekday(), start_time=time(16),
                                                            end_time=time(17), zone="Europe/Berlin"), now, riley)
    db.session.commit()
    assert len(windows.upcoming(now, person.id, days=30)) >= 4
    window = windows.go_live_now(make_staff(name="Tom"), 30, now, riley, talk_minutes=10)
    db.session.commit()
    ea = queue.join(a, window, now)
    eb = queue.join(b, window, now)
    assert (ea.position, eb.position) == (1, 2)
    assert queue.join(a, window, now).id == ea.id
    assert len(presence.live_now(now)) == 1
    entry = queue.admit_next(window, now, window.staff)
    assert entry.id == ea.id and entry.status == EntryStatus.TALKING
    db.session.commit()
    later = now + timedelta(minutes=11)
    queue.settle(later)
    db.session.commit()
    db.session.refresh(ea)
    assert ea.status == EntryStatus.DONE
    queue.admit_next(window, later, window.staff)
    queue.settle(now + timedelta(minutes=31))
    db.session.commit()
    db.session.refresh(window)
    assert window.status == WindowStatus.CLOSED
    assert clock.read()[0] > 0
    assert series.id
