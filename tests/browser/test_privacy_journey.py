"""Journey: a candidate downloads their data; an admin erases a candidate and reads the audit trail."""

import io
import re
import json
import zipfile

import pytest
from browser_helpers import axe_check, open_from_home, sign_in_browser
from factories import make_candidate, make_user
from nu import CHECKER
from playwright.sync_api import expect

from portal.extensions import db


@pytest.fixture
def world(live_server):
    with live_server.app.app_context():
        owner = make_user("recruiter", name="Rex Recruiter", email="rex@northwind.example")
        c = make_candidate(name="Mina Sato", email="mina.sato@example.org", owner=owner)
        make_user("admin", name="Ada Admin", email="ada@northwind.example")
        live_server.candidate_id = c.id
        db.session.commit()
    return live_server


def test_candidate_downloads_their_data(page, world):
    open_from_home(page, world, "mina.sato@example.org", "Your data", "Your data")
    expect(page.get_by_text("Rex Recruiter")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes()))
    assert json.loads(archive.read("data.json"))["account"]["email"] == "mina.sato@example.org"
    assert CHECKER.errors(archive.read("index.html").decode()) == []  # the readable copy is valid HTML


def test_admin_erases_a_candidate_and_reads_the_audit_trail(page, world):
    sign_in_browser(page.context, world.app, world.url, "ada@northwind.example")
    page.goto(f"{world.url}/recruiter/candidates/{world.candidate_id}")
    page.get_by_role("button", name="Erase personal data…").click()
    expect(page.get_by_role("heading", name="Erase Mina Sato's personal data")).to_be_visible()
    axe_check(page)
    page.get_by_label("Type mina.sato@example.org to confirm").fill("mina@example.org")
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_text("Type the candidate's e-mail address exactly as shown to confirm.")).to_be_visible()
    axe_check(page)
    page.get_by_label("Type mina.sato@example.org to confirm").fill("mina.sato@example.org")
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_role("heading", name=f"Erased candidate #{world.candidate_id}", level=1)).to_be_visible()
    expect(page.get_by_text("This candidate's personal data was erased.")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name=f"Personal data of candidate #{world.candidate_id} erased by Ada Admin"))\
        .to_be_visible()
    axe_check(page)
    with page.expect_response(lambda r: "action=candidate.viewed" in r.url):
        page.get_by_label("What").select_option("candidate.viewed")
    expect(page.get_by_role("cell", name="Ada Admin opened the candidate's page").first).to_be_visible()
    expect(page.get_by_text("erased by Ada Admin")).to_have_count(0)
    axe_check(page)
    # A search, oldest first: a bookmarkable address, swapped in place.
    page.get_by_label("Search the events").fill("erased")
    page.get_by_label("What").select_option("")
    with page.expect_response(lambda r: "sort=oldest" in r.url):
        page.get_by_label("Order").select_option("oldest")
    expect(page).to_have_url(re.compile(r"q=erased.*sort=oldest"))
    expect(page.get_by_role("status")).to_contain_text("Showing 1 event, oldest first")
    axe_check(page)
