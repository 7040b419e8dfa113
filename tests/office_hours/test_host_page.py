"""The person's live page (/office-hours/host/<token>) and its buttons: who is talking and waiting,
the timers, admit / end / didn't come / close early / automatic admission; the 5-second poll answers
204 while nothing changed; after the window, a summary."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, T0, count, csrf_in, text_of

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import BookedUnit, Meeting
from portal.office_hours import notify, queue, windows
from portal.office_hours.models import EntryStatus, HoursEntry, HoursWindow, WindowStatus
from portal.timeutil import utcnow


@pytest.fixture
def live(app, frozen):
    """Tom (Berlin) went live at T0 for 60 minutes (15-minute talks, at most 4); Jordan joined at T0,
    then Sam two minutes later. ``path``: Tom's live page."""
    with app.app_context():
        tom = make_staff(name="Tom Weber", email="tom@example.com", timezone="Europe/Berlin")
        riley = make_user("recruiter", name="Riley Morgan")
        jordan = make_candidate(name="Jordan Lee", email="jordan@example.com")
        sam = make_candidate(name="Sam Rivera", email="sam@example.com")
        window = windows.go_live_now(tom, 60, utcnow(), riley)
        queue.join(jordan, window, utcnow())
        queue.join(sam, window, utcnow() + timedelta(minutes=2))
        path = re.sub(r"^https?://[^/]+", "", notify.host_link(window))
        db.session.commit()
        ids = SimpleNamespace(window=window.id, jordan=jordan.id, sam=sam.id, tom=tom.id, path=path)
    frozen.move_to(T0 + timedelta(minutes=3))
    return ids


def entry_of(candidate_id) -> HoursEntry:
    return db.session.scalar(sa.select(HoursEntry).where(HoursEntry.candidate_id == candidate_id))


def snapshot(app, window_id):
    with app.app_context():
        return (db.session.get(HoursWindow, window_id).status,
                tuple(db.session.execute(sa.select(HoursEntry.status, HoursEntry.meeting_id).order_by(HoursEntry.id))),
                count(Meeting), count(OutboxMessage))


def press(client, path, action, **data):
    """Press one of the page's buttons, with the CSRF token the page carries."""
    page = client.get(path).get_data(as_text=True)
    return client.post(f"{path}/{action}", data={"csrf_token": csrf_in(page), **data})


