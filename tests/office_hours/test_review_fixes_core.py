"""What a review of the office hours core found, each now held by a test: closing early with automatic
admission lets nobody into a closed window; a call-off can't undo a window that went live; one live
window per person; a talk ended by a decision says so in the timeline. Clock stopped at T0."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_user
from helpers import T0

from portal.audit.models import AuditEvent
from portal.candidates.decisions import DecisionData, record_decision
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import BookedUnit
from portal.office_hours import clock, queue, windows
from portal.office_hours.models import EntryStatus, HoursWindow, WindowStatus
from portal.office_hours.windows import HoursError

MIN = timedelta(minutes=1)


def test_closing_early_with_automatic_admission_admits_nobody_and_tells_those_waiting(tom):
    window = windows.go_live_now(tom, 60, T0, tom, auto_admit=True)
    a, b = make_candidate(name="Jordan Lee"), make_candidate(name="Sam Rivera")
    entry_a = queue.join(a, window, T0)  # admitted at once (automatic)
    entry_b = queue.join(b, window, T0 + MIN)
    db.session.commit()
    assert entry_a.status == EntryStatus.TALKING

    queue.close_window(window, T0 + 10 * MIN, tom)
    db.session.commit()
    for entry in (entry_a, entry_b):
        db.session.refresh(entry)
    assert (entry_a.status, entry_b.status) == (EntryStatus.DONE, EntryStatus.CLOSED)
    assert window.status == WindowStatus.CLOSED
    mails = db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "hours_queue_closed"))
    assert list(mails) == [f"hours_queue_closed:{entry_b.id}"]
    _, due_at, live = clock.read()
    assert due_at is None and live == 0  # nothing left for a timer: polls stay cheap


def test_a_call_off_cannot_undo_a_window_that_just_went_live(tom):
    start = T0 + 5 * MIN
    window = windows.add_window(tom, start, start + timedelta(hours=1), T0, tom)
    db.session.commit()
    # Its go-live link, in another request a moment before the call-off: this one still holds the
    # window as it read it (scheduled).
    db.session.execute(sa.update(HoursWindow).where(HoursWindow.id == window.id)
                       .values(status=WindowStatus.LIVE, live_at=T0).execution_options(synchronize_session=False))
    assert window.status == WindowStatus.SCHEDULED
    with pytest.raises(HoursError, match="haven't started"):
        windows.cancel_window(window, T0, tom)
    assert db.session.scalar(sa.select(HoursWindow.status).where(HoursWindow.id == window.id)) == WindowStatus.LIVE
    held = sa.select(sa.func.count()).select_from(BookedUnit).where(BookedUnit.window_id == window.id)
    assert db.session.scalar(held) == 5  # its time still held (12:05–13:05: five 15-minute units)


def test_one_live_window_per_person(tom):
    windows.go_live_now(tom, 30, T0, tom)
    later = windows.add_window(tom, T0 + 35 * MIN, T0 + 95 * MIN, T0, tom)
    db.session.commit()
    with pytest.raises(HoursError, match="You're live already"):
        windows.go_live(later, T0 + 26 * MIN, tom)  # within its 10 minutes' notice, while still live


def test_a_talk_ended_by_a_decision_says_so(tom):
    window = windows.go_live_now(tom, 60, T0, tom)
    jordan = make_candidate(name="Jordan Lee")
    queue.join(jordan, window, T0)
    queue.admit_next(window, T0, tom)
    db.session.commit()
    riley = make_user("recruiter", name="Riley Morgan")
    record_decision(jordan, DecisionData("accepted", date(2031, 3, 3)), by=riley, now=T0 + 5 * MIN)
    db.session.commit()
    summaries = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.action == "hours.talk_ended"))
    assert list(summaries) == ["Jordan Lee's office hours talk with Tom Becker ended when they left the offer process"]


def test_a_hidden_person_cannot_go_live(tom):
    soon = windows.add_window(tom, T0 + 5 * MIN, T0 + 65 * MIN, T0, tom)
    tom.profile.visible = False
    db.session.commit()
    for go in (lambda: windows.go_live_now(tom, 30, T0, tom), lambda: windows.go_live(soon, T0, tom)):
        with pytest.raises(HoursError, match="You're hidden from candidates"):
            go()
    assert windows.live_window(tom.id) is None
