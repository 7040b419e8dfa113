"""Single sign-on against a real OpenID Connect provider on loopback (oidc-provider-mock).

The portal talks to the provider over real HTTP (discovery, token exchange, signing keys); the test
plays the browser: it follows the portal's redirect to the provider's authorization endpoint with
httpx, submits the provider's own form there (or presses "Deny"), and brings the provider's redirect
back to the portal's callback.
"""

from __future__ import annotations

import re
import uuid
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from factories import make_candidate, make_user, stored_user
from helpers import PRODUCTION_SECRET_KEY, count, csrf_token, free_port

from portal import create_app
from portal.audit.models import AuditEvent
from portal.auth.models import ActionToken, User
from portal.config import ConfigError, build, from_environment
from portal.extensions import db

# The provider runs in this process, so its warnings meet pytest's "warnings are errors" filter:
# Authlib's server side (used by the mock, not by the portal) warns about its own deprecated API.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:get_jwt_config\(self, grant\) is deprecated:DeprecationWarning"
)


def _import_mock():
    with warnings.catch_warnings():
        # Emitted once, when the mock imports deprecated parts of Authlib.
        warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        import oidc_provider_mock
    return oidc_provider_mock


class Provider:
    """The loopback provider, as a test and as a person in a browser use it."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.http = httpx.Client(timeout=10)

    def add_user(self, **claims) -> str:
        """Register an identity at the provider (its HTTP API); returns its subject."""
        sub = f"user-{uuid.uuid4().hex[:12]}"
        response = self.http.put(f"{self.issuer}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text
        return sub

    def authorize(self, url: str, sub: str | None = None, deny: bool = False) -> str:
        """Submit the provider's authorization form; returns where the provider sends the browser."""
        assert url.startswith(self.issuer + "/oauth2/authorize?"), url
        page = self.http.get(url)
        assert page.status_code == 200 and "Authorize" in page.text
        data = {"action": "deny"} if deny else {"sub": sub}
        response = self.http.post(url, data=data)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def close(self):
        self.http.close()


@pytest.fixture(scope="session")
def oidc_provider():
    mock = _import_mock()
    with mock.run_server_in_thread() as server:
        provider = Provider(f"http://localhost:{server.server_port}")
        yield provider
        provider.close()


def providers(issuer: str, **extra) -> dict:
    return {
        "staff": {"issuer": issuer, "client_id": "portal-staff", "client_secret": "staff-secret-value",
                  "label": "Okta", "roles": "staff,recruiter,admin"},
        "candidates": {"issuer": issuer, "client_id": "portal-candidates",
                       "client_secret": "cand-secret-value", "label": "Google"},
        **extra,
    }


@pytest.fixture
def sso_app(make_app, oidc_provider):
    return make_app(OIDC_PROVIDERS=providers(oidc_provider.issuer))


@pytest.fixture
def sso_client(sso_app):
    return sso_app.test_client()


def start(client, provider: str, next_path: str | None = None):
    path = f"/login/sso/{provider}" + (f"?{urlencode({'next': next_path})}" if next_path else "")
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def back_to_portal(location: str) -> str:
    """The provider's redirect, as the path the browser requests from the portal."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == "http://portal.test", location  # PORTAL_BASE_URL
    return parts.path + "?" + parts.query


def sign_in(client, oidc, provider: str, sub: str, next_path: str | None = None):
    """The whole journey; returns the portal's answer to the callback."""
    callback = back_to_portal(oidc.authorize(start(client, provider, next_path), sub))
    return client.get(callback)


