"""A person's own calendar in the portal: busy times it shows are never offered, a confirm looks once more,
a calendar that fails or crawls slows nothing and says why, CalDAV gets each conversation written, moved and
removed. Real servers on loopback (calendar_servers.py); the clock is frozen on Monday 3 March 2031, 12:00 UTC."""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import g
import sqlalchemy as sa
from calendar_servers import ics, vevent
from factories import add_windows, make_candidate, make_meeting, make_staff, make_user
from helpers import T0, Auth

from portal.calendars.background import Background, refresh_due
from portal.calendars.models import CalendarBusy, CalendarConnection, WrittenEvent
from portal.calendars.services import connect, connection_of, read_and_store
from portal.extensions import db
from portal.meetings.calendar_sync import write_due
from portal.meetings import notify
from portal.meetings.free_times import bookable_slots
from portal.meetings.invitations import InviteError, accept_invitation
from portal.meetings.proposals import accept_proposal
from portal.meetings.requests import RequestData, RequestError, create_request, reschedule_meeting
from portal.meetings.states import end_conversation
from portal.office_hours.windows import HoursError, add_window

LONDON = "Europe/London"
# Tuesdays 10:00–11:00 London (UTC in March): a stand-up, except on 11 March (EXDATE).
STANDUP = vevent("standup-1", datetime(2031, 2, 4, 10), datetime(2031, 2, 4, 11), tzid=LONDON,
                 rrule="FREQ=WEEKLY", exdates=[datetime(2031, 3, 11, 10)])


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(make_app, frozen):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        tom = make_staff(name="Tom Becker", timezone=LONDON)
        add_windows(tom, time(9), time(17), LONDON)
        jordan = make_candidate(name="Jordan Lee", timezone=LONDON, deadline_days=20)
        db.session.commit()
        yield app, tom, jordan
        db.session.rollback()


def starts(slots) -> set[datetime]:
    return {slot.start for slot in slots}


def test_what_the_calendar_shows_busy_is_never_offered(world, feed_server):
    _app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP, vevent("holiday", datetime(2031, 3, 6).date(), all_day=True),
                               vevent("free-lunch", datetime(2031, 3, 5, 12), datetime(2031, 3, 5, 13),
                                      tzid=LONDON, transp="TRANSPARENT")))
    offered = starts(bookable_slots(jordan, tom.profile, 30, T0))
    assert utc(4, 10) in offered and utc(6, 9) in offered  # nothing known yet

    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    offered = starts(bookable_slots(jordan, tom.profile, 30, T0))
    assert {utc(4, 10), utc(4, 10, 30)}.isdisjoint(offered)  # the stand-up
    assert {utc(4, 9, 30), utc(4, 11), utc(11, 10)} <= offered  # around it, and the week it's off
    assert not any(start.date() == datetime(2031, 3, 6).date() for start in offered)  # the all-day event
    assert utc(5, 12) in offered  # marked free (transparent)


def test_a_request_for_a_busy_time_is_refused(world, feed_server):
    _app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    with pytest.raises(RequestError, match="no longer free|isn't free|not free|taken"):
        create_request(jordan, tom.profile, RequestData(slots=[utc(4, 10)]), T0)


def test_a_confirm_reads_the_calendar_once_more(world, feed_server):
    """The feed changes between listing the times and taking one: the confirm is refused, nothing held."""
    _app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    meeting = make_meeting(jordan, tom, "proposed", counter=[utc(5, 14)])
    db.session.commit()
    time_id = meeting.counter_times[0].id

    feed_server.set("tom", ics(STANDUP, vevent("dentist", datetime(2031, 3, 5, 14), datetime(2031, 3, 5, 15),
                                               tzid=LONDON)))
    with pytest.raises(RequestError, match="That time is no longer free in Tom's calendar"):
        accept_proposal(jordan, meeting, time_id, T0)
    assert meeting.status == "proposed"

    feed_server.set("tom", ics(STANDUP))  # the dentist moved
    accept_proposal(jordan, meeting, time_id, T0)
    assert (meeting.status, meeting.start_at) == ("confirmed", utc(5, 14))


