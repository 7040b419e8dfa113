"""Journeys in other languages, on the demo company, over real SMTP, every page checked with axe-core,
the Nu HTML checker and at 375 px:

1. Haruka Sato, a candidate in Tokyo whose account (and browser) reads Japanese, signs in with the link
   she is e-mailed and walks home → people → Katharina Vogel's profile → her questions (adds one) →
   a request to talk to Katharina. Every page is ``<html lang="ja">``, its headings and buttons are the
   Japanese catalogue's, and dates are written the Japanese way (年, 月, 日).
2. Amara Okafor, the CEO, whose recruiter set her language to German, and Katharina Vogel, an investor
   in Berlin whose account reads German, are each asked by Haruka (approved by
   the recruiter): her invitation comes in German, she accepts from its link on a German page, and her
   confirmation carries a calendar invitation whose summary and description are German; Haruka's
   confirmation is Japanese.

What a page must say is read from the shipped catalogues (language_helpers.py). Times are chosen
relative to now: Haruka's decision is two weeks away and Katharina is free four mornings a week, so
a time beyond every cut-off is offered whatever day and hour this runs.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_skeleton
from browser_helpers import axe_check, move_deadline
from helpers import deliver_mail, link_in
from icalendar import Calendar
from language_helpers import new_page_in, reads_as, say, without_tags
from playwright.sync_api import expect

from portal.meetings.forms import parse_slot
from portal.timeutil import utcnow

HARUKA, KATHARINA = "haruka.sato@example.com", "katharina.vogel@northwind.example"
AMARA = "amara.okafor@northwind.example"  # the CEO
RILEY = "riley.morgan@northwind.example"
QUESTION = "日本のお客様との仕事はどのくらいありますか?"
JA_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
JA_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
ENGLISH_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def in_japanese(page) -> None:
    """The page is Japanese: ``<html lang="ja">``, the switcher says so, no English-written date; then
    the checks every journey page gets."""
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#language-choice")).to_have_value("ja")
    text = page.locator("main").inner_text()
    assert not ENGLISH_DATE.search(text), f"an English date on {page.url}: {ENGLISH_DATE.search(text).group(0)}"
    axe_check(page)


def heading(page, text: str, level: int = 1) -> None:
    expect(page.get_by_role("heading", name=text, level=level)).to_be_visible()


def deadline_in(app, email: str, language: str) -> str:
    from portal.auth.models import User
    from portal.candidates.models import Candidate
    from portal.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        day = user.candidacy.decision_deadline.astimezone(ZoneInfo(user.timezone)).date()
        assert isinstance(user.candidacy, Candidate)
    return format_skeleton("yMMMEd", day, locale=language)


def mails(server, smtp, address):
    deliver_mail(server.app)
    return smtp.messages_to(address)


def body(message, kind: str = "plain") -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def test_a_japanese_candidate_signs_in_and_asks_for_a_conversation(browser, demo, smtp):
    move_deadline(demo.app, HARUKA)
    context, page, guard = new_page_in(browser, "ja-JP", "Asia/Tokyo")
    try:
        # Signing in with the link she is e-mailed.
        page.goto(demo.url + "/")
        expect(page).to_have_url(re.compile(r"/login"))
        heading(page, say("ja", "Sign in"))
        in_japanese(page)
        page.locator("input[name=email]").fill(HARUKA)
        page.get_by_role("button", name=say("ja", "E-mail me a sign-in link")).click()
        heading(page, say("ja", "Check your e-mail"))
        in_japanese(page)
        (mail,) = mails(demo, smtp, HARUKA)
        assert 'lang="ja"' in body(mail, "html")
        assert reads_as(str(mail["Subject"]), "ja", "Your sign-in link")
        page.goto(demo.url + link_in(mail))
        in_japanese(page)
        page.locator("main").get_by_role("button").click()

        # Home: her welcome and her deadline, in Japanese.
        heading(page, say("ja", "Welcome, %(first)s", first="Haruka"))
        deadline = deadline_in(demo.app, HARUKA, "ja")
        assert JA_DATE.search(deadline), deadline
        expect(page.locator("main")).to_contain_text(deadline)
        in_japanese(page)

        # People, and Katharina's profile.
        page.get_by_role("navigation").get_by_role("link", name=say("ja", "People")).first.click()
        heading(page, say("ja", "People you can talk to"))
        in_japanese(page)
        page.get_by_role("link", name="Katharina Vogel").first.click()
        heading(page, "Katharina Vogel")
        heading(page, say("ja", "Talk to %(first)s", first="Katharina"), level=2)
        assert JA_DAY.search(page.locator("main").inner_text()), "her free days, the Japanese way"
        in_japanese(page)
        profile = page.url

        # Her questions: she adds one.
        page.get_by_role("navigation").get_by_role("link", name=say("ja", "My questions")).first.click()
        heading(page, say("ja", "My questions"))
        in_japanese(page)
        page.get_by_role("textbox", name=say("ja", "Your question"), exact=True).fill(QUESTION)
        page.get_by_role("button", name=say("ja", "Add question")).click()
        expect(page.get_by_text(QUESTION).first).to_be_visible()
        in_japanese(page)

        # A conversation with Katharina: times offered in Japanese dates, one chosen beyond the cut-off.
        page.goto(profile)
        request = say("ja", 'Request a conversation<span class="visually-hidden"> with %(name)s</span>',
                      name="Katharina Vogel")
        # Its name as Chromium computes it: the hidden span is positioned, so a space may come after it.
        spaced = re.compile(r"\s*".join(re.escape(ch) for ch in without_tags(request).replace(" ", "")))
        page.get_by_role("button", name=spaced).click()
        heading(page, say("ja", "Talk to %(name)s", name="Katharina Vogel"))
        in_japanese(page)
        days = JA_DAY.findall(page.locator("main").inner_text())
        assert len(days) >= 2, "the offered times' days should be written the Japanese way (12月9日)"
        cutoff = timedelta(hours=demo.app.config["MEETING_CHANGE_CUTOFF_HOURS"])
        values = page.locator("input[name=slots]").evaluate_all("inputs => inputs.map(i => i.value)")
        later = [v for v in values if parse_slot(v) > utcnow() + cutoff + timedelta(hours=1)]
        assert later, f"no offered time leaves room for the {cutoff} cut-off: {values}"
        page.locator(f"input[name=slots][value='{later[0]}']").check()
        page.get_by_role("checkbox", name=QUESTION).check()
        page.get_by_role("button", name=say("ja", "Send request")).click()
        expect(page.get_by_role("status").first).to_contain_text(
            say("ja", "Request sent. Your recruiter approves requests to %(name)s first; we'll let you know.",
                name="Katharina"))
        in_japanese(page)
        guard.check()
    finally:
        context.close()


def haruka_asks(app, person: str, *, german: bool = False) -> int:
    """Haruka asks ``person`` for two of their free times at least a day ahead, and the recruiter
    approves: the person is invited. ``german``: the person's account language is set to German first
    (what a recruiter does on their profile; tests/people covers that form). The conversation's id."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.meetings.queue import approve_request
    from portal.meetings.free_times import offered_slots
    from portal.meetings.requests import RequestData, create_request
    from portal.questions.models import Question

    with app.app_context():
        wanted = sa.select(User).where(User.email.in_([HARUKA, person, RILEY]))
        users = {user.email: user for user in db.session.scalars(wanted)}
        if german:
            users[person].locale = "de"
        candidate, profile = users[HARUKA].candidacy, users[person].profile
        free = offered_slots(candidate, profile, 30, utcnow()).slots
        starts = [slot.start for slot, _fit in free if slot.start > utcnow() + timedelta(days=1)]
        assert len(starts) >= 2, f"{person} should have free times Haruka can take"
        question = Question(candidate_id=candidate.id, text=QUESTION, category="direction_finances")
        db.session.add(question)
        db.session.flush()
        meeting = create_request(candidate, profile, RequestData(slots=starts[:2], question_ids=[question.id]),
                                 utcnow())
        assert meeting.status == "needs_approval"
        approve_request(meeting, users[RILEY])
        assert meeting.status == "invited"
        db.session.commit()
        return meeting.id


