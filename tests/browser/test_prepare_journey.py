"""Journey: the preparation room. Jordan (New York, demo company) has a confirmed video call with Tom
Becker (Berlin) two days from now, confirmed with real mail to both. From /meetings Jordan opens
Prepare, runs the device check in Chromium with fake devices (the preview plays, the microphone
level moves above 0), sees the devices ticked by it, ticks the rest (4 of 4 after a reload), adds a
suggested question; Tom opens the manage link from his confirmation e-mail and finds that question
there. With JavaScript off the page still lets Jordan tick and add, and says what to do about the
device check. A browser without fake devices gets plain-language help. axe-core, the Nu checker and
375 px on every page; times relative to now.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, new_page, shoot, sign_in_browser
from factories import make_meeting
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.calendar import video_link_for
from portal.questions.models import Question
from portal.timeutil import utcnow

TOM, JORDAN = "tom.becker@northwind.example", "jordan.lee@example.com"


@pytest.fixture
def media_page(media_browser):
    context, page = new_page(media_browser, javascript=True)
    guard = PageGuard(context, page)
    yield page
    guard.check()
    context.close()


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _confirmed(app) -> int:
    """A video call of Jordan's with Tom two days from now (at an hour nobody in the demo books),
    confirmed with the usual mail to both (Tom's carries his manage link)."""
    with app.app_context():
        jordan, tom = _user(JORDAN), _user(TOM)
        start = (utcnow() + timedelta(days=2)).replace(hour=3, minute=0, second=0, microsecond=0)
        asked = db.session.scalars(sa.select(Question).where(Question.candidate_id == jordan.candidacy.id,
                                                             Question.status == "open")).first()
        meeting = make_meeting(jordan.candidacy, tom, "confirmed", start=start, questions=[asked] if asked else [],
                               actor=jordan)
        meeting.video_link = video_link_for(meeting)
        notify.meeting_confirmed(meeting, tom)
        db.session.commit()
        return meeting.id


def _progress(page):
    return page.locator("#checklist .prepare-progress label")


def test_the_candidate_prepares_and_the_person_sees_the_question(media_page, browser, demo, smtp):
    page, server = media_page, demo
    meeting_id = _confirmed(server.app)
    sign_in_browser(page.context, server.app, server.url, JORDAN)

    page.goto(server.url + "/meetings")
    page.locator(f"#meeting-{meeting_id}").get_by_role(
        "link", name="Prepare for your conversation with Tom").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get ready to talk to Tom Becker")
    when = page.locator("#when")
    expect(when).to_contain_text("America/New_York")
    expect(when).to_contain_text("Europe/Berlin")
    expect(page.locator("time[data-starts-in]")).to_have_text(re.compile(r"^in (1 day|2 days)"))
    expect(_progress(page)).to_have_text("0 of 4 ready")
    axe_check(page)

    # The device check: the preview plays and the level meter moves with the fake microphone's beep.
    page.get_by_role("button", name="Check my camera and microphone").click()
    page.wait_for_function("""() => { const v = document.querySelector('[data-device-video]');
        return v && !v.paused && v.videoWidth > 0 && v.currentTime > 0; }""")
    page.wait_for_function("() => document.querySelector('[data-device-meter]').value > 0")
    expect(page.get_by_role("status").filter(has_text="work")).to_contain_text(
        "Your camera and microphone work. We ticked them off in your checklist.")
    # Ticked on the server, by the checklist form, in place.
    expect(page.locator("#checklist")).to_contain_text("Saved: 1 of 4 ready.")
    expect(page.get_by_label("My camera and microphone work")).to_be_checked()
    shoot(page, "prepare-device-check")
    page.get_by_role("button", name="Stop the check").click()
    expect(page.locator("[data-device-video]")).to_be_hidden()
    assert page.evaluate("() => document.querySelector('[data-device-video]').srcObject") is None
    axe_check(page)

    for label in ("I have a quiet place with a good connection", "My questions are ready",
                  "I opened the video link"):
        page.get_by_label(label).check()
        expect(page.get_by_label(label)).to_be_checked()
    expect(_progress(page)).to_have_text("4 of 4 ready")
    page.reload()
    expect(_progress(page)).to_have_text("4 of 4 ready")
    for box in page.locator("#checklist input[type=checkbox]").all():
        expect(box).to_be_checked()

    # A suggested question, one click: on the agenda, no longer suggested.
    suggestion = page.locator(".suggestions > li").first
    text = suggestion.locator("p").first.inner_text().split("\n")[0].strip()
    suggestion.get_by_role("button", name=re.compile("^Add")).click()
    questions = page.locator("#questions")
    expect(questions).to_contain_text("Added to your questions and to this conversation: Tom will see it.")
    expect(questions.locator(".prepare-questions").first).to_contain_text(text)
    expect(page.locator(".suggestions")).not_to_contain_text(text)
    axe_check(page)
    shoot(page, "prepare")

    # Tom, from the confirmation in his mailbox (no sign-in), sees what Jordan wants to ask.
    deliver_mail(server.app)
    (mail,) = [m for m in smtp.messages_to(TOM) if str(m["Subject"]).startswith("Confirmed: Jordan Lee")]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Senior Backend Engineer role" in body
    manage = re.search(r"https?://[^/\s]+(/invite/manage/\S+)", body).group(1)
    context, tom = new_page(browser, javascript=True)
    guard = PageGuard(context, tom)
    try:
        tom.goto(server.url + manage)
        expect(tom.get_by_role("heading", level=1)).to_have_text("Your conversation with Jordan Lee")
        expect(tom.locator("main")).to_contain_text(text)
        axe_check(tom)
        guard.check()
    finally:
        context.close()

    # Jordan's own confirmation leads to the page too.
    (to_jordan,) = [m for m in smtp.messages_to(JORDAN) if str(m["Subject"]).startswith("Confirmed: Tom Becker")]
    assert f"{server.url}/meetings/{meeting_id}/prepare" in to_jordan.get_body(preferencelist=("plain",)).get_content()


def test_without_javascript_the_candidate_still_ticks_and_adds(page_without_js, browser, demo):
    page, server = page_without_js, demo
    meeting_id = _confirmed(server.app)
    sign_in_browser(page.context, server.app, server.url, JORDAN)
    page.goto(f"{server.url}/meetings/{meeting_id}/prepare")
    expect(page.locator("#device-check")).to_contain_text("needs JavaScript")
    expect(page.get_by_role("button", name="Check my camera and microphone")).to_have_count(0)
    axe_check(page, no_js_browser=browser)

    page.get_by_label("My questions are ready").check()
    page.get_by_label("I opened the video link").check()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved: 2 of 4 ready.")
    expect(_progress(page)).to_have_text("2 of 4 ready")
    axe_check(page, no_js_browser=browser)

    suggestion = page.locator(".suggestions > li").first
    text = suggestion.locator("p").first.inner_text().split("\n")[0].strip()
    suggestion.get_by_role("button", name=re.compile("^Add")).click()
    expect(page.get_by_role("status").first).to_contain_text("Added to your questions and to this conversation")
    expect(page.locator(".prepare-questions").first).to_contain_text(text)
    axe_check(page, no_js_browser=browser)

    # A conversation that is over: nothing to prepare, and the page says what to do instead.
    with server.app.app_context():
        jordan, tom = _user(JORDAN), _user(TOM)
        start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        over = make_meeting(jordan.candidacy, tom, "completed", start=start, actor=jordan, history=False).id
        db.session.commit()
    page.goto(f"{server.url}/meetings/{over}/prepare")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your conversation with Tom Becker is over")
    axe_check(page, no_js_browser=browser)


def test_without_devices_the_check_explains_what_to_do(page, demo):
    """Chromium without fake devices or an answer to the prompt: the check says what went wrong in
    plain words, and nothing is ticked."""
    meeting_id = _confirmed(demo.app)
    sign_in_browser(page.context, demo.app, demo.url, JORDAN)
    page.goto(f"{demo.url}/meetings/{meeting_id}/prepare")
    page.get_by_role("button", name="Check my camera and microphone").click()
    help_box = page.locator("[data-device-help]")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text(re.compile(
        "Your browser blocked the camera and microphone|couldn't find a camera or a microphone"))
    expect(page.get_by_label("My camera and microphone work")).not_to_be_checked()
    expect(_progress(page)).to_have_text("0 of 4 ready")
    axe_check(page)
