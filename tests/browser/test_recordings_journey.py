"""Journey: recorded answers, from the person who records to the candidate who plays, with real mail.

Jordan (candidate, New York) asks Amara (CEO, Berlin) a question on /questions; Amara gets the
written-answer e-mail, opens its link without signing in, chooses "Answer with a recording instead",
turns on the (fake) camera, records about 3 s, plays the take back and sends it with a summary.
Jordan gets the "recorded an answer" e-mail and plays the video in his question list: it knows its
length, seeks, and its file came as a 206 range. With JavaScript off Amara answers Jordan's private
question by uploading a file through the plain form, and Jordan plays that one too. Signed in,
Amara records an audio answer to a bank question for every candidate at /profile/recordings; Jordan
and Sam both play it on her profile. Sam gets 404 for Jordan's recordings; Riley, the recruiter,
sees on Jordan's page that both questions were answered with a recording, never the media or the
summaries, and gets 404 for the files too. axe, the Nu checker and 375 px on every page visited.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, new_page, sign_in_browser
from factories import make_candidate, make_position, make_staff, make_user
from helpers import deliver_mail, link_in
from media_clips import CHROMIUM_RECORDINGS
from playwright.sync_api import expect

from portal.candidates.models import Candidate
from portal.extensions import db
from portal.questions.bank import BANK as BANK_QUESTIONS
from portal.questions.services import add_question
from portal.recordings.models import Recording

AMARA, JORDAN, SAM, RILEY = "amara@example.com", "jordan@example.com", "sam@example.com", "riley@example.com"
ASKED = "Where do you want the company to be in three years?"
PRIVATE = "ZZ-How much runway is there, honestly?-ZZ"
BANK = "How do people disagree here, and what happens after a decision is made?"
SUMMARY = "Profitable next year, then Europe: we open Lisbon first."
PRIVATE_SUMMARY = "ZZ-Two years of runway at today's spending-ZZ"
BANK_SUMMARY = "We disagree in writing, decide within a week, then commit together."


def _world(app) -> SimpleNamespace:
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", email=RILEY, timezone="Europe/London")
        amara = make_staff("leadership", title="Chief Executive Officer", team="Leadership", name="Amara Okafor",
                           email=AMARA, timezone="Europe/Berlin")
        position = make_position("Senior Backend Engineer", "Platform")
        jordan = make_candidate(owner=riley, position=position, name="Jordan Lee", email=JORDAN,
                                timezone="America/New_York", deadline_days=10)
        make_candidate(owner=riley, position=position, name="Sam Rivera", email=SAM, timezone="Europe/London",
                       deadline_days=10)
        db.session.commit()
        return SimpleNamespace(amara=amara.id, jordan=jordan.id)


def _mail_to(smtp, app, address: str, subject: str):
    """The newest message to ``address`` whose subject starts with ``subject``, after the worker ran."""
    deliver_mail(app)
    found = [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject)]
    assert found, [str(m["Subject"]) for m in smtp.messages_to(address)]
    return found[-1]


def _watch_media(page) -> list[tuple[int, str]]:
    """(status, Content-Range) of every answer the page gets for a recording's file."""
    seen = []
    page.on("response", lambda r: seen.append((r.status, r.headers.get("content-range", "")))
            if re.search(r"/recordings/\d+/media", r.url) else None)
    return seen


def _duration(media) -> float:
    """The element's length, once it has read the file's header (finite and above 0)."""
    media.page.wait_for_function("m => m.readyState >= 1 && isFinite(m.duration) && m.duration > 0",
                                 arg=media.element_handle())
    return media.evaluate("m => m.duration")


def _seeks(media) -> None:
    """Seeking to half its length lands there ("seeked" fires)."""
    target = _duration(media) / 2
    landed = media.evaluate("""(m, t) => new Promise(done => {
        m.addEventListener('seeked', () => done(m.currentTime), {once: true}); m.currentTime = t; })""", target)
    assert abs(landed - target) < 0.25, (landed, target)


def _record(page, seconds: int) -> None:
    """Record with the recorder on the page until its countdown shows ``seconds`` gone, then stop."""
    page.get_by_role("button", name="Record", exact=True).click()
    left = 180 - seconds
    expect(page.get_by_role("timer")).to_have_text(f"{left // 60}:{left % 60:02d}", timeout=seconds * 1000 + 5000)
    page.get_by_role("button", name="Stop").click()