@pytest.mark.parametrize("person,name,german", [
    (AMARA, "Amara Okafor", True),  # the CEO, whose recruiter set her language to German
    (KATHARINA, "Katharina Vogel", False),  # an investor whose profile says German (the demo's)
], ids=["ceo", "investor"])
def test_a_german_speaker_accepts_from_a_german_email_with_a_german_calendar_invitation(browser, demo, smtp, person,
                                                                                        name, german):
    move_deadline(demo.app, HARUKA)
    haruka_asks(demo.app, person, german=german)

    # The invitation: German subject and body, Haruka's name in it, the links to answer.
    (invitation,) = mails(demo, smtp, person)
    subject = " ".join(str(invitation["Subject"]).split())
    assert "Haruka Sato" in subject and reads_as(subject, "de", "would like to talk to you"), subject
    text = body(invitation)
    assert 'lang="de"' in body(invitation, "html")
    assert reads_as(text, "de", "Accept"), text
    assert not re.search(r"\b(?:would like to talk|Accept|Decline)\b", text), text
    accept = re.search(r"https?://[^/\s]+(/invite/\S+)", text).group(1)

    # She accepts on a German page.
    context, page, guard = new_page_in(browser, "de-DE", "Europe/Berlin")
    try:
        page.goto(demo.url + accept)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        heading(page, say("de", "Accept %(name)s's request?", name="Haruka Sato"))
        axe_check(page)
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name=say("de", "Accept this time")).click()
        heading(page, say("de", "You're meeting %(name)s", name="Haruka Sato"))
        expect(page.locator("html")).to_have_attribute("lang", "de")
        axe_check(page)
        guard.check()
    finally:
        context.close()

    # Her confirmation and its calendar invitation are German; Haruka's are Japanese.
    for address, language in ((person, "de"), (HARUKA, "ja")):
        (confirmed,) = [m for m in mails(demo, smtp, address) if m.get_all("Subject") and any(
            p.get_content_type() == "text/calendar" for p in m.iter_attachments())]
        assert reads_as(str(confirmed["Subject"]), language, "Confirmed:"), confirmed["Subject"]
        assert f'lang="{language}"' in body(confirmed, "html")
        (part,) = [p for p in confirmed.iter_attachments() if p.get_content_type() == "text/calendar"]
        (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        summary, description = str(event["SUMMARY"]), str(event["DESCRIPTION"])
        assert "Haruka Sato" in summary and name in summary
        assert reads_as(summary, language, "Conversation:"), summary
        assert not summary.startswith("Conversation:"), summary
        assert QUESTION in description and reads_as(description, language, "Questions to cover"), description
        assert "minutes" not in description and "Questions to cover" not in description, description
