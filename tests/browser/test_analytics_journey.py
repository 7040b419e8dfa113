"""Journey: a head of talent reads offer acceptance, narrows it to one team, and downloads a CSV,
with JavaScript on and off; charts are images with a text alternative and a table beside them."""

import csv
import io

import pytest
from analytics_data import build
from browser_helpers import axe_check, open_from_home, sign_in_browser
from factories import make_user
from playwright.sync_api import expect

from portal.analytics import rollup
from portal.extensions import db

PERIOD = "from=2026-09&to=2026-11"


@pytest.fixture
def analytics(live_server):
    build(live_server.app)
    with live_server.app.app_context():
        rollup.rebuild_all()  # the data set was written at a fixed "now"; count it at the real one
        make_user("recruiter", email="head.of.talent@northwind.example", name="Hana Head")
        db.session.commit()
    return live_server


def test_recruiter_reads_filters_and_downloads(page, analytics):
    open_from_home(page, analytics, "head.of.talent@northwind.example", "Analytics", "Offer acceptance")

    page.goto(f"{analytics.url}/recruiter/analytics?{PERIOD}")
    section = page.get_by_role("region", name="Offer acceptance by month")
    chart = section.get_by_role("img")
    expect(chart).to_have_attribute("alt", "Bar chart of the offer acceptance rate for each month of the period; "
                                           "the table beside it has every number.")
    assert page.evaluate("img => img.naturalWidth", chart.element_handle()) > 0  # the SVG really drew
    expect(section.get_by_role("row", name="2026-09 3 2 1 1 of 2")).to_be_visible()
    axe_check(page)

    # Choosing a team swaps only the report, and the address follows so it can be shared.
    with page.expect_response(lambda r: "team=Platform" in r.url) as response:
        page.get_by_label("Team").select_option("Platform")
    assert response.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(f"{analytics.url}/recruiter/analytics?from=2026-09&to=2026-11&team=Platform&position=")
    funnel = page.get_by_role("region", name="Funnel")
    expect(funnel.get_by_role("row", name="Offer stage 4 100.0%")).to_be_visible()
    axe_check(page)

    with page.expect_download() as download_info:
        funnel.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Step", "Candidates", "Share of offers"]
    assert rows[1] == ["Offer stage", "4", "100.0"]


def test_filters_work_without_javascript(page_without_js, browser, analytics):
    page = page_without_js
    sign_in_browser(page.context, analytics.app, analytics.url, "head.of.talent@northwind.example")
    page.goto(f"{analytics.url}/recruiter/analytics?{PERIOD}")
    page.get_by_label("Team").select_option("Design")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{analytics.url}/recruiter/analytics?from=2026-09&to=2026-11&team=Design&position=")
    expect(page.get_by_text("Offers made 2026-09 to 2026-11 · Design")).to_be_visible()
    expect(page.get_by_role("region", name="Funnel").get_by_role("row", name="Offer stage 2 100.0%")).to_be_visible()
    axe_check(page, no_js_browser=browser)
