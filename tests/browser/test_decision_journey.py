"""Journey: the recruiter records that Jordan declined (after a first try without a reason), Jordan's
open request is called off and the person is told, Jordan answers the exit survey from the real
e-mail, and the recruiter reads the answer — in Chromium, axe-core on every page and state. Then the
same decision corrected and undone with JavaScript off."""

import re

import pytest
import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, new_page, sign_in_browser
from factories import make_meeting
from helpers import deliver_mail, link_in
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db

CANDIDATE, PERSON, RECRUITER = "jordan.lee@example.com", "tom.becker@northwind.example", "riley.morgan@northwind.example"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def demo(demo):
    """The demo company, with a written-answers request from Jordan already with Tom."""
    with demo.app.app_context():
        jordan, tom = _user(CANDIDATE), _user(PERSON)
        make_meeting(jordan.candidacy, tom, "invited", fmt="written", actor=jordan)
        db.session.commit()
    return demo


def mails(server, smtp, address, subject_part):
    deliver_mail(server.app)
    return [m for m in smtp.messages_to(address) if subject_part in " ".join(str(m["Subject"]).split())]


def open_jordan(page, server):
    page.goto(server.url + "/recruiter/candidates")
    axe_check(page)
    page.get_by_role("link", name="Jordan Lee").click()
    expect(page.get_by_role("heading", name="Jordan Lee", level=1)).to_be_visible()


def test_decline_and_exit_survey_journey(page, browser, demo, smtp):
    sign_in_browser(page.context, demo.app, demo.url, RECRUITER)
    open_jordan(page, demo)
    # The conversations panel: Jordan's request to Tom is being arranged; opening the page is audit, not story.
    panel = page.locator("#conversations")
    expect(panel.get_by_role("heading", name="Being arranged")).to_be_visible()
    expect(panel).to_contain_text("Tom Becker · Written answers")
    expect(panel).to_contain_text("Waiting for Tom")
    expect(page.locator(".timeline")).not_to_contain_text("opened")
    decision = page.locator("#decision")
    # The form waits behind one action; nothing that sends mail is ticked for the recruiter.
    expect(decision.get_by_role("button", name="Record the decision")).to_be_hidden()
    decision.get_by_text("Record Jordan's decision").click()
    expect(decision.get_by_role("switch", name="Send the optional exit survey")).not_to_be_checked()
    axe_check(page)

    # 1. Declined, but no reason: the section explains, next to the field, and nothing is recorded.
    decision.get_by_role("radio", name="Declined the offer").check()
    decision.get_by_role("button", name="Record the decision").click()
    reason = page.locator("#decision").get_by_label("Why they declined")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Choose why they declined from the list.")).to_be_visible()
    expect(page.locator("#candidate-stage")).to_have_text("Offer stage")
    axe_check(page)

    # 2. With a reason and a note: recorded in place, the request called off, the heading and timeline updated.
    decision = page.locator("#decision")
    expect(decision.get_by_role("radio", name="Declined the offer")).to_be_checked()
    decision.get_by_label("Why they declined").select_option(label="Accepted another offer")
    decision.get_by_label("Note (optional)").fill("Chose a company closer to home.")
    decision.get_by_role("switch", name="Send the optional exit survey").check()
    decision.get_by_role("button", name="Record the decision").click()
    status = page.locator("#decision").get_by_role("status")
    expect(status).to_contain_text("Recorded: Jordan Lee declined the offer (Accepted another offer).")
    expect(status).to_contain_text("1 open request was called off")
    expect(status).to_contain_text("Jordan has been e-mailed the optional exit survey.")
    expect(page.locator("#candidate-stage")).to_have_text("Declined")
    expect(page.locator(".timeline")).to_contain_text("Riley Morgan recorded that Jordan Lee declined the offer")
    expect(page.locator(".timeline")).to_contain_text("called off the request to talk to Tom Becker")
    page.reload()
    expect(page.locator("#conversations").get_by_role("heading", name="Earlier")).to_be_visible()
    expect(page.locator("#conversations")).to_contain_text("Cancelled")
    expect(page.locator("#decision")).to_contain_text("Chose a company closer to home.")
    expect(page.locator("#decision")).to_contain_text("not answered yet")
    axe_check(page)

    # Tom hears through the usual cancellation mail.
    (cancelled,) = mails(demo, smtp, PERSON, "Cancelled")
    assert "Riley Morgan cancelled the conversation with Jordan Lee" in cancelled.get_body(
        preferencelist=("plain",)).get_content()

    # 3. Jordan opens the survey from the real mail, without signing in, and answers.
    (survey_mail,) = mails(demo, smtp, CANDIDATE, "what would have changed your mind")
    context, candidate = new_page(browser, javascript=True)
    guard = PageGuard(context, candidate)
    try:
        candidate.goto(demo.url + link_in(survey_mail))
        expect(candidate.get_by_role("heading", name="What would have changed your mind?", level=1)).to_be_visible()
        expect(candidate.get_by_text("Answering is entirely optional")).to_be_visible()
        axe_check(candidate)
        candidate.get_by_role("button", name="Send my answer").click()
        expect(candidate.get_by_label("What would have changed your mind?")).to_have_attribute("aria-invalid", "true")
        axe_check(candidate)
        candidate.get_by_label("What would have changed your mind?").fill(
            "A remote option two days a week.\n\nAnd meeting the team earlier.")
        candidate.get_by_role("button", name="Send my answer").click()
        expect(candidate.get_by_role("heading", name="Thank you, Jordan")).to_be_visible()
        axe_check(candidate)
        candidate.reload()  # the link has done its job
        expect(candidate.get_by_role("heading", name="We have your answer, thank you")).to_be_visible()
        axe_check(candidate)
        guard.check()
    finally:
        context.close()

    # 4. The recruiter reads the answer on Jordan's page.
    page.reload()
    survey = page.locator("#decision figure")
    expect(survey).to_contain_text("What would have changed Jordan's mind")
    expect(survey).to_contain_text("A remote option two days a week.")
    expect(page.locator(".timeline")).to_contain_text("Jordan Lee answered the exit survey")
    axe_check(page)


