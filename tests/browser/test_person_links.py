"""Pages people reach from e-mail without an account: the standing "manage" link of a confirmed
conversation and the written-answer link — both used in a real browser, axe-core on every page."""

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import axe_check
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting, ProposedSlot
from portal.meetings.states import confirm, new_uid, transition
from portal.questions.services import add_question
from portal.timeutil import utcnow


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def path_after(message, prefix):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", text).group(1)


def test_person_cancels_from_the_manage_link(page, demo, smtp):
    with demo.app.app_context():
        jordan, amara = _user("jordan.lee@example.com"), _user("amara.okafor@northwind.example")
        start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        meeting = Meeting(candidate_id=jordan.candidacy.id, staff_id=amara.id, status="requested",
                          uid=new_uid("portal.test"), length_minutes=30)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=start, end_at=start + timedelta(minutes=30)))
        transition(meeting, "invited")
        confirm(meeting, start, actor=amara)
        notify.meeting_confirmed(meeting, amara)
        meeting_id = meeting.id
        db.session.commit()
    deliver_mail(demo.app)
    (mail,) = [m for m in smtp.messages_to("amara.okafor@northwind.example")
               if " ".join(str(m["Subject"]).split()).startswith("Confirmed")]
    page.goto(demo.url + path_after(mail, "/invite/manage/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    page.get_by_label(re.compile("reason|why", re.IGNORECASE)).fill("Travelling that day, sorry.")
    page.get_by_role("button", name="Cancel the conversation").click()
    expect(page.get_by_text(re.compile("^Cancelled\\.")).first).to_be_visible()
    axe_check(page)
    with demo.app.app_context():
        assert db.session.scalar(sa.select(Meeting.status).where(Meeting.id == meeting_id)) == "cancelled"


def test_person_answers_in_writing(page, demo, smtp):
    with demo.app.app_context():
        jordan, tom = _user("jordan.lee@example.com"), _user("tom.becker@northwind.example")
        add_question(jordan.candidacy, "How is code review done on Platform?", "role_team", directed_to_id=tom.id)
        db.session.commit()
    deliver_mail(demo.app)
    (mail,) = smtp.messages_to("tom.becker@northwind.example")
    page.goto(demo.url + path_after(mail, "/answer/"))
    expect(page.get_by_text("How is code review done on Platform?").first).to_be_visible()
    axe_check(page)
    page.locator("textarea").first.fill("Two reviewers for anything touching billing; one otherwise.")
    page.get_by_role("button").filter(has_text=re.compile("send|save|answer", re.IGNORECASE)).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    with demo.app.app_context():
        from portal.questions.models import Question

        question = db.session.scalar(sa.select(Question).where(Question.text.like("How is code review%")))
        assert (question.status, question.answered_via) == ("answered", "written")

