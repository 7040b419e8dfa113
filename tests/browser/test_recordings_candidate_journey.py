"""Journey: recorded answers as a candidate meets them in the demo. Jordan Lee plays Amara's answer for
everyone in the question list (the video knows its length and seeks through a Range request), marks
his question answered by it, plays Lucía's answer to his own question, then on Amara's profile adds
her other question and marks it. Sam Rivera, without JavaScript, sees the same answers on the
profile and adds a question from there. axe, the HTML checker and the 375 px check on each page."""

import re

import sqlalchemy as sa
from browser_helpers import axe_check, shoot, sign_in_browser
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db

JORDAN, SAM = "jordan.lee@example.com", "sam.rivera@example.com"


def _amara(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == "amara.okafor@northwind.example"))


def _watch_media_requests(app) -> list[tuple[str, str, str]]:
    """(path, Range header, status) of every request for a recording's file the server answers (the
    browser's media cache may answer some without any event in the page)."""
    seen, inner = [], app.wsgi_app

    def recorder(environ, start_response):
        def start(status, headers, *args):
            if environ["PATH_INFO"].endswith("/media"):
                seen.append((environ["PATH_INFO"], environ.get("HTTP_RANGE", ""), status))
            return start_response(status, headers, *args)
        return inner(environ, start)

    app.wsgi_app = recorder
    return seen


def _plays_and_seeks(page, media, seen) -> None:
    """The element learns its length from the file, seeks, and its file came in ranges of bytes."""
    page.wait_for_function("m => m.readyState >= 1 && m.duration > 0 && isFinite(m.duration)",
                           arg=media.element_handle())
    assert media.evaluate("m => m.duration") > 3
    media.evaluate("m => new Promise(done => { m.addEventListener('seeked', done, {once: true}); m.currentTime = 3; })")
    assert abs(media.evaluate("m => m.currentTime") - 3) < 0.5
    src = media.evaluate("m => new URL(m.currentSrc).pathname")
    assert any(path == src and asked.startswith("bytes=") and status.startswith("206") for path, asked, status in seen), seen


def test_a_candidate_plays_and_marks_recorded_answers(page, demo):
    seen = _watch_media_requests(demo.app)
    sign_in_browser(page.context, demo.app, demo.url, JORDAN)
    page.goto(demo.url + "/questions")
    expect(page.get_by_role("heading", name="My questions", level=1)).to_be_visible()
    axe_check(page)
    shoot(page, "recordings-questions")

    question = page.locator("article", has_text="How are decisions made when engineering and product disagree?")
    expect(question.get_by_text("Amara Okafor recorded an answer to this")).to_be_visible()
    question.get_by_text("Watch Amara's answer").click()
    _plays_and_seeks(page, question.locator("video"), seen)
    expect(question.get_by_text("We disagree in writing first")).to_be_visible()
    question.get_by_role("button", name=re.compile("Mark answered by this recording")).click()
    expect(page.get_by_role("status").filter(has_text="Marked answered by Amara Okafor's recording.")).to_be_visible()
    expect(page.get_by_text("5 of 8 answered").first).to_be_visible()
    marked = page.locator("article", has_text="How are decisions made when engineering and product disagree?")
    expect(marked.get_by_text("Recorded answer from Amara Okafor")).to_be_visible()
    axe_check(page)

    own = page.locator("article", has_text="What would you expect me to have done in my first 90 days?")
    expect(own.locator("figcaption")).to_contain_text(
        re.compile(r"Video answer by Lucía Fernández,\s+0:05 long, recorded\s+\w{3} \d+ \w{3} \d{4}, [\d:]+ E[SD]T "
                   r"\(America/New_York\)"))
    _plays_and_seeks(page, own.locator("video"), seen)

    page.goto(f"{demo.url}/people/{_amara(demo.app)}")
    section = page.locator("#recorded-answers")
    expect(section.get_by_role("heading", name="Watch Amara answer 2 questions")).to_be_visible()
    expect(section.get_by_text("Answered on your list by this recording.")).to_be_visible()
    axe_check(page)
    shoot(page, "recordings-profile")
    section.get_by_role("button", name="Add this question to my list").click()
    expect(page.get_by_text("Added to your questions: “What do you wish you had known before you joined?”")).to_be_visible()
    page.locator("#recorded-answers").get_by_role("button", name="Mark my question answered").click()
    expect(page.get_by_text("Marked answered by Amara Okafor's recording.")).to_be_visible()
    expect(page.locator("#recorded-answers").get_by_text("Answered on your list by this recording.")).to_have_count(2)
    axe_check(page)


def test_another_candidate_without_javascript_sees_the_answers_on_the_profile(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, SAM)
    page.goto(f"{demo.url}/people/{_amara(demo.app)}")
    section = page.locator("#recorded-answers")
    expect(section.get_by_role("heading", name="Watch Amara answer 2 questions")).to_be_visible()
    expect(section.locator("video")).to_have_count(1)
    expect(section.locator("audio")).to_have_count(1)
    expect(section.get_by_text("I wish I had known how much our customers would shape the roadmap.")).to_be_visible()
    axe_check(page, browser)
    section.get_by_role("button", name="Add this question to my list").first.click()
    expect(page.get_by_text(re.compile("Added to your questions: “How do people disagree here"))).to_be_visible()
    expect(page.locator("#recorded-answers").get_by_role("button", name="Mark my question answered")).to_have_count(1)
    axe_check(page, browser)
    page.goto(demo.url + "/questions")
    expect(page.get_by_role("button", name=re.compile("Mark answered by this recording"))).to_have_count(1)
    axe_check(page, browser)
