"""The question bank in a real browser: one form whose Add buttons each send their question's key.
With JavaScript each button is its own request, so two quick clicks add two questions; without it,
a click posts the form and comes back to the bank with the category open."""

from __future__ import annotations

import re

from browser_helpers import axe_check, sign_in_browser
from playwright.sync_api import expect

CANDIDATE = "jordan.lee@example.com"
ADD = re.compile("^Add")


def _culture(page):
    return page.locator("#bank-culture_people")


def _added(page) -> int:
    """How many of the category's questions are on the candidate's list ("n of 9 added")."""
    return int(re.match(r"(\d+) of 9 added", _culture(page).locator(".count").inner_text()).group(1))


def test_two_quick_clicks_add_two_questions(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/questions")
    culture = _culture(page)
    culture.locator("summary").click()
    before = _added(page)
    buttons = culture.get_by_role("button", name=ADD)
    first, second = buttons.nth(0), buttons.nth(1)
    wanted = [first.get_attribute("value"), second.get_attribute("value")]
    # Both clicks in one go: the second while the first request is still on its way.
    page.evaluate("([a, b]) => { a.click(); b.click(); }", [first.element_handle(), second.element_handle()])
    expect(page.get_by_role("status")).to_have_text(re.compile("Added to your questions."))
    expect(page).to_have_url(re.compile(r"/questions$"))  # swapped in place
    page.reload()
    culture = _culture(page)
    expect(culture.locator(".count")).to_have_text(f"{before + 2} of 9 added")
    for key in wanted:
        expect(page.locator(f'#bank button[value="{key}"]')).to_have_count(0)  # both added: no Add left
    axe_check(page)


def test_adding_without_javascript_comes_back_to_the_open_category(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/questions")
    culture = _culture(page)
    culture.locator("summary").click()
    before = _added(page)
    culture.get_by_role("button", name=ADD).first.click()
    expect(page).to_have_url(re.compile(r"/questions\?open=culture_people#bank$"))
    expect(page.get_by_text("Added to your questions.")).to_be_visible()
    expect(_culture(page).locator(".count")).to_have_text(f"{before + 1} of 9 added")
    expect(_culture(page).get_by_text("Added", exact=True)).to_have_count(before + 1)
    axe_check(page, browser)
