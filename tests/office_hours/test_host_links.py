"""The person's go-live link (/office-hours/live/<token>): mailed ten minutes before a window; a
scanner's GET changes nothing; the POST goes live once and opens the live page; too early it says
from when; a link that can't be used gets the shared problem page (410, or 404 for a link we never
issued) and changes nothing."""

import re
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_staff, make_user
from helpers import T0, count, csrf_in, text_of

from portal.audit.models import AuditEvent
from portal.auth.models import ActionToken
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.office_hours import notify, windows
from portal.office_hours.models import HoursWindow, WindowStatus
from portal.timeutil import utcnow

START = T0 + timedelta(hours=1)  # Monday 14:00 in Berlin


def go_live_path(window_id: int) -> str:
    """The link in the go-live mail queued for the window."""
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == f"hours_go_live:{window_id}"))
    return re.search(r"https?://[^/\s]+(/office-hours/live/\S+)", mail.text_body).group(1)


def make_story(app, *, mail: bool = True):
    """Tom (Berlin) keeps office hours on Mondays 14:00–15:00, set up by Riley; the first window is
    an hour after T0, and (``mail``) its go-live mail is queued."""
    with app.app_context():
        tom = make_staff(name="Tom Weber", email="tom@example.com", timezone="Europe/Berlin")
        riley = make_user("recruiter", name="Riley Morgan", email="riley@example.com")
        windows.add_series(tom, windows.SeriesData(weekday=START.weekday(), start_time=time(14), end_time=time(15),
                                                   zone="Europe/Berlin", talk_minutes=15, cap=4), utcnow(), riley)
        window = db.session.scalar(sa.select(HoursWindow).where(HoursWindow.start_at == START))
        path = None
        if mail:
            notify.go_live_mail(window)
            path = go_live_path(window.id)
        db.session.commit()
        return SimpleNamespace(tom=tom.id, riley=riley.id, window=window.id, path=path)


@pytest.fixture
def story(app, frozen):
    return make_story(app)


def snapshot(app, window_id):
    with app.app_context():
        window = db.session.get(HoursWindow, window_id)
        return (window.status, window.live_at, count(ActionToken, ActionToken.used_at.is_not(None)),
                count(ActionToken), count(OutboxMessage), count(AuditEvent))


def press(client, path):
    """Press the page's button, as the browser would."""
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_in(page.get_data(as_text=True))})


def test_scanners_read_the_link_and_change_nothing(app, client, story, frozen):
    frozen.move_to(START - timedelta(minutes=10))
    before = snapshot(app, story.window)
    for _ in range(3):
        page = client.get(story.path)
        assert page.status_code == 200
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert client.head(story.path).status_code == 200
    assert snapshot(app, story.window) == before
    words = text_of(page.get_data(as_text=True))
    assert "Go live for your office hours?" in words and "Tom Weber" in words
    assert "14:00–15:00" in words and "CET" in words and "15 minutes each, at most 4" in words


def test_go_live_once_opens_the_live_page(app, client, story, frozen):
    frozen.move_to(START - timedelta(minutes=5))
    response = press(client, story.path)
    assert response.status_code == 303
    host = response.headers["Location"]
    assert host.startswith("/office-hours/host/")
    with app.app_context():
        window = db.session.get(HoursWindow, story.window)
        assert window.status == WindowStatus.LIVE and window.live_at == utcnow()
        go_live = db.session.scalar(sa.select(ActionToken).where(ActionToken.purpose == notify.GO_LIVE))
        assert go_live.used_at is not None
    page = client.get(host)
    assert page.status_code == 200 and "You're live." in text_of(page.get_data(as_text=True))

    # The same link again (the e-mail opened twice, a forwarded copy): used, and nothing changes.
    before = snapshot(app, story.window)
    again = client.get(story.path)
    assert again.status_code == 410
    assert "This go-live link has already been used" in text_of(again.get_data(as_text=True))
    token = csrf_in(page.get_data(as_text=True))
    second = client.post(story.path, data={"csrf_token": token})
    assert second.status_code == 410 and "already been used" in second.get_data(as_text=True)
    assert snapshot(app, story.window) == before


