"""Journey: recruiter adds a candidate, two interviewers answer through their e-mailed links,
the recruiter publishes the message, the candidate signs in from the invitation, reads it, adds
questions from the bank and their own, marks one answered and sees progress — axe on every page."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from browser_helpers import PageGuard, axe_check, new_page, sign_in_browser
from helpers import deliver_mail, link_in
from playwright.sync_api import expect


def mail_to(server, smtp, address, subject_part):
    deliver_mail(server.app)
    matching = [m for m in smtp.messages_to(address) if subject_part in str(m["Subject"])]
    assert matching, f"no mail to {address} about {subject_part!r}"
    return matching[-1]


def interviewer_answers(browser, server, smtp, address, went_well, to_grow):
    context, page = new_page(browser, javascript=True)
    guard = PageGuard(context, page)
    try:
        page.goto(server.url + link_in(mail_to(server, smtp, address, "feedback")))
        expect(page.get_by_role("heading", name="Your feedback on Alex Chen")).to_be_visible()
        axe_check(page)
        page.get_by_label("What went well").fill(went_well)
        page.get_by_label("What to grow").fill(to_grow)
        page.get_by_role("button", name="Send my feedback").click()
        expect(page.get_by_text(re.compile("Thank you", re.IGNORECASE)).first).to_be_visible()
        axe_check(page)
        guard.check()
    finally:
        context.close()


def test_offer_stage_journey(page, browser, demo, smtp):
    sign_in_browser(page.context, demo.app, demo.url, "riley.morgan@northwind.example")

    # 1. The recruiter adds a candidate.
    page.goto(demo.url + "/recruiter/candidates")
    axe_check(page)
    page.get_by_role("button", name="Add a candidate").click()
    axe_check(page)
    page.get_by_label("Full name").fill("Alex Chen")
    page.get_by_label("E-mail").fill("alex.chen@example.com")
    page.get_by_label("Candidate's time zone").fill("Berlin")  # a city: the list narrows to Europe/Berlin
    page.get_by_label("Position", exact=True).select_option(label="Senior Backend Engineer · Platform")
    deadline = datetime.combine(date.today() + timedelta(weeks=3), time(17, 0), tzinfo=ZoneInfo("Europe/Berlin"))
    page.get_by_label("Decision deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Add candidate").click()
    expect(page.get_by_role("heading", name="Alex Chen", level=1)).to_be_visible()
    shown = f"{deadline:%a} {deadline.day} {deadline:%b %Y, %H:%M} {deadline.tzname()} (Europe/Berlin) for Alex"
    expect(page.get_by_text(shown)).to_be_visible()
    axe_check(page)

    # 2. Feedback from two interviewers, requested by e-mail.
    page.get_by_role("checkbox", name=re.compile("Lucía Fernández")).check()
    page.get_by_role("checkbox", name=re.compile("Tom Becker")).check()
    page.get_by_role("button", name="Send feedback requests").click()
    expect(page.locator("#feedback").get_by_text("0 of 2 answered")).to_be_visible()
    axe_check(page)
    interviewer_answers(browser, demo, smtp, "lucia.fernandez@northwind.example",
                        "Sharp questions about failure modes.", "Talk through rollouts earlier.")
    interviewer_answers(browser, demo, smtp, "tom.becker@northwind.example",
                        "Calm and collaborative while pairing.", "Write tests a little sooner.")
    page.reload()
    expect(page.locator("#feedback").get_by_text("2 of 2 answered")).to_be_visible()

    # 3. The message, drafted from the feedback, previewed live, published.
    page.get_by_role("button", name="Write the message").click()
    body = page.get_by_label("Message", exact=True)
    expect(body).to_have_value(re.compile("Sharp questions about failure modes"))
    expect(body).to_have_value(re.compile("Calm and collaborative while pairing"))
    axe_check(page)
    body.fill(body.input_value() + "\n\nP.S. We can't wait to hear your questions.")
    expect(page.locator("#preview")).to_contain_text("We can't wait to hear your questions.")
    page.get_by_role("button", name="Publish and send invitation").click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("published", re.IGNORECASE))
    axe_check(page)

    # 4. The candidate gets the invitation, signs in, reads the message.
    invitation = mail_to(demo, smtp, "alex.chen@example.com", "Good news")
    candidate_context, candidate = new_page(browser, javascript=True)
    guard = PageGuard(candidate_context, candidate)
    try:
        candidate.goto(demo.url + link_in(invitation))
        axe_check(candidate)
        candidate.get_by_role("button", name="Sign in as").click()
        expect(candidate.get_by_role("heading", name="Welcome, Alex")).to_be_visible()
        expect(candidate.locator(".message-body")).to_contain_text(re.compile("sharp questions about failure modes", re.IGNORECASE))
        expect(candidate.get_by_text("We can't wait to hear your questions.")).to_be_visible()
        axe_check(candidate)

        # 5. Questions: two from the bank, one of their own, one marked answered.
        candidate.get_by_role("link", name="My questions").click()
        expect(candidate.get_by_role("heading", name="My questions")).to_be_visible()
        axe_check(candidate)
        bank = candidate.locator("#bank")
        bank.locator("details").first.locator("summary").click()
        bank.get_by_role("button", name=re.compile("^Add")).first.click()
        expect(candidate.get_by_role("progressbar", name="0 of 1 answered")).to_be_visible()
        candidate.get_by_role("textbox", name="Your question").fill("How does the Platform team decide what to build next?")
        candidate.get_by_role("button", name="Add question").click()
        expect(candidate.get_by_role("progressbar", name="0 of 2 answered")).to_be_visible()
        candidate.get_by_role("button", name=re.compile("^Mark answered")).first.click()
        expect(candidate.get_by_role("progressbar", name="1 of 2 answered")).to_be_visible()
        axe_check(candidate)
        candidate.goto(demo.url + "/")
        expect(candidate.get_by_role("progressbar", name="1 of 2 answered")).to_be_visible()
        expect(candidate.get_by_text(re.compile(r"1 open question"))).to_be_visible()
        guard.check()
    finally:
        candidate_context.close()

    # The recruiter's timeline tells the story.
    page.goto(demo.url + "/recruiter/candidates")
    page.get_by_role("link", name="Alex Chen").click()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Alex Chen signed in for the first time")
    expect(timeline).to_contain_text("Riley Morgan asked Tom Becker for feedback")
    expect(page.get_by_role("progressbar", name="1 of 2 answered")).to_be_visible()
