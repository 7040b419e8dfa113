"""Journey: nobody answers. Jordan asks Tom; Tom doesn't answer. The request is moved back in time (its
history, as if asked days ago) and the worker's chores run: halfway, Tom gets one reminder with fresh
links and the times still free; at the end the request expires, Jordan's mail and page say so kindly
and suggest others who can answer the same question, one click from a prefilled request.

Times are relative to now (Jordan's deadline two weeks away), real SMTP, axe-core, the Nu checker and
375 px on every page.
"""

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import axe_check, move_deadline, sign_in_browser, shoot
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingTransition
from portal.meetings.free_times import bookable_slots
from portal.meetings.requests import RequestData, create_request
from portal.meetings.tasks import run_due
from portal.questions.models import Question
from portal.timeutil import utcnow

CANDIDATE, TOM = "jordan.lee@example.com", "tom.becker@northwind.example"
PROMOTIONS = "How are promotions decided for senior engineers?"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def mails(server, smtp, address, subject_start):
    deliver_mail(server.app)
    return [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject_start)]


def asked_hours_ago(app, meeting_id: int, hours: float) -> None:
    """The request as if it had been made (and Tom invited) ``hours`` ago; then the worker's chores run."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        shift = utcnow() - timedelta(hours=hours) - meeting.created_at
        meeting.created_at += shift
        for step in db.session.scalars(sa.select(MeetingTransition).where(MeetingTransition.meeting_id == meeting_id)):
            step.at += shift
        db.session.commit()
        run_due(utcnow())
        db.session.commit()


def test_nobody_answers_a_reminder_then_expiry_then_others_to_ask(browser, page, demo, smtp):
    move_deadline(demo.app, CANDIDATE)
    with demo.app.app_context():
        jordan, tom = _user(CANDIDATE), _user(TOM)
        question = db.session.scalar(sa.select(Question).where(Question.text == PROMOTIONS))
        slots = [s.start for s in bookable_slots(jordan.candidacy, tom.profile, 30, utcnow())
                 if s.start > utcnow() + timedelta(days=4)][:2]  # still ahead when the request expires
        meeting = create_request(jordan.candidacy, tom.profile, RequestData(slots=slots, question_ids=[question.id]),
                                 utcnow())
        meeting_id, tom_id = meeting.id, tom.id
        db.session.commit()
    assert len(mails(demo, smtp, TOM, "Jordan Lee would like to talk to you")) == 1

    # Halfway (37 of 72 hours): one reminder with fresh links and both times, each in Tom's zone and Jordan's.
    asked_hours_ago(demo.app, meeting_id, 37)
    (reminder,) = mails(demo, smtp, TOM, "Reminder")
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert "still waiting for your answer" in text and len(re.findall(r"/invite/\S+", text)) == 3
    assert len(re.findall(r"for Jordan\)", text)) == 2
    asked_hours_ago(demo.app, meeting_id, 40)
    assert len(mails(demo, smtp, TOM, "Reminder")) == 1  # once

    # 72 hours: expired; Jordan hears it kindly, with others to ask.
    asked_hours_ago(demo.app, meeting_id, 73)
    with demo.app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "expired"
    (expired,) = mails(demo, smtp, CANDIDATE, "No answer from Tom Becker")
    body = expired.get_body(preferencelist=("plain",)).get_content()
    assert "it's nothing to do with you" in body
    links = re.findall(r"https?://[^/\s]+(/people/(\d+)/request\?\S+)", body)
    assert 1 <= len(links) <= 3 and all(int(person) != tom_id for _, person in links), body

    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(f"{demo.url}/meetings/{meeting_id}")
    expect(page.locator("#meeting dl")).to_contain_text("Expired")
    expect(page.locator("#meeting dl")).to_contain_text("Tom didn't answer in time")
    section = page.locator("#alternatives")
    expect(section.get_by_role("heading", level=2)).to_have_text("Others who can answer the same questions")
    axe_check(page)
    shoot(page, "conversation-after-expiry")
    section.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Talk to")
    expect(page.get_by_label(PROMOTIONS)).to_be_checked()
    axe_check(page)
