"""Journeys: a conversation that doesn't happen leads somewhere.

1. Tom declines Jordan's request from the e-mailed link → Jordan's mail suggests others who can
   answer the same question and are free → Jordan follows one (without JavaScript) → the request
   form has the question already chosen → Jordan sends it → that person is invited by e-mail.
2. A confirmed conversation whose start has passed: Kwame reports from his manage link that Jordan
   didn't come → Jordan gets the kind mail → rebooks Kwame in one click from the conversation page →
   Kwame is invited again.

Times are relative to now (Jordan's deadline two weeks away), real SMTP, axe-core, the Nu checker and
375 px on every page. With SHOTS_DIR set, the candidate's conversation page is saved at 1280 and 375 px.
"""

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, move_deadline, new_page, sign_in_browser, shoot
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting, ProposedSlot
from portal.meetings.free_times import bookable_slots
from portal.meetings.requests import RequestData, create_request
from portal.meetings.states import confirm, new_uid, transition
from portal.people.models import StaffProfile
from portal.questions.models import Question
from portal.timeutil import utcnow

CANDIDATE, TOM, KWAME = "jordan.lee@example.com", "tom.becker@northwind.example", "kwame.mensah@northwind.example"
PROMOTIONS = "How are promotions decided for senior engineers?"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mails(server, smtp, address, subject_start):
    deliver_mail(server.app)
    return [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject_start)]


