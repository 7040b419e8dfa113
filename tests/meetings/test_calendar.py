"""The calendar invitation, read back by an independent parser (icalendar's own reader)."""

import base64
from datetime import UTC

import pytest
from icalendar import Calendar
from invite_helpers import SECRET, build_world, make_request, slot_times

from portal.meetings.calendar import attachment, ics_for, video_link_for
from portal.meetings.states import confirm, end_conversation, reschedule


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def confirmed(app_ctx):
    world = build_world()
    meeting = make_request(world, world.ceo, note="Hi")
    confirm(meeting, meeting.slots[0].start_at, actor=world.ceo, video_link=video_link_for(meeting))
    return world, meeting


def test_request_has_uid_sequence_times_in_utc_and_both_attendees(confirmed):
    _world, meeting = confirmed
    calendar, event = parse(ics_for(meeting, "REQUEST"))
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == meeting.sequence == 1
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset().total_seconds() == 0 and start == meeting.start_at == slot_times()[0]
    assert (end - start).total_seconds() == 30 * 60
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in ics_for(meeting).decode()  # UTC, no TZID to resolve
    assert str(event["SUMMARY"]) == "Conversation: Jordan Lee and Amara Okafor"
    assert str(event["STATUS"]) == "CONFIRMED"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {"mailto:jordan@example.com", "mailto:amara@example.com"}
    for params in attendees.values():
        assert params["ROLE"] == "REQ-PARTICIPANT" and params["PARTSTAT"] == "ACCEPTED"
    assert attendees["mailto:amara@example.com"]["CN"] == "Amara Okafor"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:portal@localhost" and organizer.params["CN"] == "Northwind Labs"
    assert "DTSTAMP" in event


def test_video_link_is_the_location_and_unique_per_conversation(confirmed):
    world, meeting = confirmed
    _, event = parse(ics_for(meeting))
    assert meeting.video_link.startswith("https://meet.jit.si/reverse-interview-")
    assert str(event["LOCATION"]) == str(event["URL"]) == meeting.video_link
    assert meeting.video_link in str(event["DESCRIPTION"])
    other = make_request(world, world.tom)
    assert video_link_for(other) != meeting.video_link
    assert video_link_for(meeting) == meeting.video_link  # stable for the same conversation
    assert meeting.uid.split("@")[0] not in meeting.video_link  # opaque: not the UID itself


def test_video_link_template_is_configurable(app_ctx):
    app_ctx.config["VIDEO_LINK_TEMPLATE"] = "https://video.example.com/r/{room}"
    world = build_world()
    assert video_link_for(make_request(world, world.tom)).startswith("https://video.example.com/r/")
    assert video_link_for(make_request(world, world.ceo, fmt="phone")) is None


def test_private_question_text_never_reaches_the_calendar(confirmed):
    _world, meeting = confirmed
    description = str(parse(ics_for(meeting))[1]["DESCRIPTION"])
    assert "Where is the company going in the next two years?" in description
    assert "A private question" in description
    assert SECRET not in ics_for(meeting).decode() and SECRET not in ics_for(meeting, "CANCEL").decode()


def test_reschedule_keeps_the_uid_and_raises_the_sequence(confirmed):
    _world, meeting = confirmed
    reschedule(meeting, slot_times()[2])
    _, event = parse(ics_for(meeting))
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == slot_times()[2].astimezone(UTC)


def test_cancel_has_the_same_uid_and_a_higher_sequence(confirmed):
    world, meeting = confirmed
    first = parse(ics_for(meeting))[1]
    end_conversation(meeting, "cancelled", actor=world.candidate.user, reason="Accepted elsewhere")
    calendar, event = parse(ics_for(meeting, "CANCEL"))
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(first["UID"]) and int(event["SEQUENCE"]) > int(first["SEQUENCE"])


def test_attachment_is_ready_for_the_outbox(confirmed):
    _world, meeting = confirmed
    item = attachment(meeting, "CANCEL")
    assert item["content_type"] == "text/calendar" and item["filename"] == "cancel.ics"
    assert item["params"]["method"] == "CANCEL"
    assert parse(base64.b64decode(item["content_b64"]))[0]["METHOD"] == "CANCEL"


def test_only_a_conversation_with_a_time_has_a_calendar_entry(app_ctx):
    world = build_world()
    with pytest.raises(ValueError):
        ics_for(make_request(world, world.tom, fmt="written", starts=[]))
    with pytest.raises(ValueError):
        ics_for(make_request(world, world.ceo), method="PUBLISH")