def signed_in_token(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def events(action: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


@pytest.fixture
def riley(sso_app):
    return stored_user(sso_app, "recruiter", email="riley@example.com", name="Riley Morgan")


# --- the login page -----------------------------------------------------------------------------


def test_without_providers_the_login_page_is_unchanged_and_the_routes_404(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in with" not in html and "/login/sso/" not in html and "<hr>" not in html
    assert client.get("/login/sso/default").status_code == 404
    assert client.get("/login/sso/default/callback?code=x&state=y").status_code == 404


def test_login_page_offers_each_provider_as_a_real_link(sso_client):
    html = sso_client.get("/login?next=/people").get_data(as_text=True)
    assert '<h2 id="sso-heading">Or use your organisation\'s sign-in</h2>' in html
    links = re.findall(
        r'<a href="([^"]+)" role="button" class="secondary" data-hx-boost="false">Sign in with (\w+)</a>', html)
    assert links == [("/login/sso/staff?next=/people", "Okta"),
                     ("/login/sso/candidates?next=/people", "Google")]
    # Below the e-mail form, after a visible separator.
    assert html.index('id="login_form"') < html.index("<hr>") < html.index("Sign in with Okta")


def test_unknown_provider_is_404(sso_client):
    assert sso_client.get("/login/sso/github").status_code == 404
    assert sso_client.get("/login/sso/github/callback?code=x&state=y").status_code == 404


def test_start_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(sso_client, oidc_provider):
    location = start(sso_client, "staff")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(oidc_provider.issuer + "/oauth2/authorize?")
    assert query["client_id"] == ["portal-staff"]
    assert query["redirect_uri"] == ["http://portal.test/login/sso/staff/callback"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert "staff-secret-value" not in location


# --- signing in ---------------------------------------------------------------------------------


def test_recruiter_signs_in_with_a_verified_address(sso_app, sso_client, oidc_provider, riley, smtp):
    # A pending e-mailed link is retired by signing in another way, as by using a link.
    sso_client.post("/login", data={"email": "riley@example.com", "csrf_token": csrf_token(sso_client)})
    with sso_client.session_transaction() as session:
        session["planted"] = "before sign-in"
    sub = oidc_provider.add_user(email="Riley@Example.COM", email_verified=True, name="Riley M.")

    response = sign_in(sso_client, oidc_provider, "staff", sub, next_path="/people")

    assert response.status_code == 302 and response.headers["Location"] == "/people"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = sso_client.get("/people")
    assert page.status_code == 200
    assert "Welcome, Riley. You&#39;re signed in." in page.get_data(as_text=True)
    with sso_client.session_transaction() as session:
        assert "planted" not in session  # a new session, not the one from before
        assert not any(key.startswith("_state_") for key in session)  # state is single use
    with sso_app.app_context():
        user = db.session.get(User, riley)
        assert signed_in_token(sso_client) == user.session_token
        assert user.role == "recruiter" and user.name == "Riley Morgan"  # nothing taken from the token
        assert user.last_sign_in_at is not None
        assert count(User) == 1
        assert count(ActionToken, ActionToken.used_at.is_(None)) == 0
        (event,) = events("auth.sign_in")
        assert event.actor_id == riley and event.summary == "Signed in with Okta"
        assert event.details == {"method": "sso", "provider": "staff"}


def test_candidate_first_sso_sign_in_is_the_milestone(sso_app, sso_client, oidc_provider):
    with sso_app.app_context():
        candidacy = make_candidate(email="jordan@example.com", name="Jordan Lee")
        db.session.commit()
        candidate_id = candidacy.id
    sub = oidc_provider.add_user(email="jordan@example.com", email_verified=True)
    response = sign_in(sso_client, oidc_provider, "candidates", sub)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Jordan" in sso_client.get("/").get_data(as_text=True)
    with sso_app.app_context():
        from portal.candidates.models import Candidate

        assert db.session.get(Candidate, candidate_id).first_signed_in_at is not None
        summaries = [e.summary for e in events("candidate.first_sign_in")]
        assert summaries == ["Jordan Lee signed in for the first time"]
        assert [e.details["provider"] for e in events("auth.sign_in")] == ["candidates"]


def test_next_never_leaves_the_site(sso_client, oidc_provider, riley):
    sub = oidc_provider.add_user(email="riley@example.com", email_verified=True)
    response = sign_in(sso_client, oidc_provider, "staff", sub, next_path="https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_signed_in_user_starting_sso_just_goes_home(sso_app, sso_client, riley):
    with sso_app.app_context():
        token = db.session.get(User, riley).session_token
    with sso_client.session_transaction() as session:
        from portal.timeutil import utcnow

        session["_user_id"] = token
        session["signed_in_at"] = utcnow().timestamp()
    response = sso_client.get("/login/sso/staff")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- refusals: each one explains itself and changes nothing -------------------------------------


def assert_refused(app, client, response, status: int, heading: str, reason: str, subject: int | None = None):
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert heading in html, html
    assert "Nothing was changed." in html
    assert 'href="/login" role="button">Get an e-mailed sign-in link' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert signed_in_token(client) is None
    assert client.get("/").status_code == 302  # not signed in
    with app.app_context():
        assert count(User, User.last_sign_in_at.is_not(None)) == 0
        assert events("auth.sign_in") == []
        (event,) = events("auth.sign_in_failed")
        assert event.actor_id is None and event.details["reason"] == reason
        assert event.details["method"] == "sso"
        assert (event.subject_id, event.subject_type) == ((subject, "User") if subject else (None, None))
        text = event.summary + repr(event.details)
        assert "@" not in text and "eyJ" not in text and "secret" not in text  # no address, token or secret
    return html


@pytest.mark.parametrize(
    ("claims", "heading", "reason"),
    [
        ({"email": "riley@example.com", "email_verified": False}, "Your e-mail address isn't verified",
         "unverified"),
        ({"email": "riley@example.com"}, "Your e-mail address isn't verified", "unverified"),
        ({"email": "riley@example.com", "email_verified": "yes"}, "Your e-mail address isn't verified",
         "unverified"),
        ({"email_verified": True}, "didn't tell us your e-mail address", "no_email"),
        ({"email": "riley@example.org", "email_verified": True}, "There's no account for riley@example.org",
         "unknown"),
    ],
    ids=["unverified", "verification-missing", "verification-not-boolean", "no-email", "unknown-address"],
)
def test_identity_without_a_verified_known_address_is_refused(sso_app, sso_client, oidc_provider, riley,
                                                              claims, heading, reason):
    sub = oidc_provider.add_user(**claims)
    response = sign_in(sso_client, oidc_provider, "staff", sub)
    html = assert_refused(sso_app, sso_client, response, 403, heading, reason)
    assert ("Try Okta again" in html) == (reason != "no_email")  # a retry can't conjure an address


def test_unknown_address_creates_no_account(sso_app, sso_client, oidc_provider):
    sub = oidc_provider.add_user(email="newcomer@example.com", email_verified=True, name="New Comer")
    response = sign_in(sso_client, oidc_provider, "candidates", sub)
    assert_refused(sso_app, sso_client, response, 403, "There's no account for newcomer@example.com",
                   "unknown")
    with sso_app.app_context():
        assert count(User) == 0


def test_deactivated_account_is_refused(sso_app, sso_client, oidc_provider):
    with sso_app.app_context():
        user_id = make_user("staff", email="sam@example.com", active=False).id
        db.session.commit()
    sub = oidc_provider.add_user(email="sam@example.com", email_verified=True)
    response = sign_in(sso_client, oidc_provider, "staff", sub)
    assert_refused(sso_app, sso_client, response, 403, "This account is no longer active", "inactive",
                   user_id)


def test_role_not_allowed_for_that_provider_is_refused_and_pointed_elsewhere(sso_app, sso_client,
                                                                             oidc_provider):
    with sso_app.app_context():
        user_id = make_candidate(email="jordan@example.com").user.id
        db.session.commit()
    sub = oidc_provider.add_user(email="jordan@example.com", email_verified=True)
    response = sign_in(sso_client, oidc_provider, "staff", sub)
    html = assert_refused(sso_app, sso_client, response, 403, "Your account can't sign in with Okta",
                          "role", user_id)
    other = ('href="/login/sso/candidates" role="button" class="secondary" data-hx-boost="false">'
             "Sign in with Google")
    assert other in html
    assert "Try Okta again" not in html
    with sso_app.app_context():
        from portal.candidates.models import Candidate

        assert db.session.scalar(sa.select(Candidate.first_signed_in_at)) is None


def test_denying_at_the_provider_is_a_clear_cancel(sso_app, sso_client, oidc_provider, riley):
    location = oidc_provider.authorize(start(sso_client, "staff"), deny=True)
    assert "error=access_denied" in location
    response = sso_client.get(back_to_portal(location))
    assert_refused(sso_app, sso_client, response, 400, "Sign-in with Okta was cancelled", "cancelled")
    with sso_app.app_context():
        assert events("auth.sign_in_failed")[0].details["error"] == "access_denied"


def test_any_other_provider_error_is_explained(sso_app, sso_client, riley):
    state = parse_qs(urlsplit(start(sso_client, "staff")).query)["state"][0]
    response = sso_client.get("/login/sso/staff/callback?" + urlencode(
        {"error": "temporarily_unavailable", "error_description": "<script>alert(1)</script>",
         "state": state}))
    html = assert_refused(sso_app, sso_client, response, 400, "Okta couldn't sign you in", "provider_error")
    assert "<script>alert" not in html and "alert(1)" not in html
    with sso_app.app_context():
        assert events("auth.sign_in_failed")[0].details["error"] == "temporarily_unavailable"


@pytest.mark.parametrize("tamper", ["changed", "missing", "other-browser"])
def test_state_must_be_the_one_this_browser_started_with(sso_app, sso_client, oidc_provider, riley, tamper):
    sub = oidc_provider.add_user(email="riley@example.com", email_verified=True)
    callback = back_to_portal(oidc_provider.authorize(start(sso_client, "staff"), sub))
    path, query = callback.split("?")
    values = parse_qs(query)
    client = sso_client
    if tamper == "changed":
        values["state"] = [values["state"][0][:-1] + ("A" if values["state"][0][-1] != "A" else "B")]
    elif tamper == "missing":
        del values["state"]
    else:  # login CSRF: someone else's callback link opened in a fresh browser
        client = sso_app.test_client()
    response = client.get(path + "?" + urlencode(values, doseq=True))
    assert_refused(sso_app, client, response, 400, "This sign-in attempt can't be completed", "state")


def test_a_callback_cannot_be_replayed(sso_app, sso_client, oidc_provider, riley):
    sub = oidc_provider.add_user(email="riley@example.com", email_verified=True)
    callback = back_to_portal(oidc_provider.authorize(start(sso_client, "staff"), sub))
    assert sso_client.get(callback).status_code == 302
    sso_client.post("/logout", data={"csrf_token": csrf_token(sso_client, "/")})
    replay = sso_client.get(callback)
    assert replay.status_code == 400
    assert "This sign-in attempt can't be completed" in replay.get_data(as_text=True)
    assert sso_client.get("/").status_code == 302


def test_a_code_the_provider_does_not_know_is_refused(sso_app, sso_client, oidc_provider, riley):
    sub = oidc_provider.add_user(email="riley@example.com", email_verified=True)
    callback = back_to_portal(oidc_provider.authorize(start(sso_client, "staff"), sub))
    forged = re.sub(r"code=[^&]+", "code=forged-code", callback)
    response = sso_client.get(forged)
    assert_refused(sso_app, sso_client, response, 400, "We couldn't complete sign-in with Okta", "exchange")
    with sso_app.app_context():
        assert events("auth.sign_in_failed")[0].details["error"] == "invalid_grant"


def test_an_id_token_for_another_nonce_is_refused(sso_app, sso_client, oidc_provider, riley):
    sub = oidc_provider.add_user(email="riley@example.com", email_verified=True)
    callback = back_to_portal(oidc_provider.authorize(start(sso_client, "staff"), sub))
    with sso_client.session_transaction() as session:  # as if the token had been minted for another login
        (key,) = [k for k in session if k.startswith("_state_")]
        data = session[key]
        data["data"]["nonce"] = "some-other-nonce-value"
        session[key] = data
    response = sso_client.get(callback)
    assert_refused(sso_app, sso_client, response, 400, "We couldn't complete sign-in with Okta", "exchange")


def test_discovery_for_another_issuer_is_refused(make_app, oidc_provider):
    port = urlsplit(oidc_provider.issuer).port
    app = make_app(OIDC_PROVIDERS={"staff": {
        "issuer": f"http://localhost:{port}", "client_id": "portal-staff",
        "client_secret": "staff-secret-value",
        "label": "Okta", "discovery_url": f"http://127.0.0.1:{port}/.well-known/openid-configuration"}})
    client = app.test_client()
    response = client.get("/login/sso/staff")  # nobody is sent to an endpoint we can't vouch for
    assert_refused(app, client, response, 400, "We couldn't complete sign-in with Okta", "exchange")
    with app.app_context():
        assert events("auth.sign_in_failed")[0].details["error"] == "issuer_mismatch"


def test_provider_down_at_start_is_explained(make_app):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app = make_app(OIDC_PROVIDERS={"staff": {"issuer": dead, "client_id": "portal",
                                             "client_secret": "staff-secret-value", "label": "Okta"}},
                   OIDC_HTTP_TIMEOUT=2)
    client = app.test_client()
    response = client.get("/login/sso/staff")
    assert_refused(app, client, response, 400, "We couldn't reach Okta", "unreachable")
    with app.app_context():
        assert events("auth.sign_in_failed")[0].details["error"] == "ConnectionError"


def test_provider_down_during_the_token_exchange_is_explained(make_app):
    mock = _import_mock()
    with mock.run_server_in_thread() as server:
        oidc = Provider(f"http://localhost:{server.server_port}")
        app = make_app(OIDC_PROVIDERS=providers(oidc.issuer), OIDC_HTTP_TIMEOUT=2)
        client = app.test_client()
        with app.app_context():
            make_user("recruiter", email="riley@example.com")
            db.session.commit()
        sub = oidc.add_user(email="riley@example.com", email_verified=True)
        callback = back_to_portal(oidc.authorize(start(client, "staff"), sub))
        oidc.close()
    response = client.get(callback)  # the provider has gone away since
    assert_refused(app, client, response, 400, "We couldn't reach Okta", "unreachable")


def test_callback_is_rate_limited_per_client(make_app, oidc_provider):
    app = make_app(OIDC_PROVIDERS=providers(oidc_provider.issuer), LOGIN_RATE_LIMIT_CLIENT="2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        assert client.get("/login/sso/staff/callback?code=x&state=y").status_code == 400
    assert client.get("/login/sso/staff/callback?code=x&state=y").status_code == 429


# --- configuration ------------------------------------------------------------------------------


def test_one_provider_from_the_environment():
    config = build({"PORTAL_ENV": "testing"}, environ={
        "OIDC_ISSUER": "https://accounts.google.com/", "OIDC_CLIENT_ID": "id-1", "OIDC_CLIENT_SECRET": "s-1",
        "OIDC_LABEL": "Google Workspace"})
    assert config["OIDC_PROVIDERS"] == {"default": {
        "name": "default", "label": "Google Workspace", "issuer": "https://accounts.google.com",
        "metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
        "client_id": "id-1", "client_secret": "s-1", "roles": None}}


def test_several_providers_from_the_environment_with_roles():
    environ = {
        "OIDC_PROVIDERS": "staff, candidates",
        "OIDC_STAFF_ISSUER": "https://northwind.okta.com", "OIDC_STAFF_CLIENT_ID": "okta-id",
        "OIDC_STAFF_CLIENT_SECRET": "okta-secret", "OIDC_STAFF_LABEL": "Okta",
        "OIDC_STAFF_ROLES": "staff, Recruiter,admin",
        "OIDC_CANDIDATES_DISCOVERY_URL": "https://id.example.com/realms/c/.well-known/openid-configuration",
        "OIDC_CANDIDATES_CLIENT_ID": "c-id", "OIDC_CANDIDATES_CLIENT_SECRET": "c-secret",
    }
    config = build({"PORTAL_ENV": "testing"}, environ=environ)
    staff, candidates = config["OIDC_PROVIDERS"].values()
    assert list(config["OIDC_PROVIDERS"]) == ["staff", "candidates"]
    assert staff["roles"] == ("staff", "recruiter", "admin") and staff["label"] == "Okta"
    assert candidates == {"name": "candidates", "label": "Candidates", "issuer": None,
                          "metadata_url": environ["OIDC_CANDIDATES_DISCOVERY_URL"],
                          "client_id": "c-id", "client_secret": "c-secret", "roles": None}


def test_no_oidc_variables_means_no_providers():
    assert "OIDC_PROVIDERS" not in from_environment({})
    assert build({"PORTAL_ENV": "testing"}, environ={})["OIDC_PROVIDERS"] == {}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OIDC_PROVIDERS": "staff", "OIDC_STAFF_ISSUER": "https://okta.example.com",
          "OIDC_STAFF_CLIENT_ID": "id"}, "has no client secret: set OIDC_STAFF_CLIENT_SECRET"),
        ({"OIDC_PROVIDERS": "staff", "OIDC_STAFF_ISSUER": "https://okta.example.com",
          "OIDC_STAFF_CLIENT_SECRET": "s"}, "has no client id: set OIDC_STAFF_CLIENT_ID"),
        ({"OIDC_ISSUER": "https://accounts.google.com", "OIDC_CLIENT_ID": "id"},
         "has no client secret: set OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_ID": "id", "OIDC_CLIENT_SECRET": "s"}, "has no issuer: set OIDC_ISSUER"),
        ({"OIDC_PROVIDERS": "staff", "OIDC_STAFF_ISSUER": "https://o.example.com",
          "OIDC_STAFF_CLIENT_ID": "i", "OIDC_STAFF_CLIENT_SECRET": "s", "OIDC_STAFF_ROLES": "staff,boss"},
         "OIDC_STAFF_ROLES: unknown role(s) boss"),
        ({"OIDC_PROVIDERS": "Staff Team"}, "'staff team' is not a usable provider name"),
        ({"OIDC_PROVIDERS": "staff,staff"}, "names 'staff' twice"),
        ({"OIDC_PROVIDERS": "staff", "OIDC_ISSUER": "https://accounts.google.com"},
         "OIDC_PROVIDERS is set, so OIDC_ISSUER would be ignored"),
        ({"OIDC_ISSUER": "accounts.google.com", "OIDC_CLIENT_ID": "i", "OIDC_CLIENT_SECRET": "s"},
         "OIDC_ISSUER must be an absolute https URL"),
    ],
)
def test_incomplete_provider_settings_stop_the_start(environ, message):
    with pytest.raises(ConfigError) as raised:
        build({"PORTAL_ENV": "testing"}, environ=environ)
    assert message in str(raised.value)


def test_production_refuses_plain_http_issuers_except_loopback():
    base = {"SECRET_KEY": PRODUCTION_SECRET_KEY, "REDIS_URL": "redis://127.0.0.1:6379/0",
            "OIDC_CLIENT_ID": "i", "OIDC_CLIENT_SECRET": "s"}
    with pytest.raises(ConfigError, match="OIDC_ISSUER must use https"):
        build({"PORTAL_ENV": "production"}, environ={**base, "OIDC_ISSUER": "http://sso.example.com"})
    config = build({"PORTAL_ENV": "production"}, environ={**base, "OIDC_ISSUER": "http://127.0.0.1:9000"})
    assert config["OIDC_PROVIDERS"]["default"]["issuer"] == "http://127.0.0.1:9000"


def test_create_app_refuses_a_provider_without_its_secret(tmp_path):
    with pytest.raises(ConfigError, match="has no client secret"):
        create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "OIDC_PROVIDERS": {"staff": {"issuer": "https://okta.example.com", "client_id": "i"}}})