def test_a_decline_suggests_others_one_click_from_a_new_request(browser, page_without_js, demo, smtp):
    move_deadline(demo.app, CANDIDATE)
    with demo.app.app_context():
        jordan, tom = _user(CANDIDATE), _user(TOM)
        question = db.session.scalar(sa.select(Question).where(Question.text == PROMOTIONS))
        (slot, *_) = bookable_slots(jordan.candidacy, tom.profile, 30, utcnow())
        meeting = create_request(jordan.candidacy, tom.profile, RequestData(slots=[slot.start],
                                 question_ids=[question.id]), utcnow())
        meeting_id, question_id, tom_id = meeting.id, question.id, tom.id
        db.session.commit()

    # 1. Tom declines from the e-mail.
    (invitation,) = mails(demo, smtp, TOM, "Jordan Lee would like to talk to you")
    decline = re.findall(r"https?://[^/\s]+(/invite/\S+)", text_of(invitation))[1]
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(demo.url + decline)
        expect(person.get_by_role("heading", level=1)).to_contain_text("Decline Jordan Lee's request")
        axe_check(person)
        person.locator("textarea").first.fill("I'm on leave for the next three weeks, sorry.")
        person.get_by_role("button", name="Decline the request").click()
        expect(person.get_by_role("heading", level=1)).to_be_visible()
        axe_check(person)
        guard.check()
    finally:
        context.close()

    # 2. Jordan's mail suggests others for the same question, each one click from a request.
    (declined,) = mails(demo, smtp, CANDIDATE, "Tom Becker can't take your request")
    body = text_of(declined)
    links = re.findall(r"https?://[^/\s]+(/people/(\d+)/request\?\S+)", body)
    assert 1 <= len(links) <= 3, body
    assert all(f"q={question_id}" in link and "format=video" in link for link, _ in links)
    with demo.app.app_context():
        needs_approval = {p.user_id: p.needs_approval for p in db.session.scalars(sa.select(StaffProfile))}
        names = {u.id: u for u in db.session.scalars(sa.select(User))}
    link, chosen = next((link, int(i)) for link, i in links if not needs_approval[int(i)])  # goes straight to them
    assert chosen != tom_id

    # 3. Without JavaScript: the conversation page lists them too; the link opens the prefilled form.
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(f"{demo.url}/meetings/{meeting_id}")
    section = page.locator("#alternatives")
    expect(section.get_by_role("heading", level=2)).to_have_text("Others who can answer the same questions")
    expect(section.get_by_role("link", name=f"Ask {names[chosen].name}")).to_be_visible()
    axe_check(page, no_js_browser=browser)
    shoot(page, "conversation-after-decline")
    page.goto(demo.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Talk to {names[chosen].name}")
    expect(page.get_by_label(PROMOTIONS)).to_be_checked()
    axe_check(page, no_js_browser=browser)
    page.locator("input[name=slots]").first.check()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Conversation with {names[chosen].name}")
    axe_check(page, no_js_browser=browser)

    # 4. That person is invited by e-mail, with the question on the agenda.
    (invited,) = mails(demo, smtp, names[chosen].email, "Jordan Lee would like to talk to you")
    assert PROMOTIONS in text_of(invited)
    with demo.app.app_context():
        new = db.session.scalar(sa.select(Meeting).where(Meeting.staff_id == chosen, Meeting.id > meeting_id)
                                .order_by(Meeting.id.desc()).limit(1))
        assert (new.status, new.candidate.user.email) == ("invited", CANDIDATE)


def test_a_no_show_tells_the_candidate_kindly_and_rebooks_in_one_click(browser, page, demo, smtp):
    move_deadline(demo.app, CANDIDATE)
    with demo.app.app_context():
        jordan, kwame = _user(CANDIDATE), _user(KWAME)
        question = db.session.scalar(sa.select(Question).where(Question.text == PROMOTIONS))
        start = (utcnow() - timedelta(minutes=40)).replace(second=0, microsecond=0)  # it has started
        meeting = Meeting(candidate_id=jordan.candidacy.id, staff_id=kwame.id, status="requested",
                          uid=new_uid("portal.test"), length_minutes=30)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=start, end_at=start + timedelta(minutes=30)))
        db.session.execute(sa.text("INSERT INTO meeting_question (meeting_id, question_id) VALUES (:m, :q)"),
                           {"m": meeting.id, "q": question.id})
        transition(meeting, "invited")
        confirm(meeting, start, actor=kwame)
        notify.meeting_confirmed(meeting, kwame)
        meeting_id, kwame_id, question_id = meeting.id, kwame.id, question.id
        db.session.commit()

    # 1. Kwame reports from the manage link his confirmation brought that Jordan didn't come.
    (confirmation,) = mails(demo, smtp, KWAME, "Confirmed")
    manage = re.search(r"https?://[^/\s]+(/invite/manage/\S+)", text_of(confirmation)).group(1)
    context, person = new_page(browser, javascript=True)
    guard = PageGuard(context, person)
    try:
        person.goto(demo.url + manage)
        axe_check(person)
        person.get_by_role("button", name="The candidate didn't come").click()
        expect(person.get_by_role("status")).to_contain_text("Thanks for telling us")
        axe_check(person)
        guard.check()
    finally:
        context.close()

    # 2. Jordan gets the kind mail with a one-click rebook; the recruiter hears it too.
    (kind,) = mails(demo, smtp, CANDIDATE, "Missed your conversation with Kwame Mensah? Book another time")
    body = " ".join(text_of(kind).split())
    assert "Kwame let us know you couldn't make it" in body and "No problem" in body
    assert re.search(rf"/people/{kwame_id}/request\?format=video&length=30&q={question_id}", body)
    assert mails(demo, smtp, "riley.morgan@northwind.example", "No-show: Jordan Lee and Kwame Mensah")

    # 3. The conversation page offers the same, and the rebook is one click from the prefilled form.
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(f"{demo.url}/meetings/{meeting_id}")
    rebook = page.locator("#rebook")
    expect(rebook.get_by_role("heading", level=2)).to_have_text("Couldn't make it? No problem")
    expect(page.locator("#alternatives")).to_be_visible()
    axe_check(page)
    shoot(page, "conversation-after-no-show")
    rebook.get_by_role("link", name="Book another time with Kwame").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Talk to Kwame Mensah")
    expect(page.get_by_label(PROMOTIONS)).to_be_checked()
    axe_check(page)
    page.locator("input[name=slots]").first.check()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation with Kwame Mensah")
    axe_check(page)
    (again,) = mails(demo, smtp, KWAME, "Jordan Lee would like to talk to you")
    assert PROMOTIONS in text_of(again)
