"""Journey: sign in with single sign-on in a real browser, against an OpenID Connect provider on
loopback (oidc-provider-mock), and one refusal. axe-core scans every portal page on the way (the
provider's own pages are not ours to scan)."""

from __future__ import annotations

import re
import threading
import uuid
import warnings

import httpx
import pytest
from browser_helpers import axe_check
from factories import make_user
from helpers import free_port
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.extensions import db

# The provider runs in this process, so its warnings meet pytest's "warnings are errors" filter:
# Authlib's server side (used by the mock, not by the portal) warns about its own deprecated API.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:get_jwt_config\(self, grant\) is deprecated:DeprecationWarning"
)


@pytest.fixture(scope="session")
def sso_provider():
    """The provider's issuer URL, with an HTTP API to register identities and their claims."""
    with warnings.catch_warnings():
        # Emitted once, when the mock imports deprecated parts of Authlib.
        warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        import oidc_provider_mock
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def add_identity(issuer: str, **claims) -> str:
    sub = f"user-{uuid.uuid4().hex[:12]}"
    assert httpx.put(f"{issuer}/users/{sub}", json=claims, timeout=10).status_code == 204
    return sub


@pytest.fixture
def sso_server(make_app, sso_provider):
    """The portal on loopback with the provider configured (staff and recruiters only)."""
    port = free_port()
    app = make_app(
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        OIDC_PROVIDERS={"staff": {"issuer": sso_provider, "client_id": "portal",
                                  "client_secret": "journey-secret", "label": "Northwind Okta",
                                  "roles": ["staff", "recruiter", "admin"]}},
    )
    with app.app_context():
        make_user("recruiter", email="riley@example.com", name="Riley Morgan", timezone="Europe/London")
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{port}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def at_provider(page, sso_provider, sub: str):
    """What a person does on the provider's page: say who they are and authorize the portal."""
    expect(page).to_have_url(re.compile(re.escape(sso_provider) + r"/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def offline(page):
    # The provider's page asks a CDN for its stylesheet; nothing here may leave the machine.
    page.route(re.compile(r"^https://cdn\.jsdelivr\.net/"), lambda route: route.abort())


def test_recruiter_signs_in_with_sso_and_out_again(page, sso_server, sso_provider):
    offline(page)
    sub = add_identity(sso_provider, email="riley@example.com", email_verified=True)
    page.goto(sso_server.url + "/people")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Or use your organisation's sign-in")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Sign in with Northwind Okta").click()
    at_provider(page, sso_provider, sub)

    expect(page).to_have_url(sso_server.url + "/people")  # back where they were going
    expect(page.get_by_role("status").filter(has_text="Welcome, Riley. You're signed in.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Riley Morgan")
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("You're signed out")
    axe_check(page)


def test_unverified_address_is_refused_with_a_way_forward(page, sso_server, sso_provider):
    offline(page)
    sub = add_identity(sso_provider, email="riley@example.com", email_verified=False)
    page.goto(sso_server.url + "/login")
    page.get_by_role("button", name="Sign in with Northwind Okta").click()
    at_provider(page, sso_provider, sub)

    expect(page).to_have_url(re.compile(r"/login/sso/staff/callback\?"))
    expect(page.get_by_role("heading", name="Your e-mail address isn't verified")).to_be_visible()
    expect(page.get_by_text("Nothing was changed.")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Get an e-mailed sign-in link").click()
    expect(page).to_have_url(sso_server.url + "/login")
    expect(page.get_by_label("Your e-mail address")).to_be_visible()  # still signed out
    axe_check(page)


def test_sso_works_with_javascript_off(page_without_js, browser, sso_server, sso_provider):
    page = page_without_js
    offline(page)
    sub = add_identity(sso_provider, email="riley@example.com", email_verified=True)
    page.goto(sso_server.url + "/login")
    axe_check(page, browser)
    page.get_by_role("button", name="Sign in with Northwind Okta").click()
    at_provider(page, sso_provider, sub)
    expect(page.get_by_role("heading", name="Good to see you, Riley")).to_be_visible()
    axe_check(page, browser)