def test_too_early_says_from_when_and_keeps_the_link(app, client, story, frozen):
    frozen.move_to(START - timedelta(minutes=30))
    page = client.get(story.path)
    words = text_of(page.get_data(as_text=True))
    assert page.status_code == 200 and "too early to go live" in words
    main = page.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]  # not the language switcher
    assert "Mon 3 Mar 2031, 13:50 CET" in words and 'type="submit"' not in main
    before = snapshot(app, story.window)
    token = csrf_in(client.get("/login").get_data(as_text=True))
    refused = client.post(story.path, data={"csrf_token": token})
    assert refused.status_code == 422 and "13:50 CET" in refused.get_data(as_text=True)
    assert snapshot(app, story.window) == before
    # Ten minutes before, the same link works.
    frozen.move_to(START - timedelta(minutes=10))
    assert press(client, story.path).status_code == 303


def test_expired_link_after_the_window(app, client, story, frozen):
    frozen.move_to(START + timedelta(hours=1, minutes=1))
    before = snapshot(app, story.window)
    page = client.get(story.path)
    assert page.status_code == 410
    assert "These office hours are over" in text_of(page.get_data(as_text=True))
    assert snapshot(app, story.window) == before


def test_called_off_window(app, client, story, frozen):
    with app.app_context():
        windows.cancel_window(db.session.get(HoursWindow, story.window), utcnow(),
                              db.session.get(windows.HoursSeries, 1).staff)
        db.session.commit()
    frozen.move_to(START - timedelta(minutes=5))
    page = client.get(story.path)
    assert page.status_code == 410
    assert "These office hours were called off" in text_of(page.get_data(as_text=True))


def test_window_given_to_someone_else_is_moved(app, client, story, frozen):
    with app.app_context():
        other = make_staff(name="Someone Else")
        db.session.get(HoursWindow, story.window).staff_id = other.id
        db.session.commit()
    frozen.move_to(START - timedelta(minutes=5))
    page = client.get(story.path)
    words = text_of(page.get_data(as_text=True))
    assert page.status_code == 410 and "This go-live link is no longer yours" in words
    # Riley set the hours up: the page says whom to write to.
    assert "write to Riley Morgan at riley@example.com" in words
    assert "Someone Else" not in words


def test_link_we_never_issued_is_404(client, story):
    for path in (story.path[:-3], "/office-hours/live/not-a-real-token", "/office-hours/host/not-a-real-token"):
        page = client.get(path)
        assert page.status_code == 404
        assert "isn't valid" in text_of(page.get_data(as_text=True))


def test_live_already_the_button_opens_the_live_page(app, client, story, frozen):
    frozen.move_to(START - timedelta(minutes=5))
    with app.app_context():
        windows.go_live(db.session.get(HoursWindow, story.window), utcnow())
        db.session.commit()
    page = client.get(story.path)
    assert "Open your live page" in page.get_data(as_text=True)
    response = press(client, story.path)
    assert response.status_code == 303 and response.headers["Location"].startswith("/office-hours/host/")


def test_the_live_page_before_the_start_has_its_own_go_live_button(app, client, story, frozen):
    with app.app_context():
        host = re.sub(r"^https?://[^/]+", "", notify.host_link(db.session.get(HoursWindow, story.window)))
        db.session.commit()
    frozen.move_to(START - timedelta(minutes=30))
    words = text_of(client.get(host).get_data(as_text=True))
    assert "You're not live yet." in words and "You can go live from Mon 3 Mar 2031, 13:50 CET" in words
    token = csrf_in(client.get(host).get_data(as_text=True))
    early = client.post(f"{host}/live", data={"csrf_token": token})
    assert early.status_code == 422 and "you can go live from 10 minutes before" in early.get_data(as_text=True)
    frozen.move_to(START - timedelta(minutes=10))
    page = client.get(host).get_data(as_text=True)
    assert f'action="{host}/live"' in page
    assert client.post(f"{host}/live", data={"csrf_token": csrf_in(page)}).status_code == 303
    assert "You're live: candidates can join your queue now." in text_of(client.get(host).get_data(as_text=True))
    with app.app_context():
        assert db.session.get(HoursWindow, story.window).status == WindowStatus.LIVE
