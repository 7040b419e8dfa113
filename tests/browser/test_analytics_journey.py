"""Journey: a head of talent reads offer acceptance, narrows it to one team, and downloads a CSV,
with JavaScript on and off; charts are images with a text alternative and a table beside them."""

import csv
import io
from pathlib import Path

import pytest
import time_machine
from analytics_data import NOW, at, build, candidate
from browser_helpers import axe_check, open_from_home, sign_in_browser
from factories import make_position, make_user
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
    expect(chart).to_have_attribute("alt", "Bar chart of the offers decided and accepted in each month of the period, "
                                           "with the acceptance rate marked for the months with at least 10 decided; "
                                           "the table beside it has every number.")
    assert page.evaluate("img => img.naturalWidth", chart.element_handle()) > 0  # the SVG really drew
    expect(section.get_by_role("row", name="2026-09 3 2 1 1 of 2 — too few to rate")).to_be_visible()
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


SHOTS = Path("/tmp/shots")


@pytest.fixture
def a_year(analytics):
    """On top of the small set: July 2026, 8 offers all accepted (too few to rate); August, 12 decided
    and 9 accepted (75%)."""
    app = analytics.app
    with time_machine.travel(NOW, tick=False), app.app_context():
        position = make_position("Site Reliability Engineer", "Platform")
        for day in range(1, 9):
            candidate(position, at(7, day), "accepted", at(7, 20))
        for day in range(1, 13):
            candidate(position, at(8, day), "accepted" if day <= 9 else "declined", at(8, 20),
                      reason=None if day <= 9 else "compensation")
        db.session.commit()
    with app.app_context():
        rollup.rebuild_all()
        db.session.commit()
    return analytics


def test_by_month_shows_counts_for_every_month_and_reads_on_a_phone(page, a_year):
    sign_in_browser(page.context, a_year.app, a_year.url, "head.of.talent@northwind.example")
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{a_year.url}/recruiter/analytics?from=2025-12&to=2026-11")
    section = page.get_by_role("region", name="Offer acceptance by month")
    expect(section.get_by_role("row", name="2026-07 8 8 8 8 of 8 — too few to rate")).to_be_visible()
    expect(section.get_by_role("row", name="2026-08 12 12 9 75.0%")).to_be_visible()
    chart = section.get_by_role("img")
    size = chart.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width, img.currentSrc.length]")
    assert size[0] == 720 and size[1] > 600  # the wide drawing, close to its own size
    section.screenshot(path=str(SHOTS / "analytics_by_month_1280.png"))
    axe_check(page)  # also: no sideways scrolling at 375 px

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    chart = page.get_by_role("region", name="Offer acceptance by month").get_by_role("img")
    chart.scroll_into_view_if_needed()
    drawn = chart.evaluate("""img => ({natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
        phone: img.currentSrc === new URL(img.parentElement.querySelector('source').srcset, location.href).href})""")
    # The phone's own drawing, shown at about its own width: its 12 px labels stay about 12 px.
    assert drawn["phone"] and drawn["natural"] == 360 and drawn["shown"] >= 0.85 * 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("region", name="Offer acceptance by month").screenshot(
        path=str(SHOTS / "analytics_by_month_375.png"))
