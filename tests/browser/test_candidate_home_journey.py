"""Journey: Jordan (New York) opens their home page and sees what is ahead: a confirmed conversation
with Tom (Berlin) at its time in both zones, each named, and a request to Amara waiting for approval;
each links to the conversation. Checked with JavaScript and without, at desktop and phone widths.

Times are set relative to the real clock with room (three days ahead), so the journey reads the
same whatever day and hour it runs. With SHOTS_DIR set, it saves the home page at 1280 and
375 px there."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from browser_helpers import axe_check, move_deadline, sign_in_browser, shoot
from factories import make_meeting
from playwright.sync_api import expect

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.timeutil import format_datetime, utcnow

CANDIDATE = "jordan.lee@example.com"


@pytest.fixture
def ahead(demo):
    """Jordan's confirmed video call with Tom three days from now, and a request to Amara waiting for
    the recruiter: (confirmed id, pending id, Jordan's time, Tom's time) as the page writes them."""
    move_deadline(demo.app, CANDIDATE)
    with demo.app.app_context():
        def user(email):
            return db.session.scalar(sa.select(User).where(User.email == email))

        jordan = db.session.scalar(sa.select(Candidate).join(Candidate.user).where(User.email == CANDIDATE))
        tom, amara = user("tom.becker@northwind.example"), user("amara.okafor@northwind.example")
        start = (utcnow() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
        confirmed = make_meeting(jordan, tom, "confirmed", start=start, history=False)
        pending = make_meeting(jordan, amara, "needs_approval", slots=[start + timedelta(days=1)], history=False)
        db.session.commit()
        return (confirmed.id, pending.id, format_datetime(start, jordan.user.timezone),
                format_datetime(start, tom.timezone))


def test_the_candidate_sees_what_is_ahead_and_opens_it(page, demo, ahead):
    confirmed, pending, jordans_time, toms_time = ahead
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/")
    box = page.locator("#home-conversations")
    coming = box.get_by_role("region", name=re.compile("Coming up"))
    expect(coming).to_contain_text("Tom Becker")
    expect(coming).to_contain_text(f"{jordans_time}, 30 minutes")
    expect(coming).to_contain_text(f"{toms_time} for Tom")
    assert "(America/New_York)" in jordans_time and "(Europe/Berlin)" in toms_time
    waiting = box.get_by_role("region", name=re.compile("Waiting for an answer"))
    expect(waiting).to_contain_text("Amara Okafor")
    expect(waiting).to_contain_text("Waiting for approval")
    expect(box).not_to_contain_text("No conversations yet")
    axe_check(page)
    shoot(page, "candidate-home")

    coming.get_by_role("link", name="Tom Becker").click()
    expect(page).to_have_url(f"{demo.url}/meetings/{confirmed}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation with Tom Becker")
    axe_check(page)

    page.go_back()
    waiting = page.locator("#home-conversations").get_by_role("region", name=re.compile("Waiting for an answer"))
    waiting.get_by_role("link", name="Amara Okafor").click()
    expect(page).to_have_url(f"{demo.url}/meetings/{pending}")
    axe_check(page)

    page.goto(demo.url + "/")
    page.locator("#home-conversations").get_by_role("link", name="All your conversations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversations")


def test_without_javascript_the_home_shows_the_same(page_without_js, browser, demo, ahead):
    page = page_without_js
    _, _, jordans_time, toms_time = ahead
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/")
    box = page.locator("#home-conversations")
    expect(box).to_contain_text(jordans_time)
    expect(box).to_contain_text(f"{toms_time} for Tom")
    expect(box).to_contain_text("Waiting for approval")
    axe_check(page, browser)
