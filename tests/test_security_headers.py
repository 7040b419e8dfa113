"""Security headers and cookie flags on every kind of response; CSRF on every POST."""

import re

import pytest
from factories import make_user
from helpers import csrf_token

from portal.extensions import db


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "object-src 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")


@pytest.mark.parametrize(
    "method,path,headers,status",
    [
        ("get", "/login", {}, 200),
        ("get", "/login", {"HX-Request": "true"}, 200),
        ("get", "/login/sent", {}, 302),
        ("get", "/login/not-a-token", {}, 404),
        ("get", "/", {}, 302),
        ("get", "/", {"HX-Request": "true"}, 401),
        ("get", "/no/such/page", {}, 404),
        ("get", "/static/app.css", {}, 200),
        ("get", "/static/vendor/htmx-2.0.11.min.js", {}, 200),
        ("post", "/login", {}, 400),
        ("put", "/login", {}, 405),
        ("get", "/dev/mail", {}, 200),
    ],
)
def test_headers_on_every_response_type(client, method, path, headers, status):
    with getattr(client, method)(path, headers=headers) as response:
        assert response.status_code == status
        assert_security_headers(response)


def test_headers_on_signed_in_pages_and_no_caching(app, client, auth):
    with app.app_context():
        user = make_user("recruiter")
        db.session.commit()
        auth.login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.vary


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    response = client.post("/login", data={"email": "x@example.com", "csrf_token": csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; see the https test below


def test_session_cookie_is_secure_and_host_locked_over_https(make_app):
    """Only the base URL is set: Secure, the __Host- name and HSTS follow from it."""
    app = make_app(PORTAL_BASE_URL="https://portal.example.com")
    client = app.test_client()
    base = "https://portal.example.com"
    page = client.get("/login", base_url=base)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": "x@example.com", "csrf_token": token}, base_url=base)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_cross_site_posts_are_refused_even_with_a_token(app, client):
    token = csrf_token(client)
    response = client.post("/login", data={"email": "x@example.com", "csrf_token": token},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    same = client.post("/login", data={"email": "x@example.com", "csrf_token": token},
                       headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 302


def test_every_post_route_requires_a_csrf_token(app, client, auth):
    """Generated from the URL map, so a new POST route is covered the day it is added."""
    with app.app_context():
        user = make_user("admin")
        db.session.commit()
        auth.login(user)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        path = rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]
        response = client.post(path, data={"email": "x@example.com"})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        assert "This form has expired" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 3
    assert client.get("/").status_code == 200  # and nothing signed us out
