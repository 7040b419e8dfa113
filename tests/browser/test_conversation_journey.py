"""Journey: the candidate asks the CEO for a conversation, the recruiter approves it in the queue,
the CEO accepts from the e-mail, both get a calendar invitation, the candidate sees it confirmed,
moves it to another time and cancels it, and both get the change and the cancellation — real SMTP,
axe-core on every page. Without JavaScript, moving it is a page of its own."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from browser_helpers import PageGuard, axe_check, move_deadline, new_page, sign_in_browser
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.forms import parse_slot
from portal.meetings.free_times import bookable_slots
from portal.meetings.models import Meeting
from portal.meetings.states import confirm, new_uid
from portal.timeutil import utcnow

CANDIDATE, CEO, RECRUITER = "jordan.lee@example.com", "amara.okafor@northwind.example", "riley.morgan@northwind.example"


def parse_ics(data: bytes) -> list[dict]:
    """A deliberately independent RFC 5545 reader: unfold lines, then one dict per component."""
    text = data.decode().replace("\r\n ", "").replace("\r\n\t", "")
    components, stack = [], []
    for line in text.split("\r\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        key, *_params = name.split(";")
        if key == "BEGIN":
            stack.append({"_type": value, "ATTENDEE": []})
        elif key == "END":
            components.append(stack.pop())
        elif key == "ATTENDEE":
            stack[-1]["ATTENDEE"].append(value.lower())
        else:
            stack[-1][key] = value
    return components


def calendar_of(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    components = parse_ics(part.get_payload(decode=True))
    calendar = next(c for c in components if c["_type"] == "VCALENDAR")
    event = next(c for c in components if c["_type"] == "VEVENT")
    return calendar, event


def mails(server, smtp, address, subject_start):
    deliver_mail(server.app)
    return [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject_start)]


@pytest.fixture
def demo(demo):
    """The demo company, with Jordan's decision two weeks away: a time beyond the cut-off is
    offered whatever day and hour this runs."""
    move_deadline(demo.app, CANDIDATE)
    return demo


def test_conversation_journey(page, browser, demo, smtp):
    # 1. The candidate asks the CEO for a conversation.
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/people")
    page.get_by_role("link", name="Amara Okafor").click()
    page.get_by_role("button", name=re.compile("Request a conversation")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara")
    axe_check(page)
    # The first time far enough ahead to cancel later: changes close MEETING_CHANGE_CUTOFF_HOURS (12)
    # before the start, and the journey cancels it at the end.
    cutoff = timedelta(hours=demo.app.config["MEETING_CHANGE_CUTOFF_HOURS"])
    values = page.locator("input[name=slots]").evaluate_all("inputs => inputs.map(i => i.value)")
    later = [v for v in values if parse_slot(v) > utcnow() + cutoff + timedelta(hours=1)]
    assert later, f"no offered time leaves room for the {cutoff} cut-off: {values}"
    page.locator(f"input[name=slots][value='{later[0]}']").check()
    page.locator("input[name=questions]").first.check()
    page.get_by_label("A note for them (optional)").fill("I'd love to hear how you think about the next two years.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text(re.compile("waiting for approval", re.IGNORECASE)).first).to_be_visible()
    axe_check(page)

    # 2. The recruiter approves it in the queue (told by e-mail).
    assert mails(demo, smtp, RECRUITER, "Approval needed: Jordan Lee would like to talk to Amara Okafor")
    context, recruiter = new_page(browser, javascript=True)
    guard = PageGuard(context, recruiter)
    try:
        sign_in_browser(context, demo.app, demo.url, RECRUITER)
        recruiter.goto(demo.url + "/recruiter/requests")
        axe_check(recruiter)
        recruiter.get_by_role("button", name=re.compile("^Approve")).click()
        expect(recruiter.get_by_text(re.compile("No requests are waiting|approved", re.IGNORECASE)).first).to_be_visible()
        axe_check(recruiter)
        guard.check()
    finally:
        context.close()

    # 3. The CEO accepts from the e-mail; GET pages are only confirmations.
    (invitation,) = mails(demo, smtp, CEO, "Jordan Lee would like to talk to you")
    text = invitation.get_body(preferencelist=("plain",)).get_content()
    accept = re.search(r"https?://[^/\s]+(/invite/\S+)", text).group(1)
    context, ceo = new_page(browser, javascript=True)
    guard = PageGuard(context, ceo)
    try:
        ceo.goto(demo.url + accept)
        ceo.goto(demo.url + accept)  # a link scanner would do this too
        axe_check(ceo)
        ceo.get_by_role("radio").first.check()
        ceo.get_by_role("button", name="Accept this time").click()
        expect(ceo.get_by_role("heading", level=1)).to_contain_text("You're meeting Jordan Lee")
        axe_check(ceo)
        ceo.goto(demo.url + accept)  # used link explains itself
        expect(ceo.get_by_role("heading", level=1)).not_to_contain_text("Accept")
        guard.check()
    finally:
        context.close()

    # 4. Both sides get a confirmation with a calendar invitation.
    (to_candidate,) = mails(demo, smtp, CANDIDATE, "Confirmed: Amara Okafor")
    (to_ceo,) = mails(demo, smtp, CEO, "Confirmed: Jordan Lee")
    calendar, event = calendar_of(to_candidate)
    assert calendar["METHOD"] == "REQUEST"
    uid, sequence = event["UID"], int(event["SEQUENCE"])
    assert event["DTSTART"].endswith("Z") and event["DTEND"].endswith("Z")
    start = datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert start == parse_slot(later[0])
    assert {f"mailto:{CANDIDATE}", f"mailto:{CEO}"} <= set(event["ATTENDEE"])
    assert calendar_of(to_ceo)[1]["UID"] == uid

    # 5. The candidate sees it confirmed, moves it to another time (the choices come in place, focus on
    # them), then cancels it.
    page.goto(demo.url + "/meetings")
    expect(page.get_by_text(re.compile("confirmed", re.IGNORECASE)).first).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile("Amara Okafor")).first.click()
    expect(page.get_by_label("New time")).to_have_count(0)  # worked out only when asked for
    axe_check(page)
    url = page.url
    page.get_by_role("button", name="Move to another time").click()
    choices = page.get_by_label("New time")
    expect(choices).to_be_focused()
    assert page.url == url  # in place: still the conversation page
    axe_check(page)
    # The last time offered: the furthest, so the conversation can still be cancelled after the move.
    moved_to = choices.locator("option").last.get_attribute("value")
    choices.select_option(moved_to)
    page.get_by_role("button", name="Move to this time").click()
    expect(page.locator("#meeting").get_by_role("status")).to_have_text(
        "Moved. Both of you get the new time and an updated calendar entry.")
    expect(page.get_by_role("button", name="Move to another time")).to_be_visible()
    axe_check(page)
    (change,) = mails(demo, smtp, CEO, "New time: Jordan Lee")
    changed = calendar_of(change)[1]
    assert changed["UID"] == uid and int(changed["SEQUENCE"]) > sequence
    assert datetime.strptime(changed["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == parse_slot(moved_to)
    sequence = int(changed["SEQUENCE"])
    page.get_by_label("Why are you cancelling?").fill("I accepted another offer's timeline; sorry!")
    page.get_by_role("button", name="Cancel the conversation").click()
    expect(page.get_by_text(re.compile("cancelled", re.IGNORECASE)).first).to_be_visible()
    axe_check(page)

    # 6. Both get METHOD:CANCEL with the same UID and a higher SEQUENCE.
    for address in (CANDIDATE, CEO):
        (cancellation,) = mails(demo, smtp, address, "Cancelled")
        calendar, event = calendar_of(cancellation)
        assert calendar["METHOD"] == "CANCEL"
        assert event["UID"] == uid and int(event["SEQUENCE"]) > sequence


def test_moving_without_javascript_is_a_page_of_its_own(page_without_js, browser, demo, smtp):
    """The "Move to another time" link leads to a whole page with the times and the form; moving
    from it comes back to the conversation, at its new time."""
    page = page_without_js
    with demo.app.app_context():
        jordan, tom = (db.session.scalar(sa.select(User).where(User.email == email))
                       for email in (CANDIDATE, "tom.becker@northwind.example"))
        cutoff = timedelta(hours=demo.app.config["MEETING_CHANGE_CUTOFF_HOURS"])
        slot = next(s for s in bookable_slots(jordan.candidacy, tom.profile, 30, utcnow())
                    if s.start > utcnow() + cutoff + timedelta(hours=2))
        meeting = Meeting(candidate_id=jordan.candidacy.id, staff_id=tom.id, format="video", length_minutes=30,
                          status="invited", uid=new_uid("portal.test"))
        db.session.add(meeting)
        db.session.flush()
        confirm(meeting, slot.start, actor=tom)
        db.session.commit()
        meeting_id = meeting.id
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(f"{demo.url}/meetings/{meeting_id}")
    expect(page.get_by_label("New time")).to_have_count(0)
    page.get_by_role("button", name="Move to another time").click()
    expect(page).to_have_url(f"{demo.url}/meetings/{meeting_id}/move#move")
    expect(page).to_have_title(re.compile("^Move the conversation with Tom Becker"))
    axe_check(page, no_js_browser=browser)
    choices = page.get_by_label("New time")
    moved_to = choices.locator("option").last.get_attribute("value")
    choices.select_option(moved_to)
    page.get_by_role("button", name="Move to this time").click()
    expect(page).to_have_url(f"{demo.url}/meetings/{meeting_id}")
    expect(page.get_by_text("Moved. Both of you get the new time and an updated calendar entry.")).to_be_visible()
    axe_check(page, no_js_browser=browser)
    with demo.app.app_context():
        assert db.session.get(Meeting, meeting_id).start_at == parse_slot(moved_to)
    # The way back: the move page's link returns to the conversation as it was.
    page.get_by_role("button", name="Move to another time").click()
    page.get_by_role("button", name="Keep the current time").click()
    expect(page).to_have_url(f"{demo.url}/meetings/{meeting_id}#move")
    expect(page.get_by_label("New time")).to_have_count(0)