def test_a_person_records_and_the_candidate_plays(media_browser, browser, live_server, smtp):
    server, app = live_server, live_server.app
    world = _world(app)
    contexts, guards = [], []

    def open_page(javascript=True, email=None):
        context, page = new_page(media_browser, javascript=javascript)
        contexts.append(context)
        if javascript:
            guards.append(PageGuard(context, page))
        if email:
            sign_in_browser(context, app, server.url, email)
        return page

    try:
        # Jordan asks Amara a question; she is e-mailed a link to answer it.
        jordan = open_page(email=JORDAN)
        played = _watch_media(jordan)
        jordan.goto(server.url + "/questions")
        jordan.get_by_role("textbox", name="Your question").fill(ASKED)
        jordan.get_by_label("For someone in particular?").select_option(label="Amara Okafor (Chief Executive Officer)")
        jordan.get_by_role("button", name="Add question").click()
        expect(jordan.locator("#ledger").get_by_text(ASKED, exact=True)).to_be_visible()
        axe_check(jordan)

        # Amara, from the e-mail, without signing in: records a video answer in the browser.
        mail = _mail_to(smtp, app, AMARA, "Jordan Lee's question: your written answer")
        assert ASKED in mail.get_body(preferencelist=("plain",)).get_content()
        amara = open_page()
        amara.goto(server.url + link_in(mail))
        expect(amara.get_by_text(ASKED).first).to_be_visible()
        axe_check(amara)
        amara.get_by_role("link", name=re.compile("^Answer with a recording instead")).click()
        expect(amara.get_by_role("heading", name="Record your answer", level=1)).to_be_visible()
        axe_check(amara)
        amara.get_by_role("button", name="Turn on camera and microphone").click()
        amara.wait_for_function("() => document.querySelector('[data-preview]').videoWidth > 0")
        _record(amara, 3)
        take = amara.locator("[data-take-video]")
        expect(take).to_be_visible()
        expect(amara.locator("[data-status]")).to_contain_text(re.compile(r"Recorded [345] seconds"))
        take.evaluate("v => v.play()")
        amara.wait_for_function("v => v.currentTime > 0.2", arg=take.element_handle())
        amara.get_by_label("Summary or transcript").fill(SUMMARY)
        axe_check(amara)
        amara.get_by_role("button", name="Send my recorded answer").click()
        expect(amara.get_by_role("heading", name="Thank you, Amara", level=1)).to_be_visible()
        expect(amara.get_by_text(SUMMARY)).to_be_visible()
        axe_check(amara)

        # Jordan, from his e-mail: the video plays, knows its length, seeks; its file came in ranges.
        mail = _mail_to(smtp, app, JORDAN, "Amara Okafor recorded an answer to your question")
        jordan.goto(server.url + link_in(mail))
        answered = jordan.locator("article", has_text=ASKED)
        expect(answered.locator("figcaption")).to_contain_text(re.compile(
            r"Video answer by Amara Okafor,\s+0:0[345] long, recorded\s+.+ E[SD]T \(America/New_York\)"))
        expect(answered.get_by_text(SUMMARY)).to_be_visible()
        video = answered.locator("video")
        assert 2.5 < _duration(video) < 6
        _seeks(video)
        assert any(status == 206 and re.fullmatch(r"bytes \d+-\d+/\d+", ranged) for status, ranged in played), played
        # A short file comes whole in its first range; a longer one's seek asks for bytes further on.
        url = video.evaluate("m => m.currentSrc")
        part = jordan.request.get(url, headers={"Range": "bytes=1000-1999"})
        assert (part.status, len(part.body())) == (206, 1000)
        assert re.fullmatch(r"bytes 1000-1999/\d+", part.headers["content-range"])
        axe_check(jordan)

        # Without JavaScript: a private question, answered by uploading a file through the plain form.
        with app.app_context():
            add_question(db.session.get(Candidate, world.jordan), PRIVATE, "direction_finances",
                         directed_to_id=world.amara, private=True)
            db.session.commit()
        mail = _mail_to(smtp, app, AMARA, "Jordan Lee's question: your written answer")
        assert PRIVATE not in mail.get_body(preferencelist=("plain",)).get_content()
        plain = open_page(javascript=False)
        plain.goto(server.url + link_in(mail))
        expect(plain.get_by_text(PRIVATE).first).to_be_visible()
        axe_check(plain, browser)
        plain.get_by_role("link", name=re.compile("^Answer with a recording instead")).click()
        expect(plain.get_by_role("heading", name="Record your answer", level=1)).to_be_visible()
        expect(plain.locator("[data-recorder]")).to_be_hidden()
        axe_check(plain, browser)
        plain.get_by_label("Your recording").set_input_files(CHROMIUM_RECORDINGS["webm video"])
        plain.get_by_label("Summary or transcript").fill(PRIVATE_SUMMARY)
        plain.get_by_role("button", name="Send my recorded answer").click()
        expect(plain.get_by_role("heading", name="Thank you, Amara", level=1)).to_be_visible()
        axe_check(plain, browser)

        mail = _mail_to(smtp, app, JORDAN, "Amara Okafor recorded an answer to your question")
        assert PRIVATE not in mail.get_body(preferencelist=("plain",)).get_content()  # it stays in the portal
        jordan.goto(server.url + link_in(mail))
        private = jordan.locator("article", has_text=PRIVATE)
        expect(private.get_by_text(PRIVATE_SUMMARY)).to_be_visible()
        assert _duration(private.locator("video")) > 0.5
        axe_check(jordan)
        private_urls = [jordan.locator("article", has_text=text).locator("video").evaluate("m => m.currentSrc")
                        for text in (ASKED, PRIVATE)]

        # Amara, signed in: an audio answer to a bank question, for every candidate.
        sign_in_browser(amara.context, app, server.url, AMARA)
        amara.goto(server.url + "/profile/recordings")
        expect(amara.get_by_role("heading", name="Your answers for every candidate (0)")).to_be_visible()
        axe_check(amara)
        amara.get_by_text(re.compile(r"^Culture and people \(\d+\)")).click()
        amara.get_by_role("link", name=f"Record an answer to “{BANK}”").click()
        expect(amara.get_by_role("heading", name="Record an answer for every candidate", level=1)).to_be_visible()
        axe_check(amara)
        amara.get_by_label("Audio only").check()
        amara.get_by_role("button", name="Turn on microphone").click()
        _record(amara, 2)
        expect(amara.locator("[data-take-audio]")).to_be_visible()
        amara.get_by_label("Summary or transcript").fill(BANK_SUMMARY)
        amara.get_by_role("button", name="Save for every candidate").click()
        expect(amara.get_by_role("heading", name="Your answers for every candidate (1)")).to_be_visible()
        expect(amara.locator("#answer-" + next(q.key for q in BANK_QUESTIONS if q.text == BANK)).locator("audio")).to_have_count(1)
        axe_check(amara)

        # Both candidates find it on her profile, and it plays for each.
        sam = open_page(email=SAM)
        for viewer in (jordan, sam):
            viewer.goto(f"{server.url}/people/{world.amara}")
            section = viewer.locator("#recorded-answers")
            expect(section.get_by_role("heading", name="Listen to Amara answer 1 question")).to_be_visible()
            expect(section.get_by_text(BANK_SUMMARY)).to_be_visible()
            assert 1.5 < _duration(section.locator("audio")) < 5
            axe_check(viewer)

        # Jordan's recordings are his: Sam gets 404 for their files, as does the recruiter, who sees only
        # that his questions were answered with a recording.
        for url in private_urls:
            assert sam.request.get(url).status == 404
        riley = open_page(email=RILEY)
        riley.goto(f"{server.url}/recruiter/candidates/{world.jordan}")
        questions = riley.locator("ul.recruiter-questions")
        expect(questions.locator("li", has_text=ASKED)).to_contain_text("answered with a recording by Amara Okafor")
        expect(questions.locator("li", has_text="Private question")).to_contain_text("answered with a recording")
        expect(riley.locator("main")).not_to_contain_text(PRIVATE)
        for secret in (SUMMARY, PRIVATE_SUMMARY):
            expect(riley.locator("body")).not_to_contain_text(secret)
        expect(riley.locator("video, audio")).to_have_count(0)
        for url in private_urls:
            assert riley.request.get(url).status == 404
        axe_check(riley)

        with app.app_context():
            stored = db.session.scalars(sa.select(Recording).order_by(Recording.id)).all()
            assert [(r.has_video, r.bank_key is not None) for r in stored] == [(True, False), (True, False),
                                                                               (False, True)]
        for guard in guards:
            guard.check()
    finally:
        for context in contexts:
            context.close()
