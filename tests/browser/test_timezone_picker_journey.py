"""Journey: Jordan (a candidate in New York) opens their zone from their home page, finds Tokyo by
typing the city, saves, and sees their deadline in Tokyo time; on a device set to India's zone they
are offered it and take it with one press. Without JavaScript: a city typed is understood, a place
that is no zone is refused. Every page checked (axe, Nu, 375 px).

Not frozen (the live server runs on the real clock): what depends on the date (summer time) is
matched loosely, and the zones used here (Tokyo, Kolkata) keep one offset all year.
"""

import os
import re
from datetime import UTC, datetime

import pytest
from browser_helpers import PageGuard, axe_check, move_deadline, record_html, sign_in_browser
from nu import CHECKER
from playwright.sync_api import expect

CANDIDATE = "jordan.lee@example.com"


@pytest.fixture
def demo(demo):
    """The demo company, with Jordan's decision two weeks away (shown on their home, in their zone)."""
    move_deadline(demo.app, CANDIDATE)
    return demo


@pytest.fixture
def page_in_india(browser):
    """A page whose device is set to India's zone (Chromium calls it Asia/Calcutta), JavaScript on,
    guarded like every journey's page (browser_helpers.new_page, with another zone)."""
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Kolkata")
    if os.environ.get("PORTAL_TEST_CLOCK_OFFSET"):
        context.clock.install(time=datetime.now(UTC))
    page = context.new_page()
    page.set_default_timeout(10_000)
    record_html(page)
    CHECKER.start()
    guard = PageGuard(context, page)
    yield page
    guard.check()
    context.close()


def deadline(page, zone_abbreviation: str, zone: str):
    """The home page's decision deadline, written in ``zone``: "… 17:00 JST (Asia/Tokyo)"."""
    return page.get_by_text(re.compile(rf"let us know by \w{{3}} \d+ \w{{3}} \d{{4}}, \d\d:\d\d "
                                       rf"{zone_abbreviation} \({re.escape(zone)}\)"))


def test_a_candidate_finds_their_zone_by_city_and_takes_their_devices_zone(page_in_india, demo):
    page = page_in_india
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/")
    expect(page.get_by_text("Times shown in America/New_York · change your time zone")).to_be_visible()
    expect(deadline(page, "E[SD]T", "America/New_York")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="change your time zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time zone and hours")
    zone = page.get_by_label("Your time zone")
    expect(zone).to_have_value("America/New_York")
    expect(page.get_by_text(re.compile(r"^Now GMT-0[45]:00 · New York, United States$"))).to_be_visible()
    # The device's zone, which Chromium names Asia/Calcutta, offered under the list's name for it.
    offer = page.get_by_role("button", name="Use Asia/Kolkata (your device's zone)")
    expect(offer).to_be_visible()
    axe_check(page)

    # Typing a city finds its zone before anything is sent; saving keeps the zone's name.
    zone.fill("tokyo")
    expect(page.get_by_text("Now GMT+09:00 · Tokyo, Japan (Asia/Tokyo)")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved. We offer you times between 07:00–21:00, Asia/Tokyo "
                            "(GMT+09:00 · Tokyo, Japan).")).to_be_visible()
    expect(zone).to_have_value("Asia/Tokyo")
    axe_check(page)

    page.get_by_role("link", name="Northwind Labs").click()
    expect(deadline(page, "JST", "Asia/Tokyo")).to_be_visible()
    expect(page.get_by_text("Times shown in Asia/Tokyo · change your time zone")).to_be_visible()
    axe_check(page)

    # The device's zone, in one press.
    page.get_by_role("link", name="change your time zone").click()
    offer = page.get_by_role("button", name="Use Asia/Kolkata (your device's zone)")
    offer.click()
    expect(zone).to_have_value("Asia/Kolkata")
    expect(zone).to_be_focused()
    expect(offer).to_be_hidden()  # nothing left to offer
    expect(page.get_by_text(re.compile(r"^Now GMT\+05:30 · Kolkata, India$"))).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved. We offer you times between 07:00–21:00, Asia/Kolkata "
                            "(GMT+05:30 · Kolkata, India).")).to_be_visible()
    expect(zone).to_have_value("Asia/Kolkata")
    expect(page.get_by_role("button", name=re.compile("your device's zone"))).to_have_count(0)
    axe_check(page)
    page.get_by_role("link", name="Northwind Labs").click()
    expect(deadline(page, "IST", "Asia/Kolkata")).to_be_visible()


def test_without_javascript_a_typed_city_is_understood_and_a_non_place_refused(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/settings")
    expect(page.get_by_role("button", name=re.compile("your device's zone"))).to_have_count(0)
    zone = page.get_by_label("Your time zone")
    zone.fill("Atlantis")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Choose a time zone from the list, like Europe/Berlin.")).to_be_visible()
    expect(zone).to_have_value("Atlantis")  # what was typed, to correct
    axe_check(page, no_js_browser=browser)

    zone.fill("Kolkata")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved. We offer you times between 07:00–21:00, Asia/Kolkata "
                            "(GMT+05:30 · Kolkata, India).")).to_be_visible()
    expect(zone).to_have_value("Asia/Kolkata")
    expect(page.get_by_text(re.compile(r"^Now GMT\+05:30 · Kolkata, India$"))).to_be_visible()
    axe_check(page, no_js_browser=browser)
    page.goto(demo.url + "/")
    expect(deadline(page, "IST", "Asia/Kolkata")).to_be_visible()
