"""Journey: sign in with an e-mailed link and sign out, in a real browser, over real SMTP."""

import re

import pytest
from browser_helpers import PageGuard, axe_check, new_page
from factories import make_candidate, make_user
from helpers import deliver_mail, link_in
from playwright.sync_api import expect

from portal.extensions import db


@pytest.fixture
def accounts(live_server):
    with live_server.app.app_context():
        make_user("recruiter", email="riley@example.com", name="Riley Morgan", timezone="Europe/London")
        make_candidate(email="jordan@example.com", name="Jordan Lee", timezone="America/New_York")
        db.session.commit()


def mailed_path(live_server, smtp, email):
    deliver_mail(live_server.app)
    messages = smtp.messages_to(email)
    assert messages, f"no mail for {email}"
    return link_in(messages[-1]).replace("http://portal.test", "")


def sign_in(page, live_server, smtp, email, browser=None):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    axe_check(page, browser)

    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/sent$"))
    axe_check(page, browser)

    path = link_in(_last_mail(live_server, smtp, email))
    page.goto(live_server.url + path)
    axe_check(page, browser)
    page.get_by_role("button", name="Sign in as").click()
    return path


def _last_mail(live_server, smtp, email):
    deliver_mail(live_server.app)
    messages = smtp.messages_to(email)
    assert messages, f"no mail for {email}"
    return messages[-1]


def test_recruiter_signs_in_by_link_and_out_again(page, live_server, smtp, accounts):
    path = sign_in(page, live_server, smtp, "riley@example.com")
    expect(page.get_by_role("heading", name="Good to see you, Riley")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You're signed in")
    expect(page.get_by_role("rowheader", name="Jordan Lee")).to_be_visible()  # in the offer-stage table
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("You're signed out")
    axe_check(page)

    # The used link now explains itself and offers a new one.
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="This sign-in link has already been used")).to_be_visible()
    expect(page.get_by_role("button", name="Send me a new link")).to_be_visible()
    axe_check(page)


def test_candidate_signs_in_and_sees_their_deadline_in_their_zone(page, live_server, smtp, accounts):
    sign_in(page, live_server, smtp, "jordan@example.com")
    expect(page.get_by_role("heading", name="Welcome, Jordan")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\(America/New_York\)"))).to_be_visible()
    axe_check(page)


def test_sign_in_works_with_javascript_off(page_without_js, browser, live_server, smtp, accounts):
    page = page_without_js
    sign_in(page, live_server, smtp, "riley@example.com", browser)
    expect(page.get_by_role("heading", name="Good to see you, Riley")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You're signed out")


def test_invalid_address_is_explained_next_to_the_field(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Your e-mail address").fill("not-an-address")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    field = page.get_by_label("Your e-mail address")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter an e-mail address like name@example.com.")).to_be_visible()
    axe_check(page)


def test_htmx_is_the_pinned_2x_with_hardened_settings(page, live_server):
    page.goto(live_server.url + "/login")
    version = page.evaluate("htmx.version")
    assert version.startswith("2.")
    config = page.evaluate(
        "({eval: htmx.config.allowEval, scripts: htmx.config.allowScriptTags, self: htmx.config.selfRequestsOnly,"
        " indicator: htmx.config.includeIndicatorStyles, history: htmx.config.historyCacheSize,"
        " restore: htmx.config.historyRestoreAsHxRequest})"
    )
    assert config == {"eval": False, "scripts": False, "self": True, "indicator": False, "history": 0,
                      "restore": False}


def test_not_found_page_and_dev_mailbox_are_accessible(page, live_server):
    page.goto(live_server.url + "/no/such/page")
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    axe_check(page)
    page.goto(live_server.url + "/dev/mail")
    expect(page.get_by_role("heading", name="Development mailbox")).to_be_visible()
    axe_check(page)


def test_the_csp_guard_sees_violations_on_any_page(browser, live_server):
    """The listener every browser test relies on really reports a blocked inline script."""
    context, page = new_page(browser, javascript=True)
    guard = PageGuard(context, page)
    try:
        page.goto(live_server.url + "/login")
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
        for _ in range(50):  # the report travels to Python asynchronously
            if guard.violations:
                break
            page.wait_for_timeout(50)
        page.goto(live_server.url + "/no/such/page")  # and is kept across navigation
        assert len(guard.violations) == 1 and "script-src" in guard.violations[0]
        assert "/login" in guard.violations[0]
    finally:
        context.close()
