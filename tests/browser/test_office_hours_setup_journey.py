"""Journey: Tom (Berlin, demo company) sets his office hours up. From his home he opens "Set up your
office hours", adds Sundays 20:00–21:00 (the section swaps in place), makes a link to the first
window for one position's candidates (shown once, in a read-only labelled box), revokes it, goes
live now and lands on his live page, and finds "Open your live page" back on his office hours page.
Riley (recruiter) reaches Tom's office hours from his edit page. Jordan opens a link whose deadline
has passed: the page says when it stopped, in Jordan's zone, and offers Tom's profile. With
JavaScript off, Tom adds another weekly time. axe-core, the HTML checker and 375 px on every page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import axe_check, sign_in_browser
from playwright.sync_api import expect

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.office_hours import links, windows
from portal.office_hours.models import HoursLink
from portal.timeutil import format_datetime, utcnow

TOM = "tom.becker@northwind.example"
RILEY = "riley.morgan@northwind.example"
JORDAN = "jordan.lee@example.com"


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_the_person_sets_office_hours_up_and_shares_a_window(page, demo, browser):
    sign_in_browser(page.context, demo.app, demo.url, TOM)
    page.goto(demo.url + "/")
    hours = page.get_by_role("region", name="Office hours")
    expect(hours.get_by_role("button", name="Go live now for 30 minutes")).to_be_visible()
    hours.get_by_role("link", name="Set up your office hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your office hours")
    axe_check(page)

    form = page.get_by_role("group", name="Add weekly office hours")
    form.get_by_label("Day").select_option(label="Sunday")
    form.get_by_label("From").fill("20:00")
    form.get_by_label("Until").fill("21:00")
    expect(form.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Add office hours").click()
    expect(page.locator("#hours")).to_contain_text("Office hours added: Sundays 20:00–21:00 (Europe/Berlin).")
    expect(page.locator("#series")).to_contain_text("Sundays")
    axe_check(page)

    share = page.get_by_role("group", name="Make a link")
    share.get_by_label("Who can use it").select_option(index=0)
    page.get_by_role("button", name="Make a link").click()
    box = page.get_by_label(re.compile("^Link for "))
    expect(box).to_have_attribute("readonly", "")
    url = box.input_value()
    assert "/office-hours/join/" in url
    axe_check(page)
    page.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator("#hours")).to_contain_text("was revoked")
    expect(page.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)
    axe_check(page)

    live = page.get_by_role("region", name="Go live now")
    live.get_by_label("For how long").select_option(label="15 minutes")
    live.get_by_role("button", name="Go live now").click()
    page.wait_for_url(re.compile(r"/office-hours/host/"))
    page.goto(demo.url + "/office-hours/mine")
    expect(page.get_by_role("button", name="Open your live page")).to_be_visible()
    axe_check(page)


def test_a_recruiter_finds_a_persons_office_hours_from_their_page(page, demo):
    with demo.app.app_context():
        tom_id = _user(TOM).id
    sign_in_browser(page.context, demo.app, demo.url, RILEY)
    page.goto(f"{demo.url}/recruiter/people/{tom_id}/edit")
    page.get_by_role("link", name="Tom's office hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tom Becker's office hours")
    axe_check(page)


def test_a_link_past_its_deadline_says_when_it_stopped(page, demo):
    with demo.app.app_context():
        tom, riley, jordan = _user(TOM), _user(RILEY), _user(JORDAN)
        start = (utcnow() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
        windows.add_series(tom, windows.SeriesData(weekday=start.weekday(), start_time=start.time(),
                                                   end_time=(start + timedelta(hours=1)).time(), zone="UTC"),
                           utcnow(), riley)
        window = windows.upcoming(utcnow(), tom.id, days=7)[0]
        candidate = db.session.scalar(sa.select(Candidate).where(Candidate.user_id == jordan.id))
        made = utcnow() - timedelta(hours=2)  # made earlier, for an hour: over now
        raw, _ = links.create_link(window, links.Audience(candidate=candidate), made, riley,
                                   deadline=made + timedelta(hours=1))
        db.session.commit()
        stopped = format_datetime(made + timedelta(hours=1), jordan.timezone)
        assert db.session.scalar(sa.select(HoursLink.token_hash)) != raw
    sign_in_browser(page.context, demo.app, demo.url, JORDAN)
    page.goto(f"{demo.url}/office-hours/join/{raw}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"This link stopped working at {stopped}")
    expect(page.get_by_role("button", name="See Tom's profile")).to_be_visible()
    axe_check(page)


def test_without_javascript_the_form_still_adds_office_hours(page_without_js, demo, browser):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, TOM)
    page.goto(demo.url + "/office-hours/mine")
    form = page.get_by_role("group", name="Add weekly office hours")
    form.get_by_label("Day").select_option(label="Saturday")
    form.get_by_label("From").fill("10:00")
    form.get_by_label("Until").fill("09:00")
    page.get_by_role("button", name="Add office hours").click()
    expect(page.locator("#end_time-error")).to_have_text("The end must be after the start.")
    axe_check(page, no_js_browser=browser)
    page.get_by_role("group", name="Add weekly office hours").get_by_label("Until").fill("11:00")
    page.get_by_role("button", name="Add office hours").click()
    expect(page.get_by_role("status").first).to_contain_text("Office hours added: Saturdays 10:00–11:00")
    axe_check(page, no_js_browser=browser)
