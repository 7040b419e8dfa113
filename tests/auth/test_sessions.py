"""Sessions: revocable at sign-out, bounded in time, htmx-aware when they run out; rate limits."""

from datetime import timedelta

import pytest
import time_machine
from factories import make_user
from helpers import HTMX, csrf_token

from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow


@pytest.fixture
def riley(app):
    with app.app_context():
        user = make_user("recruiter", email="riley@example.com", name="Riley Morgan")
        db.session.commit()
        return db.session.get(User, user.id)


def session_cookie(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def test_cookie_copied_before_sign_out_stops_working(app, client, auth, riley):
    auth.login(riley)
    assert client.get("/").status_code == 200
    copied = session_cookie(client, app)

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/").status_code == 302

    replay = thief.get("/")
    assert replay.status_code == 302 and replay.headers["Location"] == "/login"


def test_sign_out_needs_post_with_csrf(app, client, auth, riley):
    auth.login(riley)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_sign_out_shows_a_confirmation(app, client, auth, riley):
    auth.login(riley)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    page = client.get("/login")
    assert "signed out. Sign in again with a new link" in page.get_data(as_text=True)


def test_deactivating_a_user_ends_their_session(app, client, auth, riley):
    auth.login(riley)
    with app.app_context():
        db.session.get(User, riley.id).active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_sessions_end_a_week_after_sign_in_however_active(app, client, auth, riley):
    start = utcnow()
    auth.login(riley)
    for hours in range(10, 7 * 24, 10):  # a request every ten hours keeps the session alive…
        with time_machine.travel(start + timedelta(hours=hours)):
            assert client.get("/").status_code == 200, f"signed out after {hours} h"
    with time_machine.travel(start + timedelta(days=7, minutes=1)):  # …until a week after sign-in
        assert client.get("/").status_code == 302


def test_sessions_end_after_twelve_idle_hours(app, client, auth, riley):
    start = utcnow()
    auth.login(riley)
    with time_machine.travel(start + timedelta(hours=11, minutes=50)):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=24)):
        assert client.get("/").status_code == 302


def test_an_unchanged_session_is_sent_again_only_once_its_cookie_is_five_minutes_old(app, client, auth, riley):
    """The idle hours count from activity (the cookie is re-issued), without re-signing it on every
    request: within 5 minutes of the last one, no Set-Cookie; after, a fresh cookie that lasts 12 hours."""
    start = utcnow()
    with time_machine.travel(start, tick=False):
        auth.login(riley)
        assert "Set-Cookie" in client.get("/").headers  # the page's form put a CSRF token in the session
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        soon = client.get("/")
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        later = client.get("/")
    assert soon.status_code == later.status_code == 200
    assert "Set-Cookie" not in soon.headers
    assert "Set-Cookie" in later.headers and "Expires=" in later.headers["Set-Cookie"]
    with time_machine.travel(start + timedelta(minutes=6, hours=11, seconds=50), tick=False):
        assert client.get("/").status_code == 200  # 12 idle hours from the re-issued cookie, not sign-in


def test_signed_out_page_request_goes_to_sign_in_with_the_way_back(client):
    response = client.get("/?tab=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/?tab%3D1"


def test_signed_out_htmx_request_gets_hx_redirect_not_a_login_fragment(client):
    response = client.get(
        "/", headers={**HTMX, "HX-Current-URL": "http://portal.test/?filter=open"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/?filter%3Dopen"
    assert response.get_data(as_text=True) == ""


def test_malformed_current_url_header_is_not_an_error(client):
    response = client.get("/", headers={**HTMX, "HX-Current-URL": "http://[x"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


def test_empty_submissions_do_not_share_one_bucket(make_app):
    app = make_app(LOGIN_RATE_LIMIT_EMAIL="2 per 15 minutes")
    first, second = app.test_client(), app.test_client()
    for client, address in ((first, "198.51.100.1"), (first, "198.51.100.1"), (second, "198.51.100.2")):
        response = client.post("/login", data={"email": "", "csrf_token": csrf_token(client)},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 422  # "enter your address", never someone else's 429


def test_signed_in_user_visiting_login_goes_home(app, client, auth, riley):
    auth.login(riley)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_requests_are_limited_per_address(app, client):
    token = csrf_token(client)
    for _ in range(5):
        assert client.post("/login", data={"email": "target@example.com", "csrf_token": token}).status_code == 302
    blocked = client.post("/login", data={"email": "target@example.com", "csrf_token": token})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Another address from the same client is still fine.
    assert client.post("/login", data={"email": "other@example.com", "csrf_token": token}).status_code == 302


def test_sign_in_requests_are_limited_per_client(make_app):
    app = make_app(LOGIN_RATE_LIMIT_CLIENT="3 per 15 minutes")
    client = app.test_client()
    token = csrf_token(client)
    for n in range(3):
        assert client.post("/login", data={"email": f"a{n}@example.com", "csrf_token": token}).status_code == 302
    assert client.post("/login", data={"email": "a9@example.com", "csrf_token": token}).status_code == 429
    # The page itself stays reachable.
    assert client.get("/login").status_code == 200