def test_the_person_accepting_from_the_email_is_told_their_calendar_is_now_busy(world, feed_server):
    """The invitation's time was free when Jordan asked; Tom's calendar fills it before he clicks Accept."""
    _app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    meeting = make_meeting(jordan, tom, "invited", slots=[utc(5, 14)])
    raw, _token = notify.invitation_token(meeting, notify.ACCEPT, T0 + timedelta(days=3))
    db.session.commit()
    feed_server.set("tom", ics(STANDUP, vevent("dentist", datetime(2031, 3, 5, 14), datetime(2031, 3, 5, 15),
                                               tzid=LONDON)))
    with pytest.raises(InviteError, match="That time is no longer free in your calendar"):
        accept_invitation(raw, meeting.slots[0].id)
    db.session.rollback()  # as the view does: the link stays unused
    assert meeting.status == "invited"
    feed_server.set("tom", ics(STANDUP))
    assert accept_invitation(raw, meeting.slots[0].id).meeting.status == "confirmed"


def test_a_failing_calendar_keeps_what_it_said_and_is_tried_later_and_later(world, feed_server):
    _app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP))
    connection = connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    db.session.commit()
    kept = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarBusy))
    assert kept > 0
    feed_server.fail("tom", 503)
    for failures, wait in ((1, 5), (2, 10), (3, 20)):
        assert read_and_store(connection, T0, timeout=2) is False
        assert (connection.error, connection.failures) == ("server_error", failures)
        assert connection.next_read_at == T0 + timedelta(minutes=wait)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarBusy)) == kept
    assert utc(4, 10) not in starts(bookable_slots(jordan, tom.profile, 30, T0))

    feed_server.fail("tom", None)
    assert read_and_store(connection, T0, timeout=2) is True
    assert (connection.error, connection.failures, connection.next_read_at) == (None, 0, T0 + timedelta(minutes=5))


def test_the_worker_reads_again_conditionally(world, feed_server):
    _app, tom, _jordan = world
    feed_server.set("tom", ics(STANDUP))
    connection = connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    db.session.commit()
    later = T0 + timedelta(minutes=6)
    background = Background()
    try:
        assert refresh_due(background, later) == 1
        assert background.collect(10) == 1
    finally:
        background.shutdown()
    assert feed_server.last_headers("tom").get("If-None-Match") == connection.marker
    assert feed_server.hits("tom") == 2
    assert connection.read_at == later and connection.error is None


def test_a_slow_calendar_slows_no_page_and_no_other_calendar(world, feed_server):
    app, tom, jordan = world
    amara = make_staff(name="Amara Okafor", timezone=LONDON)
    add_windows(amara, time(9), time(17), LONDON)
    db.session.commit()  # connecting ends the transaction while the calendar answers
    feed_server.set("tom", ics(STANDUP))
    feed_server.set("amara", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    db.session.commit()
    connect(amara, "ical", feed_server.url_for("amara"), by=amara, now=T0)
    db.session.commit()
    feed_server.delay("tom", 5)
    hits = feed_server.hits("tom")

    client = app.test_client()
    Auth(app, client).login(jordan.user)
    page = client.get(f"/people/{tom.id}")
    assert page.status_code == 200
    assert feed_server.hits("tom") == hits  # pages read our copy, never the calendar

    background = Background()
    try:
        assert refresh_due(background, T0 + timedelta(minutes=6)) == 2  # both started, neither waited for
        assert background.collect(3) == 1  # Amara's is stored while Tom's server is still thinking
        assert connection_of(amara.id).read_at == T0 + timedelta(minutes=6)
        assert connection_of(tom.id).read_at == T0
    finally:
        background.shutdown()


def test_connect_page_says_what_is_wrong_in_plain_words(world, radicale, feed_server):
    app, tom, _jordan = world
    radicale.add_user("tom-pages", "right-password")
    collection = radicale.make_calendar("tom-pages", "right-password")
    client = app.test_client()
    Auth(app, client).login(tom)

    answer = client.post("/profile/calendar", data={"kind": "caldav", "address": collection,
                                                    "username": "tom-pages", "password": "wrong"})
    assert answer.status_code == 422
    assert "The server refused the user name or the app password" in answer.text
    answer = client.post("/profile/calendar", data={"kind": "ical", "address": feed_server.url_for("nobody")})
    assert answer.status_code == 422 and "no calendar at that address" in answer.text
    answer = client.post("/profile/calendar", data={"kind": "ical", "address": "ftp://example.org/cal.ics"})
    assert answer.status_code == 422 and "starting with https://" in answer.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarConnection)) == 0

    answer = client.post("/profile/calendar", data={"kind": "caldav", "address": radicale.url,
                                                    "username": "tom-pages", "password": "right-password"},
                         follow_redirects=True)
    assert answer.status_code == 200 and "Your calendar is connected" in answer.text
    assert "CalDAV calendar at http://127.0.0.1" in answer.text and "right-password" not in answer.text

    answer = client.post("/profile/calendar/disconnect", follow_redirects=True)
    assert "The calendar is disconnected" in answer.text
    assert connection_of(tom.id) is None


