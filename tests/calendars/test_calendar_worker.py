"""The worker and calendars, off the happy path: several workers write an event once; a conversation that
happened stays in the person's calendar, an erased candidate's leave it; no CALENDAR_KEY never stops the
e-mails; a slow calendar holds no SQLite write lock; a time the calendar shows busy isn't listed to choose."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from calendar_servers import ics, vevent
from factories import make_candidate, make_meeting, make_staff, make_user
from helpers import T0, Auth

from portal.calendars.background import Background
from portal.calendars.models import WrittenEvent
from portal.calendars.services import connect, connection_of, source_of
from portal.extensions import db
from portal.mail.services import queue_mail
from portal.meetings.calendar_sync import write_due
from portal.meetings.states import end_conversation, still_free
from portal.privacy.services import erase_candidate
from portal.worker import run_worker

LONDON = "Europe/London"


def utc(day: int, hour: int) -> datetime:
    return datetime(2031, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def world(make_app, frozen):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        tom = make_staff(name="Tom Becker", timezone=LONDON)
        jordan = make_candidate(name="Jordan Lee", timezone=LONDON, deadline_days=20)
        db.session.commit()
        yield app, tom, jordan
        db.session.rollback()


@pytest.fixture
def caldav(world, radicale, request):
    """Tom's CalDAV calendar on Radicale, connected; (collection URL, user, password)."""
    _app, tom, _jordan = world
    user, password = f"tom-{request.node.name[-20:]}", "pw"
    radicale.add_user(user, password)
    collection = radicale.make_calendar(user, password)
    connect(tom, "caldav", collection, user, password, by=tom, now=T0)
    db.session.commit()
    return collection, user, password


def worker_pass(app, now=T0):
    """One worker's pass over calendar writes, waiting for them."""
    background = Background()
    try:
        write_due(background, app.config["CALENDAR_KEY"], now)
        background.collect(10)
    finally:
        background.shutdown()
    db.session.commit()


def test_two_workers_write_one_event_once(world, caldav, radicale):
    app, tom, jordan = world
    collection, user, password = caldav
    meeting = make_meeting(jordan, tom, "confirmed", start=utc(5, 14))
    db.session.commit()
    first, second = Background(), Background()
    assert write_due(first, app.config["CALENDAR_KEY"], T0) == 1
    assert write_due(second, app.config["CALENDAR_KEY"], T0) == 0  # claimed by the first
    first.collect(10), first.shutdown(), second.shutdown()
    db.session.commit()
    assert radicale.list_uids(user, password, collection) == [meeting.uid]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WrittenEvent)) == 1


def test_a_conversation_that_happened_stays_in_the_calendar(world, caldav, radicale):
    app, tom, jordan = world
    collection, user, password = caldav
    meeting = make_meeting(jordan, tom, "confirmed", start=utc(5, 14))
    db.session.commit()
    worker_pass(app)
    end_conversation(meeting, "completed", actor=tom)
    db.session.commit()
    worker_pass(app)
    assert radicale.list_uids(user, password, collection) == [meeting.uid]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WrittenEvent)) == 0  # no longer tracked


def test_an_erased_candidate_leaves_the_calendar(world, caldav, radicale):
    app, tom, jordan = world
    collection, user, password = caldav
    meeting = make_meeting(jordan, tom, "confirmed", start=utc(5, 14))
    db.session.commit()
    worker_pass(app)
    assert "Jordan Lee" in radicale.get_ics(user, password, db.session.scalar(sa.select(WrittenEvent.href)))
    end_conversation(meeting, "completed", actor=tom)
    erase_candidate(jordan, None)
    db.session.commit()
    worker_pass(app)
    assert radicale.list_uids(user, password, collection) == []


def test_no_calendar_key_never_stops_the_emails(world, feed_server, smtp):
    app, tom, _jordan = world
    feed_server.set("tom", ics(vevent("x", datetime(2031, 3, 4, 10), datetime(2031, 3, 4, 11))))
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    someone = make_user(email="someone@example.com", name="Pat Doe")
    queue_mail("sign_in", to=someone.email, dedupe_key="calendar-off-test", user=someone, minutes=10,
               link_values={"token": "abc"})
    db.session.commit()
    app.config["CALENDAR_KEY"] = None  # taken out of the configuration after people connected
    connection_of(tom.id).next_read_at = T0 - timedelta(minutes=1)
    db.session.commit()
    result = run_worker(once=True)
    assert result.sent == 1 and not result.errors
    assert len(smtp.messages_to("someone@example.com")) == 1


def test_a_new_zone_reads_the_calendar_in_full(world, feed_server):
    _app, tom, _jordan = world
    feed_server.set("tom", ics(vevent("holiday", datetime(2031, 3, 6).date(), all_day=True)))
    connection = connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    assert source_of(connection, T0).marker is not None  # unchanged zone: a conditional read
    tom.timezone = "Asia/Tokyo"
    assert source_of(connection, T0).marker is None  # all-day events move with the zone


def test_a_time_the_calendar_shows_busy_is_not_listed_to_choose(world, feed_server):
    _app, tom, jordan = world
    feed_server.set("tom", ics(vevent("dentist", datetime(2031, 3, 5, 14), datetime(2031, 3, 5, 15),
                                      tzid=LONDON)))
    meeting = make_meeting(jordan, tom, "proposed", counter=[utc(5, 14), utc(5, 16)])
    db.session.commit()
    assert [t.start_at for t in still_free(meeting, meeting.counter_times, T0)] == [utc(5, 14), utc(5, 16)]
    connect(tom, "ical", feed_server.url_for("tom"), by=tom, now=T0)
    assert [t.start_at for t in still_free(meeting, meeting.counter_times, T0)] == [utc(5, 16)]


def test_a_slow_calendar_holds_no_write_lock(world, feed_server):
    """Connecting waits for the calendar's server with no transaction open: others write meanwhile
    (SQLite's one write lock; on PostgreSQL rows lock one by one, and the same POST still works)."""
    app, tom, _jordan = world
    feed_server.set("slow", ics(vevent("x", datetime(2031, 3, 4, 10), datetime(2031, 3, 4, 11))))
    feed_server.delay("slow", 1.5)
    client = app.test_client()
    Auth(app, client).login(tom)
    tom_id = tom.id
    db.session.commit()  # this test's own session lets go of the database too
    answers = []
    thread = threading.Thread(target=lambda: answers.append(client.post(
        "/profile/calendar", data={"kind": "ical", "address": feed_server.url_for("slow")})))
    thread.start()
    time.sleep(0.7)  # the POST is waiting for the feed now
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        other = sqlite3.connect(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, timeout=0.3)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the POST held the write lock
            other.execute("UPDATE user SET name = name WHERE id = ?", (tom_id,))
            other.commit()
        finally:
            other.close()
    thread.join(10)
    assert answers[0].status_code == 302
