"""A company past the picker's list size (people.picker.SMALL_LIST): every "who?" field is a search
box whose list htmx fills as a name is typed. Jordan directs a question to Tom by typing; Riley adds
an interviewer by typing and asks for feedback; the approval queue's boxes pass axe and Nu at 375 px."""

import re

import sqlalchemy as sa
from browser_helpers import axe_check, sign_in_browser
from factories import make_staff
from playwright.sync_api import expect

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback
from portal.people.picker import SMALL_LIST
from portal.questions.models import Question


def _type_and_choose(page, box, typed: str, wanted: str) -> None:
    """Type into ``box`` and take the offer htmx put in its list that contains ``wanted``."""
    box.fill("")
    box.press_sequentially(typed, delay=30)
    listed = page.locator(f"#{box.get_attribute('list')} option", has_text=re.compile(".*"))
    option = page.locator(f"#{box.get_attribute('list')} option[value*='{wanted}']").first
    expect(option).to_be_attached(timeout=5000)
    assert listed.count() <= 20
    box.fill(option.get_attribute("value"))


def test_typing_a_name_into_each_picker(page, demo):
    with demo.app.app_context():
        for n in range(SMALL_LIST):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")
        shared = sa.select(FeedbackMessage.candidate_id)
        candidate_id = db.session.scalar(sa.select(Candidate.id).where(Candidate.id.not_in(shared),
                                                                       Candidate.stage == "offer").limit(1))
        db.session.commit()

    sign_in_browser(page.context, demo.app, demo.url, "jordan.lee@example.com")
    page.goto(demo.url + "/questions")
    form = page.locator("#add-question")
    form.get_by_label("Your question").fill("How do you run on-call for the platform?")
    _type_and_choose(page, form.get_by_label("For someone in particular?"), "tom beck", "Tom Becker")
    axe_check(page)
    form.get_by_role("button", name="Add question").click()
    expect(page.get_by_text("Question added.")).to_be_visible()
    axe_check(page)  # the answer to the POST, checked before the journey leaves (its body goes with the page)
    with demo.app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.text.like("How do you run on-call%")))
        assert question.directed_to.name == "Tom Becker"

    page.context.clear_cookies()
    sign_in_browser(page.context, demo.app, demo.url, "riley.morgan@northwind.example")
    page.goto(demo.url + f"/recruiter/candidates/{candidate_id}")
    panel = page.locator("#feedback")
    summary = panel.locator("summary", has_text=re.compile("Ask (more )?interviewers"))
    if summary.count():
        summary.click()
    _type_and_choose(page, panel.get_by_label("Someone else"), "crowd person04", "Crowd Person042")
    panel.get_by_role("button", name=re.compile("^Add")).click()
    expect(page.get_by_text("Crowd Person042 is ticked.")).to_be_visible()
    axe_check(page)
    page.locator("#feedback").get_by_role("button", name="Send feedback requests").click()
    expect(page.get_by_text(re.compile("Asked .*Crowd Person042"))).to_be_visible()
    with demo.app.app_context():
        asked = db.session.scalars(sa.select(User.name).join(InterviewFeedback, InterviewFeedback.interviewer_id == User.id)
                                   .join(Candidate, Candidate.id == InterviewFeedback.candidate_id)
                                   .where(Candidate.id == candidate_id)).all()
        assert "Crowd Person042" in asked

    page.goto(demo.url + "/recruiter/requests")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
