"""Journey: a candidate in New York asks the CEO in London for a conversation and is offered only
times in their own day; they ask to see every time (early ones marked), change their hours, and
see the earlier times offered — with JavaScript and without, checked on every page."""

import re

import pytest
from browser_helpers import axe_check, move_deadline, sign_in_browser
from playwright.sync_api import expect

CANDIDATE = "jordan.lee@example.com"


@pytest.fixture
def demo(demo):
    """The demo company, with Jordan's decision two weeks away: every weekday's times lie ahead."""
    move_deadline(demo.app, CANDIDATE)
    return demo


def saved(hours: str) -> re.Pattern:
    """The message after saving: the hours, and the zone with its offset today (summer time or not)."""
    return re.compile(rf"Saved\. We offer you times between {hours}, America/New_York "
                      r"\(GMT-0[45]:00 · New York, United States\)\.")


def new_york_hours(page) -> list[str]:
    """The offered times as the candidate reads them (New York), e.g. "09:00"."""
    return [label.split("–")[0].strip() for label in page.locator("label:has(input[name=slots])").all_inner_texts()]


def open_request(page, demo):
    page.goto(demo.url + "/people")
    page.get_by_role("link", name="Amara Okafor").click()
    page.get_by_role("button", name=re.compile("Request a conversation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Talk to Amara Okafor")


def test_times_suit_the_candidates_day_and_they_can_change_it(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    open_request(page, demo)
    # Amara's Wednesday 08:00–09:00 London is 03:00–04:00 in New York: left out, and the page says so.
    starts = new_york_hours(page)
    assert starts and all("07:00" <= s < "21:00" for s in starts), starts
    expect(page.get_by_text(re.compile(r"Only times within your hours, 07:00–21:00 \(\d+ more outside them"))).to_be_visible()
    axe_check(page)

    # Every time, with the early ones marked.
    page.get_by_role("link", name="show all times").click()
    expect(page.get_by_text("early for you").first).to_be_visible()
    assert any(s < "07:00" for s in new_york_hours(page))
    axe_check(page)

    # Earlier hours: from 03:00 the Wednesday times (03:00 or 04:00 in New York, as the two
    # cities' summer times start on different days) are within Jordan's day, unmarked.
    page.get_by_role("link", name="Change your hours").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time zone and hours")
    axe_check(page)
    page.get_by_label("From").fill("03:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(saved("03:00–21:00"))).to_be_visible()
    axe_check(page)
    open_request(page, demo)
    starts = new_york_hours(page)
    assert any(s < "07:00" for s in starts) and "early for you" not in page.content()


def test_hours_are_changed_and_refused_without_javascript(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/settings")
    page.get_by_label("Until").fill("07:00")  # the same as the start: refused, nothing saved
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Choose two different times")).to_be_visible()
    axe_check(page, no_js_browser=browser)
    page.get_by_label("From").fill("18:00")
    page.get_by_label("Until").fill("02:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(saved("18:00–02:00"))).to_be_visible()
    axe_check(page, no_js_browser=browser)