def test_a_recruiter_connects_for_a_person_and_a_candidate_cannot(world, feed_server):
    app, tom, jordan = world
    feed_server.set("tom", ics(STANDUP))
    recruiter = app.test_client()
    Auth(app, recruiter).login(make_user("recruiter", name="Riley Morgan"))
    db.session.commit()
    answer = recruiter.post(f"/recruiter/people/{tom.id}/calendar",
                            data={"kind": "ical", "address": feed_server.url_for("tom")}, follow_redirects=True)
    assert "Tom's calendar is connected" in html.unescape(answer.text)
    assert recruiter.get(f"/recruiter/people/{jordan.user_id}/calendar").status_code == 404

    g.pop("_login_user", None)  # Flask-Login keeps the user on g, which this test's one app context shares
    candidate = app.test_client()
    Auth(app, candidate).login(jordan.user)
    assert candidate.get(f"/recruiter/people/{tom.id}/calendar").status_code == 403
    assert candidate.get("/profile/calendar").status_code == 403


def test_office_hours_are_not_put_on_a_busy_time(world, feed_server):
    _app, tom, _jordan = world
    feed_server.set("tom", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    with pytest.raises(HoursError, match="calendar is busy"):
        add_window(tom, utc(4, 10), utc(4, 11), T0, tom)
    assert add_window(tom, utc(4, 13), utc(4, 14), T0, tom).start_at == utc(4, 13)


def test_caldav_gets_each_conversation_written_moved_and_removed(world, radicale):
    app, tom, jordan = world
    radicale.add_user("tom-writes", "pw-writes")
    collection = radicale.make_calendar("tom-writes", "pw-writes")
    connect(tom, "caldav", collection, "tom-writes", "pw-writes", by=tom, now=T0)
    meeting = make_meeting(jordan, tom, "confirmed", start=utc(5, 14))
    db.session.commit()

    def worker_pass(now=T0):
        background = Background()
        try:
            write_due(background, app.config["CALENDAR_KEY"], now)
            background.collect(10)
            db.session.commit()
        finally:
            background.shutdown()

    worker_pass()
    assert radicale.list_uids("tom-writes", "pw-writes", collection) == [meeting.uid]
    row = db.session.scalar(sa.select(WrittenEvent))
    assert "DTSTART:20310305T140000Z" in radicale.get_ics("tom-writes", "pw-writes", row.href)

    reschedule_meeting(jordan, meeting, utc(6, 15), T0)
    db.session.commit()
    worker_pass()
    assert "DTSTART:20310306T150000Z" in radicale.get_ics("tom-writes", "pw-writes", row.href)
    assert radicale.list_uids("tom-writes", "pw-writes", collection) == [meeting.uid]

    end_conversation(meeting, "cancelled", actor=jordan.user, reason="Found another time")
    db.session.commit()
    worker_pass()
    assert radicale.list_uids("tom-writes", "pw-writes", collection) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WrittenEvent)) == 0


def test_a_password_beyond_latin_1_works(world, radicale):
    """Basic auth as UTF-8: a user name or app password with any letters gets through (not a 500)."""
    _app, tom, _jordan = world
    radicale.add_user("zoë", "пароль-ü")
    collection = radicale.make_calendar("zoë", "пароль-ü")
    assert connect(tom, "caldav", collection, "zoë", "пароль-ü", by=tom, now=T0).kind == "caldav"


def test_a_calendar_that_cannot_be_read_waits_on_the_persons_home(world, feed_server):
    app, tom, _jordan = world
    feed_server.set("tom", ics(STANDUP))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    db.session.commit()
    client = app.test_client()
    Auth(app, client).login(tom)
    assert "calendar-problem" not in client.get("/").text
    feed_server.fail("tom", 404)
    read_and_store(connection_of(tom.id), T0, timeout=2)
    home = html.unescape(client.get("/").text)
    assert "Your calendar hasn't been read since" in home
    assert "There's no calendar at that address" in home and 'href="/profile/calendar"' in home
