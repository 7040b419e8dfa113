"""Journey: Tom (Berlin) lost the invitation e-mail. He signs in, finds the request of a new candidate,
Casey (Tokyo), under "Waiting for you" on his home page, accepts it from there (the same page the mail
links to), and finds it under "Coming up" at its time in his zone and Casey's, each named, with a way
to move or cancel it; Casey gets the confirmation by mail. Then, with JavaScript off, he declines
another request from his home. axe-core, the HTML checker and 375 px on every page.

With SHOTS_DIR set, the home page is saved there at 1280 and 375 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from browser_helpers import axe_check, sign_in_browser, shoot
from factories import make_candidate, make_meeting
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.timeutil import format_datetime, utcnow

TOM = "tom.becker@northwind.example"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def invited(demo):
    """Casey's request to Tom (two times, five and six days ahead), mailed as the app does: (meeting id,
    Tom's time, Casey's time) of the first one."""
    with demo.app.app_context():
        riley, tom = _user("riley.morgan@northwind.example"), _user(TOM)
        casey = make_candidate(owner=riley, name="Casey Wu", email="casey.wu@example.com", timezone="Asia/Tokyo",
                               deadline_days=14)
        start = (utcnow() + timedelta(days=5)).replace(hour=7, minute=0, second=0, microsecond=0)
        meeting = make_meeting(casey, tom, "invited", slots=[start, start + timedelta(days=1)],
                               note="I'd love to hear about the event pipeline.", actor=casey.user)
        notify.request_created(meeting, by=casey.user)
        db.session.commit()
        return meeting.id, format_datetime(start, tom.timezone), format_datetime(start, "Asia/Tokyo")


def test_the_person_answers_an_invitation_from_home(page, demo, invited, smtp):
    meeting_id, toms_time, caseys_time = invited
    sign_in_browser(page.context, demo.app, demo.url, TOM)
    page.goto(demo.url + "/")
    waiting = page.get_by_role("region", name=re.compile("^Waiting for you"))
    card = waiting.locator(f"#invitation-{meeting_id}")
    expect(card).to_contain_text("Casey Wu would like to talk to you")
    expect(card).to_contain_text("Answer by")
    axe_check(page)
    shoot(page, "staff-home")

    card.get_by_role("button", name="Accept and choose a time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept Casey Wu's request?")
    assert "/invite/" in page.url
    axe_check(page)
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Accept this time").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    with demo.app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "confirmed"

    page.goto(demo.url + "/")
    coming = page.locator(f"#upcoming-{meeting_id}")
    expect(coming).to_contain_text(toms_time)
    expect(coming).to_contain_text(f"{caseys_time} for Casey")
    assert "(Europe/Berlin)" in toms_time and "(Asia/Tokyo)" in caseys_time
    expect(page.locator(f"#invitation-{meeting_id}")).to_have_count(0)
    axe_check(page)
    shoot(page, "staff-home-after")
    coming.get_by_role("button", name="Move or cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your conversation with Casey Wu")
    axe_check(page)

    deliver_mail(demo.app)
    subjects = [" ".join(str(m["Subject"]).split()) for m in smtp.messages_to("casey.wu@example.com")]
    assert any(s.startswith("Confirmed") for s in subjects), subjects


def test_without_javascript_the_person_declines_from_home(page_without_js, browser, demo, invited):
    page = page_without_js
    meeting_id = invited[0]
    sign_in_browser(page.context, demo.app, demo.url, TOM)
    page.goto(demo.url + "/")
    axe_check(page, browser)
    page.locator(f"#invitation-{meeting_id}").get_by_role("button", name="Decline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decline Casey Wu's request?")
    axe_check(page, browser)
    page.get_by_label("Reason (optional)").fill("Travelling all week, sorry.")
    page.get_by_role("button", name="Decline the request").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    with demo.app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "declined"
    page.goto(demo.url + "/")
    expect(page.locator(f"#invitation-{meeting_id}")).to_have_count(0)
