"""Journey: a recruiter with more candidates than fit on a page pages, sorts and filters the list in
place (the address bar follows, Back returns), then does the same with JavaScript off — axe-core,
the Nu checker and the 375 px check on every state."""

import re

import pytest
from browser_helpers import axe_check, sign_in_browser
from factories import make_candidate, make_position, make_user
from playwright.sync_api import expect

from portal.extensions import db

RECRUITER = "rita.recruiter@example.com"


@pytest.fixture
def server(live_server):
    """62 candidates: "Person 01" … "Person 60" (Person 60's deadline first) and two past their deadline."""
    with live_server.app.app_context():
        make_user("recruiter", email=RECRUITER, name="Rita Recruiter")
        position = make_position("Backend Engineer", "Platform")
        for n in range(1, 61):
            make_candidate(position=position, name=f"Person {n:02}", deadline_days=61 - n)
        make_candidate(position=position, name="Zed Overdue", deadline_days=-3)
        make_candidate(position=position, name="Zoe Overdue", deadline_days=-1)
        db.session.commit()
    return live_server


def first_row(page):
    return page.locator("#candidate_list tbody th").first


def test_page_sort_and_filter_in_place_and_back(page, server):
    sign_in_browser(page.context, server.app, server.url, RECRUITER)
    page.goto(server.url + "/recruiter/candidates")
    status = page.locator("#candidate_list").get_by_role("status")
    expect(status).to_have_text("1–50 of 62 candidates")
    expect(first_row(page)).to_contain_text("Zed Overdue")
    axe_check(page)

    # The next page swaps in the list only; the address says which page it is.
    pager = page.get_by_role("navigation", name="Pages")
    with page.expect_response(lambda r: "page=2" in r.url) as answer:
        pager.get_by_role("link", name="Next").click()
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(status).to_have_text("51–62 of 62 candidates")
    expect(page).to_have_url(re.compile(r"/recruiter/candidates\?page=2$"))
    expect(pager.get_by_role("link", name="2")).to_have_attribute("aria-current", "page")
    expect(page.locator("#candidate_list tbody tr")).to_have_count(12)
    axe_check(page)

    # Sorting starts again at page 1, and the address keeps the order (not the page).
    page.get_by_label("Sort by").select_option(label="Name, A to Z")
    expect(page).to_have_url(re.compile(r"\?(?!.*page=).*sort=name"))
    expect(first_row(page)).to_contain_text("Person 01")
    expect(status).to_have_text("1–50 of 62 candidates")

    page.get_by_label("Show").select_option(label="Still deciding, deadline passed")
    expect(page).to_have_url(re.compile(r"show=overdue.*sort=name|sort=name.*show=overdue"))
    expect(status).to_have_text("2 candidates")
    expect(page.locator("#candidate_list tbody th")).to_have_text([re.compile("Zed Overdue"), re.compile("Zoe Overdue")])
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
    axe_check(page)

    # Back: the list sorted by name, everyone again, and the form says so.
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=name$"))
    expect(status).to_have_text("1–50 of 62 candidates")
    expect(first_row(page)).to_contain_text("Person 01")
    expect(page.get_by_label("Show")).to_have_value("")
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(status).to_have_text("51–62 of 62 candidates")


def test_page_sort_and_filter_without_javascript(page_without_js, browser, server):
    page = page_without_js
    sign_in_browser(page.context, server.app, server.url, RECRUITER)
    page.goto(server.url + "/recruiter/candidates")
    page.get_by_label("Search by name, e-mail or position").fill("person")
    page.get_by_label("Sort by").select_option(label="Name, A to Z")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=person.*sort=name"))
    expect(page.locator("#candidate_list").get_by_role("status")).to_have_text("1–50 of 60 candidates")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile(r"page=2.*q=person.*sort=name"))
    expect(first_row(page)).to_contain_text("Person 51")
    expect(page.get_by_label("Sort by")).to_have_value("name")
    axe_check(page, browser)
