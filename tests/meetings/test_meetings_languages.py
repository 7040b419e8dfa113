"""Conversations in the reader's language: the candidate's request and conversation pages in Japanese
and German, with the days named the language's way, and the calendar file a German person gets by
e-mail written in German while the candidate's copy stays English."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from babel.dates import format_skeleton, get_day_names
from candidate_helpers import at, create
from helpers import text_of
from icalendar import Calendar
from invite_helpers import build_world, make_request

from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.states import confirm

WEDNESDAY = at(5, 14)  # 09:00 in New York, 15:00 in Berlin


def _speaks(world, user_id: int, language: str) -> None:
    with world.app.app_context():
        db.session.get(User, user_id).locale = language
        db.session.commit()


def _page(world, path: str) -> str:
    response = world.client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_request_page_in_japanese_names_its_days_in_japanese(world):
    _speaks(world, world.candidate_user, "ja")
    html = _page(world, f"/people/{world.ceo}/request")
    assert '<html lang="ja">' in html
    assert "<h1>Amara Okaforさんと話す</h1>" in html
    # Amara's free days, each a group of times headed by its day as Japanese writes it: 3月4日火曜日.
    tuesday = format_skeleton("MMMMEEEEd", at(4, 14).date(), locale="ja")
    assert "火曜日" in tuesday and f"<legend>{tuesday}</legend>" in html
    assert "Tuesday" not in html and "March" not in html
    words = text_of(html, "request-form")
    for english in ("Times you can do", "Questions to cover", "Send request", "minutes", "Format"):
        assert english not in words, english


def test_the_conversation_page_in_german_names_its_days_in_german(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    _speaks(world, world.candidate_user, "de")
    html = _page(world, f"/meetings/{meeting_id}")
    assert '<html lang="de">' in html and "<h1>Gespräch mit Amara Okafor</h1>" in html
    facts = text_of(html, "meeting")
    wednesday = get_day_names("abbreviated", locale="de")[WEDNESDAY.weekday()]  # "Mi."
    assert f"{wednesday}, 5. März 2031, 09:00 EST (America/New_York)" in facts
    assert "Bestätigt" in facts and "30 Minuten" in facts
    for english in ("Wed", "March", "Confirmed", "minutes", "Questions to cover", "History"):
        assert english not in facts, english


def test_a_german_person_gets_a_german_calendar_file_and_the_candidate_an_english_one(app_ctx):
    world = build_world()
    world.ceo.locale = "de"
    meeting = make_request(world, world.ceo, note="Hi")
    confirm(meeting, meeting.slots[0].start_at, actor=world.ceo)
    notify.meeting_confirmed(meeting, world.ceo)

    def summary_for(address: str) -> tuple[str, str]:
        mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "meeting_confirmed",
                                                                OutboxMessage.to_addr == address))
        (ics,) = mail.attachments
        (event,) = Calendar.from_ical(base64.b64decode(ics["content_b64"])).walk("VEVENT")
        return str(event["SUMMARY"]), str(event["DESCRIPTION"])

    summary, description = summary_for("amara@example.com")
    assert summary == "Gespräch: Jordan Lee und Amara Okafor"
    assert description.startswith("Format: Videoanruf, 30 Minuten") and "Zu besprechende Fragen:" in description
    summary, description = summary_for("jordan@example.com")
    assert summary == "Conversation: Jordan Lee and Amara Okafor"
    assert description.startswith("Format: Video call, 30 minutes")
