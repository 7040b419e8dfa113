"""The CalDAV client against a real Radicale on loopback: finding the calendar from the addresses
people paste, noticing changes cheaply, reading a window of events, and writing our own events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import icalendar
import pytest
from calendar_servers import ics, vevent
from helpers import free_port

from portal.calendars.busy import busy_from_ical
from portal.calendars.caldav import CalDAVCalendar
from portal.calendars.errors import CalendarError

WEEK = (datetime(2030, 4, 1, tzinfo=UTC), datetime(2030, 4, 8, tzinfo=UTC))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def person(radicale):
    """A user of their own on the shared server, with a to-do list first and then a work calendar."""
    name, password = f"p{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    radicale.add_user(name, password)
    radicale.make_calendar(name, password, "tasks", component="VTODO")
    collection = radicale.make_calendar(name, password, "work")
    return name, password, collection


def event(uid: str, start: datetime, end: datetime, **kwargs) -> str:
    return ics(vevent(uid, start, end, **kwargs))


@pytest.mark.parametrize("where", ["root", "principal", "collection", "collection without slash", "well-known"])
def test_discovery_finds_the_event_calendar(radicale, person, where):
    name, password, collection = person
    address = {"root": radicale.url, "principal": radicale.principal_url(name), "collection": collection,
               "collection without slash": collection.rstrip("/"),
               "well-known": radicale.url + ".well-known/caldav"}[where]
    with CalDAVCalendar(address, name, password, allow_private=True) as calendar:
        assert calendar.discover() == collection
        assert calendar.url == collection


def test_a_person_with_only_a_task_list_has_no_calendar_to_use(radicale):
    name, password = f"p{uuid.uuid4().hex[:10]}", "pw"
    radicale.add_user(name, password)
    radicale.make_calendar(name, password, "tasks", component="VTODO")
    with CalDAVCalendar(radicale.url, name, password, allow_private=True) as calendar, pytest.raises(CalendarError) as caught:
        calendar.discover()
    assert caught.value.code == "not_a_calendar"


def test_state_changes_when_the_calendar_does_and_only_then(radicale, person):
    name, password, collection = person
    with CalDAVCalendar(collection, name, password, allow_private=True) as calendar:
        before = calendar.state()
        assert before and before.startswith("ctag:")
        assert calendar.state() == before
        calendar.events_between(*WEEK)  # reading changes nothing
        assert calendar.state() == before
        radicale.put_ics(name, password, collection, "dentist", event("dentist", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)))
        after = calendar.state()
        assert after != before
        assert calendar.state() == after


def test_events_between_returns_what_touches_the_window(radicale, person):
    name, password, collection = person
    for uid, text in [
        ("before", event("before", utc(2030, 3, 20, 9), utc(2030, 3, 20, 10))),
        ("inside", event("inside", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10))),
        ("after", event("after", utc(2030, 4, 9, 9), utc(2030, 4, 9, 10))),
        ("weekly", event("weekly", datetime(2030, 1, 7, 14), datetime(2030, 1, 7, 15), tzid="Europe/Berlin",
                         rrule="FREQ=WEEKLY")),
    ]:
        radicale.put_ics(name, password, collection, uid, text)
    with CalDAVCalendar(collection, name, password, allow_private=True) as calendar:
        found = calendar.events_between(*WEEK)
    assert all(isinstance(data, bytes) for data in found)
    uids = sorted(str(icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["UID"]) for data in found)
    assert uids == ["inside", "weekly"]
    # The series began in January; its occurrence this week is Monday 14:00 Berlin (12:00Z, summer time).
    assert busy_from_ical(found, *WEEK, "Europe/Berlin") == [
        (utc(2030, 4, 1, 12), utc(2030, 4, 1, 13)), (utc(2030, 4, 2, 9), utc(2030, 4, 2, 10))]


def test_our_event_is_created_updated_and_removed(radicale, person):
    name, password, collection = person
    uid = "meeting-41@portal.example"
    with CalDAVCalendar(collection, name, password, allow_private=True) as calendar:
        href, etag = calendar.put_event(uid, event(uid, utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)).encode())
        assert href.startswith(collection) and etag
        assert radicale.list_uids(name, password, collection) == [uid]

        same_href, new_etag = calendar.put_event(uid, event(uid, utc(2030, 4, 3, 9), utc(2030, 4, 3, 10)).encode(),
                                                 href=href, etag=etag)
        assert same_href == href and new_etag and new_etag != etag
        assert "20300403T090000Z" in radicale.get_ics(name, password, href)

        calendar.delete_event(href, etag=new_etag)
        assert radicale.list_uids(name, password, collection) == []
        assert radicale.get_ics(name, password, href) is None
        calendar.delete_event(href)  # already gone: fine


def test_our_event_edited_by_someone_else_is_still_updated_and_removed(radicale, person):
    name, password, collection = person
    uid = "meeting-42@portal.example"
    with CalDAVCalendar(collection, name, password, allow_private=True) as calendar:
        href, etag = calendar.put_event(uid, event(uid, utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)).encode())
        # The person drags it in their calendar app: the server's copy (and its ETag) changes.
        radicale.put_ics(name, password, collection, uid, event(uid, utc(2030, 4, 2, 15), utc(2030, 4, 2, 16)))
        _, newer = calendar.put_event(uid, event(uid, utc(2030, 4, 4, 9), utc(2030, 4, 4, 10)).encode(),
                                      href=href, etag=etag)
        assert "20300404T090000Z" in radicale.get_ics(name, password, href)
        radicale.put_ics(name, password, collection, uid, event(uid, utc(2030, 4, 5, 9), utc(2030, 4, 5, 10)))
        calendar.delete_event(href, etag=newer)
    assert radicale.list_uids(name, password, collection) == []


def test_creating_an_event_that_is_already_there_writes_ours(radicale, person):
    name, password, collection = person
    uid = "meeting-43@portal.example"
    with CalDAVCalendar(collection, name, password, allow_private=True) as calendar:
        calendar.put_event(uid, event(uid, utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)).encode())
        # An earlier create whose answer was lost: the same create again still ends with our version.
        href, _ = calendar.put_event(uid, event(uid, utc(2030, 4, 6, 9), utc(2030, 4, 6, 10)).encode())
    assert "20300406T090000Z" in radicale.get_ics(name, password, href)
    assert radicale.list_uids(name, password, collection) == [uid]


def test_a_wrong_password_is_refused_and_not_repeated(radicale, person):
    name, password, collection = person
    wrong = "wrong-" + password
    for action in (lambda c: c.discover(), lambda c: c.state(), lambda c: c.events_between(*WEEK),
                   lambda c: c.put_event("x", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
                   lambda c: c.delete_event(collection + "x.ics")):
        with CalDAVCalendar(collection, name, wrong, allow_private=True) as calendar, pytest.raises(CalendarError) as caught:
            action(calendar)
        assert caught.value.code == "refused_credentials"
        assert wrong not in str(caught.value) and name not in str(caught.value) and "/work" not in str(caught.value)


def test_another_persons_calendar_is_refused(radicale, person):
    collection = person[2]
    radicale.add_user("intruder", "pw")
    with CalDAVCalendar(collection, "intruder", "pw", allow_private=True) as calendar, pytest.raises(CalendarError) as caught:
        calendar.state()
    assert caught.value.code == "refused_credentials"


def test_a_calendar_that_is_not_there(radicale, person):
    name, password, collection = person
    with CalDAVCalendar(collection + "gone/", name, password, allow_private=True) as calendar, pytest.raises(CalendarError) as caught:
        calendar.state()
    assert caught.value.code == "not_found"


def test_nothing_listening_is_unreachable():
    with CalDAVCalendar(f"http://127.0.0.1:{free_port()}/dav/", "p", "pw", timeout=2, allow_private=True) as calendar, \
            pytest.raises(CalendarError) as caught:
        calendar.discover()
    assert caught.value.code == "unreachable"


def test_an_ical_feed_server_is_not_a_caldav_server(feed_server):
    url = feed_server.set("work", event("x", utc(2030, 4, 2, 9), utc(2030, 4, 2, 10)))
    with CalDAVCalendar(url, "p", "pw", allow_private=True) as calendar, pytest.raises(CalendarError) as caught:
        calendar.state()
    assert caught.value.code == "not_a_calendar"