def test_correct_and_undo_without_javascript(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, RECRUITER)
    page.goto(demo.url + "/recruiter/candidates")
    page.get_by_role("link", name="Jordan Lee").click()
    decision = page.locator("#decision")
    decision.get_by_text("Record Jordan's decision").click()  # a disclosure: no JavaScript needed
    decision.get_by_role("radio", name="Withdrawn (by them or by us)").check()
    expect(decision.get_by_role("switch", name="Send the optional exit survey")).not_to_be_checked()
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("Recorded: Jordan Lee's offer was withdrawn.")
    expect(page.locator("#candidate-stage")).to_have_text("Withdrawn")
    axe_check(page, no_js_browser=browser)

    # Correct it: open the disclosure (no JavaScript needed), make it "accepted", a day that can't be.
    page.get_by_text("Correct the decision").click()
    decision = page.locator("#decision")
    decision.get_by_role("radio", name="Accepted the offer").check()
    decision.get_by_label("Date of the decision").fill("2000-01-01")
    decision.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text(re.compile("The date can't be before the offer was made"))).to_be_visible()
    expect(page.locator("#candidate-stage")).to_have_text("Withdrawn")  # nothing changed
    axe_check(page, no_js_browser=browser)
    decision = page.locator("#decision")
    today = page.locator("#decided_on").get_attribute("max")
    decision.get_by_label("Date of the decision").fill(today)
    decision.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("Decision updated: Accepted.")
    expect(page.locator("#candidate-stage")).to_have_text("Accepted")

    # Undo, confirmed by a clearly labelled button inside a disclosure.
    page.get_by_text("Move Jordan back to the offer stage").click()
    page.get_by_role("button", name="Yes, move Jordan Lee back to the offer stage").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("Jordan Lee is back at the offer stage")
    expect(page.locator("#candidate-stage")).to_have_text("Offer stage")
    expect(page.locator("#decision").get_by_text("Record Jordan's decision")).to_be_visible()
    axe_check(page, no_js_browser=browser)
