"""The worker's office hours chores (portal/office_hours/tasks.py) at frozen times: the go-live mail
ten minutes before a window, once; talks and windows end on their timers with nobody's page open;
series stay turned into windows four weeks ahead; a quiet pass changes nothing pollers see. And
going live tells those who asked to hear."""

from datetime import timedelta

import sqlalchemy as sa
from factories import make_candidate
from helpers import T0, count, link_in
from test_host_links import START, make_story

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting
from portal.office_hours import clock, notify, queue, tasks, windows
from portal.office_hours.models import EntryStatus, HoursEntry, HoursSeries, HoursWatch, HoursWindow, WindowStatus
from portal.timeutil import utcnow
from portal.worker import run_worker


def go_live_mails() -> int:
    return count(OutboxMessage, OutboxMessage.kind == "hours_go_live")


def test_the_go_live_mail_goes_ten_minutes_before_once(app, client, smtp, frozen):
    story = make_story(app, mail=False)
    frozen.move_to(START - timedelta(minutes=10, seconds=1))
    with app.app_context():
        assert tasks.run_due(utcnow()).go_live_mails == 0 and go_live_mails() == 0
    frozen.move_to(START - timedelta(minutes=10))
    with app.app_context():
        run_worker(once=True)
        assert go_live_mails() == 1
    (mail,) = smtp.messages_to("tom@example.com")
    assert mail["Subject"].startswith("Your office hours start Mon 3 Mar 2031, 14:00 CET")
    path = link_in(mail)
    assert path.startswith("/office-hours/live/") and client.get(path).status_code == 200
    # Later passes (every two seconds) neither mail again nor mint another link.
    for minutes in (1, 5, 30):
        frozen.move_to(START + timedelta(minutes=minutes))
        with app.app_context():
            run_worker(once=True)
            assert go_live_mails() == 1
            assert count(ActionToken, ActionToken.purpose == notify.GO_LIVE) == 1
    assert len(smtp.messages_to("tom@example.com")) == 1
    with app.app_context():
        assert db.session.get(HoursWindow, story.window).status == WindowStatus.SCHEDULED


def test_no_go_live_mail_for_a_called_off_window(app, frozen):
    story = make_story(app, mail=False)
    frozen.move_to(START - timedelta(minutes=5))
    with app.app_context():
        window = db.session.get(HoursWindow, story.window)
        windows.cancel_window(window, utcnow(), window.staff)
        db.session.commit()
        assert tasks.run_due(utcnow()).go_live_mails == 0 and go_live_mails() == 0


def test_timers_end_talks_and_windows_with_no_page_open(app, frozen):
    story = make_story(app, mail=False)
    frozen.move_to(START)
    with app.app_context():
        window = db.session.get(HoursWindow, story.window)
        windows.go_live(window, utcnow())
        jordan, sam = make_candidate(email="jordan@example.com"), make_candidate(email="sam@example.com")
        queue.join(jordan, window, utcnow())
        queue.join(sam, window, utcnow())
        entry = queue.admit_next(window, utcnow(), window.staff)
        talk_end = db.session.get(Meeting, entry.meeting_id).end_at
        db.session.commit()
        entry_id, sam_id = entry.id, sam.id
    frozen.move_to(talk_end - timedelta(seconds=1))
    with app.app_context():
        assert tasks.run_due(utcnow()).settled == 0
        assert db.session.get(HoursEntry, entry_id).status == EntryStatus.TALKING
    frozen.move_to(talk_end + timedelta(seconds=30))
    with app.app_context():
        assert tasks.run_due(utcnow()).settled == 1
        entry = db.session.get(HoursEntry, entry_id)
        assert entry.status == EntryStatus.DONE and entry.ended_at == talk_end
        assert db.session.get(Meeting, entry.meeting_id).end_at == talk_end
    # At the window's end it closes itself and Sam, still waiting, is told.
    frozen.move_to(START + timedelta(hours=1))
    with app.app_context():
        tasks.run_due(utcnow())
        assert db.session.get(HoursWindow, story.window).status == WindowStatus.CLOSED
        waiting = db.session.scalar(sa.select(HoursEntry).where(HoursEntry.candidate_id == sam_id))
        assert waiting.status == EntryStatus.CLOSED
        assert count(OutboxMessage, OutboxMessage.kind == "hours_queue_closed",
                     OutboxMessage.to_addr == "sam@example.com") == 1


def test_a_quiet_pass_changes_nothing_pollers_see(app, frozen):
    make_story(app, mail=False)
    with app.app_context():
        before = clock.read()
        for _ in range(3):
            result = tasks.run_due(utcnow())
            assert (result.windows_made, result.settled, result.errors) == (0, 0, [])
        assert clock.read() == before


def test_series_stay_four_weeks_ahead(app, frozen):
    story = make_story(app, mail=False)
    with app.app_context():
        made = count(HoursWindow)
        assert tasks.series_to_top_up(utcnow()) == []
    frozen.move_to(T0 + timedelta(days=8))
    with app.app_context():
        assert tasks.series_to_top_up(utcnow()) == [1]
        assert tasks.run_due(utcnow()).windows_made == 1
        assert count(HoursWindow) == made + 1 and tasks.series_to_top_up(utcnow()) == []
        latest = db.session.scalar(sa.select(sa.func.max(HoursWindow.start_at)))
        assert latest >= utcnow() + timedelta(weeks=3)
        assert db.session.get(HoursSeries, 1).staff_id == story.tom


def test_going_live_tells_those_who_asked(app, frozen):
    story = make_story(app, mail=False)
    frozen.move_to(START - timedelta(minutes=5))
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee", email="jordan@example.com")
        db.session.add(HoursWatch(candidate_id=jordan.id, staff_id=story.tom))
        db.session.commit()
        windows.go_live(db.session.get(HoursWindow, story.window), utcnow())
        db.session.commit()
        (told,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "hours_live_now"))
        assert told.to_addr == "jordan@example.com" and count(HoursWatch) == 0
