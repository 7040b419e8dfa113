"""Journey: the header on a phone. Every page checked by the journeys fits 375 px (axe_check measures
it); here, the header's navigation folds behind one "Menu" button that opens without JavaScript,
is reached in order from the keyboard, and leads everywhere the desktop header does."""

import pytest
from browser_helpers import PHONE, PageGuard, axe_check, new_page, sign_in_browser
from playwright.sync_api import expect

RECRUITER = "riley.morgan@northwind.example"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_menu_on_a_phone(browser, demo, javascript):
    context, page = new_page(browser, javascript=javascript)
    guard = PageGuard(context, page) if javascript else None
    try:
        sign_in_browser(context, demo.app, demo.url, RECRUITER)
        page.set_viewport_size(PHONE)
        page.goto(demo.url + "/")
        nav = page.get_by_role("navigation", name="Main")
        menu = nav.locator("summary", has_text="Menu")
        expect(menu).to_be_visible()
        expect(nav.get_by_role("link", name="Analytics")).to_be_hidden()

        # From the keyboard: the skip link, the company's name, then the menu; Enter opens it and
        # the next Tab lands on its first link.
        for _ in range(3):
            page.keyboard.press("Tab")
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        expect(nav.get_by_role("link", name="Analytics")).to_be_visible()
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Home")).to_be_focused()
        axe_check(page, no_js_browser=None if javascript else browser)  # the open menu, at 375 px

        nav.get_by_role("link", name="Analytics").click()
        expect(page.get_by_role("heading", name="Offer acceptance", level=1)).to_be_visible()
        axe_check(page, no_js_browser=None if javascript else browser)

        # A desktop window shows the same list as a row, without the button.
        page.set_viewport_size({"width": 1280, "height": 800})
        expect(menu).to_be_hidden()
        expect(nav.get_by_role("link", name="Manage people")).to_be_visible()
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        if guard:
            guard.check()
    finally:
        context.close()
