"""Journey: a candidate finds the CEO, their future team and an investor in under three
interactions, with JavaScript on and off; people keep their own availability; recruiters manage."""

import re

from browser_helpers import axe_check, sign_in_browser
from playwright.sync_api import expect

CANDIDATE = "jordan.lee@example.com"


def test_candidate_finds_ceo_team_and_investor_with_javascript(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/people")
    axe_check(page)

    # The CEO: first in Leadership — one click.
    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", name="Amara Okafor", level=1)).to_be_visible()
    expect(page.get_by_text("Chief Executive Officer")).to_be_visible()
    expect(page.get_by_text(re.compile(r"in your time zone \(America/New_York\)"))).to_be_visible()
    axe_check(page)

    # Active search: typing swaps only the results and keeps the URL in step.
    page.goto(demo.url + "/people")
    with page.expect_response(lambda r: "q=ceo" in r.url) as response_info:
        page.get_by_label("Search people").fill("ceo")
    fragment = response_info.value
    assert fragment.request.headers.get("hx-request") == "true"
    assert "<html" not in fragment.text() and fragment.text().lstrip().startswith('<section id="results"')
    expect(page.get_by_role("status")).to_have_text(re.compile(r"1 person matching .ceo."))
    expect(page).to_have_url(re.compile(r"/people\?.*q=ceo"))
    page.reload()  # the URL alone brings the same results back
    expect(page.get_by_role("link", name="Amara Okafor")).to_be_visible()
    expect(page.get_by_label("Search people")).to_have_value("ceo")

    # The team they'd join: one click on the shortcut.
    page.goto(demo.url + "/people")
    page.get_by_role("link", name=re.compile("Meet the Platform team")).click()
    expect(page.get_by_role("link", name="Lucía Fernández")).to_be_visible()
    expect(page.get_by_role("link", name="Amara Okafor")).to_have_count(0)

    # An investor: one click on the group.
    page.goto(demo.url + "/people")
    page.get_by_role("link", name=re.compile(r"^Investors")).click()
    page.get_by_role("link", name="Rachel Goldberg").click()
    expect(page.get_by_role("heading", name="Rachel Goldberg", level=1)).to_be_visible()


def test_candidate_finds_ceo_team_and_investor_without_javascript(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, CANDIDATE)
    page.goto(demo.url + "/people")
    axe_check(page, browser)
    page.get_by_label("Search people").fill("ceo")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=ceo"))
    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", name="Amara Okafor", level=1)).to_be_visible()
    axe_check(page, browser)

    page.goto(demo.url + "/people")
    page.get_by_role("link", name=re.compile("Meet the Platform team")).click()
    expect(page.get_by_role("link", name="Tom Becker")).to_be_visible()

    page.goto(demo.url + "/people")
    page.get_by_role("link", name=re.compile(r"^Investors")).click()
    page.get_by_role("link", name="Daniel Park").click()
    expect(page.get_by_role("heading", name="Daniel Park", level=1)).to_be_visible()


def test_person_edits_their_availability_in_place(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, "tom.becker@northwind.example")
    page.goto(demo.url + "/profile")
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    axe_check(page)

    availability = page.locator("#availability")
    availability.get_by_label("Day", exact=True).select_option("Friday")
    availability.get_by_label("From").fill("15:00")
    availability.get_by_label("Until").fill("14:00")
    availability.get_by_role("button", name="Add window").click()
    expect(page.get_by_text("The end must be after the start.")).to_be_visible()
    expect(page.locator("#availability").get_by_label("Until")).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    page.locator("#availability").get_by_label("Until").fill("16:30")
    page.locator("#availability").get_by_role("button", name="Add window").click()
    expect(page.locator("#availability").get_by_role("status")).to_have_text("Window added.")
    expect(page.get_by_role("row", name=re.compile("Friday 15:00 16:30"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Remove Friday 15:00")).click()
    expect(page.locator("#availability").get_by_role("status")).to_have_text("Window removed.")
    expect(page.get_by_role("row", name=re.compile("Friday"))).to_have_count(0)


def test_recruiter_manages_the_directory(page, demo):
    sign_in_browser(page.context, demo.app, demo.url, "riley.morgan@northwind.example")
    page.goto(demo.url + "/recruiter/people?q=a&sort=name")  # a bookmarked search, by name
    expect(page.locator("#people_table").get_by_role("status")).to_contain_text("people")
    axe_check(page)
    page.goto(demo.url + "/recruiter/people")
    axe_check(page)
    page.get_by_role("button", name="Hide Ben Carter").click()
    expect(page.get_by_role("status").first).to_contain_text("Ben Carter is now hidden from candidates.")
    page.get_by_role("link", name="Edit Mei Lin").click()
    expect(page.get_by_role("heading", name="Edit Mei Lin")).to_be_visible()
    axe_check(page)
    page.get_by_label("Title").fill("Principal Product Designer")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved Mei Lin's profile.")
    page.get_by_role("button", name="Add a person").click()
    axe_check(page)