def test_the_page_shows_the_queue_and_reading_changes_nothing(app, client, live):
    before = snapshot(app, live.window)
    page = client.get(live.path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    words = text_of(html)
    assert "You're live. 57 min left" in words and "13:00–14:00 CET" in words
    assert '<time datetime="2031-03-03T13:00:00Z" data-countdown>57 min left</time>' in html
    assert re.search(r"Waiting \(2\) Jordan Lee · waiting 3 min Sam Rivera · waiting 1 min", words)
    assert "Talks so far: 0 of 4" in words and "Admit next: Jordan" in words
    assert "Automatic admission is off" in words and 'name="confirm"' in html and "required" in html
    assert f'data-hx-get="{live.path}?since=' in html and 'data-hx-trigger="every 5s"' in html
    client.head(live.path)
    assert snapshot(app, live.window) == before


def test_admit_then_end(app, client, live):
    response = press(client, live.path, "admit")
    assert response.status_code == 303 and response.headers["Location"] == live.path
    page = client.get(live.path).get_data(as_text=True)
    with app.app_context():
        entry = entry_of(live.jordan)
        talk = db.session.get(Meeting, entry.meeting_id)
        assert entry.status == EntryStatus.TALKING and talk.status == "confirmed" and talk.format == "office_hours"
        assert talk.video_link and talk.video_link in page
        entry_id = entry.id
    words = text_of(page)
    assert "You're talking with Jordan Lee: the video link is on this page." in words
    assert "Talking now Jordan Lee" in words and "Timer: 15 min left" in words and "Talks so far: 1 of 4" in words
    assert "End talk" in words and "Jordan didn't come" in words and "Admit next" not in words

    # A second tab that still shows "Admit next" admits nobody else.
    refused = press(client, live.path, "admit")
    assert refused.status_code == 422 and "still talking with Jordan Lee" in refused.get_data(as_text=True)

    assert press(client, live.path, "end", entry=entry_id).status_code == 303
    with app.app_context():
        entry = entry_of(live.jordan)
        talk = db.session.get(Meeting, entry.meeting_id)
        assert entry.status == EntryStatus.DONE and talk.end_at == utcnow() and talk.status == "confirmed"
    words = text_of(client.get(live.path).get_data(as_text=True))
    assert "Talking now Nobody." in words and "Admit next: Sam" in words


def test_a_stale_end_button_does_not_end_the_next_talk(app, client, live):
    press(client, live.path, "admit")
    with app.app_context():
        jordan_entry = entry_of(live.jordan).id
        queue.end_talk(entry_of(live.jordan), utcnow(), None)
        queue.admit_next(db.session.get(HoursWindow, live.window), utcnow(), None)
        db.session.commit()
    before = snapshot(app, live.window)
    refused = press(client, live.path, "end", entry=jordan_entry)
    assert refused.status_code == 422 and "That talk has already ended" in refused.get_data(as_text=True)
    assert snapshot(app, live.window) == before


def test_no_show(app, client, live):
    press(client, live.path, "admit")
    with app.app_context():
        entry_id = entry_of(live.jordan).id
    assert press(client, live.path, "no_show", entry=entry_id).status_code == 303
    with app.app_context():
        assert db.session.get(Meeting, entry_of(live.jordan).meeting_id).status == "no_show"
    assert "Noted: Jordan Lee didn't come." in text_of(client.get(live.path).get_data(as_text=True))


def test_close_early_needs_the_box_then_tells_those_waiting_and_frees_the_time(app, client, live):
    before = snapshot(app, live.window)
    drawn = csrf_in(client.get(live.path).get_data(as_text=True))  # a second tab, open from before
    refused = press(client, live.path, "close")
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    assert snapshot(app, live.window) == before
    with app.app_context():
        held = count(BookedUnit, BookedUnit.window_id == live.window, BookedUnit.unit_start >= utcnow())
        assert held == 3  # 12:15, 12:30, 12:45 UTC (the unit under way stays held)

    assert press(client, live.path, "close", confirm="yes").status_code == 303
    with app.app_context():
        window = db.session.get(HoursWindow, live.window)
        assert window.status == WindowStatus.CLOSED and window.closed_at == utcnow()
        assert count(BookedUnit, BookedUnit.window_id == live.window, BookedUnit.unit_start >= utcnow()) == 0
        told = set(db.session.scalars(sa.select(OutboxMessage.to_addr).where(OutboxMessage.kind == "hours_queue_closed")))
        assert told == {"jordan@example.com", "sam@example.com"}
    words = text_of(client.get(live.path).get_data(as_text=True))
    assert "The 2 still waiting have been told, kindly." in words and "These office hours are over" in words
    assert "Still waiting at the end: Jordan Lee, Sam Rivera" in words and "Close your office hours" not in words
    # The buttons of a page drawn before do nothing now.
    again = client.post(f"{live.path}/admit", data={"csrf_token": drawn})
    assert again.status_code == 422 and "These office hours are over." in again.get_data(as_text=True)


def test_automatic_admission(app, client, live):
    assert press(client, live.path, "auto_on").status_code == 303
    with app.app_context():
        assert db.session.get(HoursWindow, live.window).auto_admit
        assert entry_of(live.jordan).status == EntryStatus.TALKING  # let in at once: nobody was talking
    words = text_of(client.get(live.path).get_data(as_text=True))
    assert "Automatic admission is on" in words and "Turn automatic admission off" in words
    assert press(client, live.path, "auto_off").status_code == 303
    with app.app_context():
        assert not db.session.get(HoursWindow, live.window).auto_admit


def test_the_poll_is_204_until_something_changes(app, client, live):
    page = client.get(live.path).get_data(as_text=True)
    poll = re.search(r'data-hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    quiet = client.get(poll, headers=HTMX)
    assert quiet.status_code == 204 and quiet.get_data() == b""
    with app.app_context():
        queue.admit_next(db.session.get(HoursWindow, live.window), utcnow(), None)
        db.session.commit()
    fresh = client.get(poll, headers=HTMX)
    html = fresh.get_data(as_text=True)
    assert fresh.status_code == 200 and html.lstrip().startswith('<div id="live"') and "<html" not in html
    assert "Talking now Jordan Lee" in text_of(html)
    # Without htmx (a reload of that address) the whole page, never an empty answer.
    assert client.get(poll).status_code == 200


def test_the_timer_ends_the_talk_and_the_window_then_a_summary(app, client, live, frozen):
    press(client, live.path, "admit")
    frozen.move_to(T0 + timedelta(minutes=19))  # Jordan's talk ended at 12:18
    words = text_of(client.get(live.path).get_data(as_text=True))
    assert "Talking now Nobody." in words and "Admit next: Sam" in words
    with app.app_context():
        assert entry_of(live.jordan).status == EntryStatus.DONE
    press(client, live.path, "admit")
    with app.app_context():
        sam_entry = entry_of(live.sam).id
    press(client, live.path, "no_show", entry=sam_entry)
    frozen.move_to(T0 + timedelta(minutes=61))
    page = client.get(live.path)
    words = text_of(page.get_data(as_text=True))
    assert page.status_code == 200 and "These office hours are over" in words
    assert "2 talks, 1 didn't come" in words and "Jordan Lee" in words and "Talked 15 min" in words
    assert "Sam Rivera" in words and "Didn't come" in words and "data-hx-trigger" not in page.get_data(as_text=True)
    # An hour after the end the link stops: the shared problem page, in office hours words.
    frozen.move_to(T0 + timedelta(hours=2, minutes=1))
    gone = client.get(live.path)
    assert gone.status_code == 410 and "These office hours are over" in text_of(gone.get_data(as_text=True))


def test_someone_elses_window_is_refused(app, client, live):
    with app.app_context():
        db.session.get(HoursWindow, live.window).staff_id = make_staff(name="Other Person").id
        db.session.commit()
    before = snapshot(app, live.window)
    page = client.get(live.path)
    assert page.status_code == 410 and "This link is no longer yours" in text_of(page.get_data(as_text=True))
    token = csrf_in(client.get("/login").get_data(as_text=True))
    assert client.post(f"{live.path}/admit", data={"csrf_token": token}).status_code == 410
    assert snapshot(app, live.window) == before
