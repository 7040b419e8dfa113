"""What a conversation looks like from outside: the calendar invitation (.ics), the video link, and
the few facts every e-mail about it repeats (who, the agenda with private questions withheld).

``ics_for`` writes RFC 5545/5546 with ``icalendar``: one VEVENT whose UID is the conversation's
(stable for life) and whose SEQUENCE is the conversation's (bumped by the state machine on every
change sent to calendars), so a calendar updates or removes the event it already has.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import parseaddr
from functools import cache

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from ..candidates.models import Candidate
from ..extensions import db
from ..i18n import _, _l, language_of, ngettext
from ..questions.models import Question
from ..timeutil import utcnow
from .models import Meeting, meeting_question

DEFAULT_VIDEO_LINK_TEMPLATE = "https://meet.jit.si/reverse-interview-{room}"
# Lazy: an agenda line is read in the language of the page or e-mail that shows it.
PRIVATE_QUESTION = _l("A private question")
METHODS = ("REQUEST", "CANCEL")


# --- what every message says about a conversation ----------------------------------------------


def agenda_questions(meeting: Meeting) -> list[Question]:
    """The candidate's questions chosen for this conversation, in the order they were written."""
    return list(db.session.scalars(_agenda_statement(), {"meeting_id": meeting.id}))


@cache
def _agenda_statement() -> sa.Select:
    """``agenda_questions``' statement, built once (with its cache key): every e-mailed link's page reads it."""
    return (sa.select(Question).join(meeting_question, meeting_question.c.question_id == Question.id)
            .where(meeting_question.c.meeting_id == sa.bindparam("meeting_id"))
            .order_by(Question.created_at, Question.id))


def shown_text(question: Question) -> str:
    """A question as mail, calendars and e-mailed pages show it: private text never leaves the portal."""
    return PRIVATE_QUESTION if question.private else question.text


def agenda_lines(meeting: Meeting) -> list[str]:
    return [shown_text(q) for q in agenda_questions(meeting)]


def video_link_for(meeting: Meeting) -> str | None:
    """A unique, unguessable room per conversation (the same one if it is confirmed again).

    ``{room}`` is an HMAC of the calendar UID under SECRET_KEY: stable, opaque, and not derivable
    from anything a candidate or calendar sees.
    """
    if meeting.format not in ("video", "office_hours"):
        return None
    template = current_app.config.get("VIDEO_LINK_TEMPLATE") or DEFAULT_VIDEO_LINK_TEMPLATE
    key = current_app.config["SECRET_KEY"].encode()
    room = hmac.new(key, meeting.uid.encode(), hashlib.sha256).hexdigest()[:24]
    return template.format(room=room, uid=room)  # {uid} accepted as a synonym; the raw UID never appears


def summary(meeting: Meeting, candidate: Candidate | None = None) -> str:
    candidate = candidate or meeting.candidate
    return _("Conversation: %(candidate)s and %(person)s", candidate=candidate.user.name, person=meeting.staff.name)


# --- the calendar file --------------------------------------------------------------------------


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name.replace('"', "'"))  # a parameter value cannot hold a quote
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _description(meeting: Meeting, agenda: list[str]) -> str:
    lines = [ngettext("Format: %(format)s, %(num)d minute", "Format: %(format)s, %(num)d minutes",
                      meeting.length_minutes, format=meeting.format_label)]
    if meeting.video_link:
        lines.append(_("Video link: %(link)s", link=meeting.video_link))
    if agenda:
        lines += ["", _("Questions to cover:")] + [f"- {text}" for text in agenda]
    return "\n".join(lines)


def ics_for(meeting: Meeting, method: str | None = "REQUEST") -> bytes:
    """The invitation (``REQUEST``) or its withdrawal (``CANCEL``) for a conversation with a time; with
    ``method`` None, the event as stored in the person's own calendar (CalDAV: no METHOD, and no
    organizer or attendees, which would make their server send invitations of its own).

    SUMMARY and DESCRIPTION are written in the language being rendered: a caller mailing it wraps the
    call in ``i18n.language_of(recipient)`` (``attachment``'s ``reader``)."""
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if meeting.start_at is None or meeting.end_at is None:
        raise ValueError("only a conversation with a time has a calendar entry")
    config = current_app.config
    candidate = meeting.candidate
    person = meeting.staff

    calendar = Calendar()
    calendar.add("prodid", f"-//{config['COMPANY_NAME']}//{config['PORTAL_NAME']}//EN")
    calendar.add("version", "2.0")
    if method is not None:
        calendar.add("method", method)

    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.start_at)  # aware UTC: written as …Z
    event.add("dtend", meeting.end_at)
    event.add("summary", summary(meeting, candidate))
    event.add("description", _description(meeting, agenda_lines(meeting)))
    if meeting.video_link:
        event.add("location", meeting.video_link)
        event.add("url", meeting.video_link)
    if method is not None:
        organizer_email = parseaddr(config["MAIL_FROM"])[1] or "portal@localhost"
        event.add("organizer", _address(organizer_email, config["COMPANY_NAME"]))
        for user in (candidate.user, person):
            # Both said yes in the portal; RSVP=FALSE because nobody reads replies sent to the organizer.
            # A CANCEL lists the same attendees (RFC 5546: those whose copy is withdrawn).
            event.add("attendee", _address(user.email, user.name, role="REQ-PARTICIPANT", partstat="ACCEPTED",
                                           rsvp="FALSE"))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def attachment(meeting: Meeting, method: str = "REQUEST", reader=None) -> dict:
    """The .ics as an outbox attachment (``queue_mail(attachments=[...])``), its summary and
    description in ``reader``'s language (a person or an address; the current language without one)."""
    if reader is not None:
        with language_of(reader):
            return attachment(meeting, method)
    return {
        "filename": "cancel.ics" if method == "CANCEL" else "invite.ics",
        "content_type": "text/calendar",
        "content_b64": base64.b64encode(ics_for(meeting, method)).decode("ascii"),
        "params": {"method": method, "charset": "utf-8"},
    }
