"""Security headers and cookie flags on every kind of response; CSRF on every POST."""


import pytest
from factories import make_user
from helpers import HTMX, PRODUCTION_SECRET_KEY, csrf_in, csrf_token, url_value
from sample_company import ROLES, build_world, client_as, page_paths, resolve

from portal.extensions import db
from portal.security import TOKEN_LINK_ENDPOINTS


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
        ("get", "/login", HTMX, 200),
        ("get", "/login/sent", {}, 302),
        ("get", "/login/not-a-token", {}, 404),
        ("get", "/", {}, 302),
        ("get", "/", HTMX, 401),
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
    token = csrf_in(page.get_data(as_text=True))
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
        path = rule.build({arg: url_value(rule, arg) for arg in rule.arguments}, append_unknown=False)[1]
        response = client.post(path, data={"email": "x@example.com"})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        assert "This form has expired" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 3
    assert client.get("/").status_code == 200  # and nothing signed us out


# --- every GET route in the URL map, as the role that may open it, with real objects ---------------
#
# The sample company and the walk over the URL map come from sample_company.py (build_world,
# page_paths): every page a role may open, with real ids and real links from e-mail. A route with no
# sample is still requested (with made-up values), so a new route is covered the day it is added.


def is_token_route(rule) -> bool:
    return "token" in rule.arguments or rule.endpoint in TOKEN_LINK_ENDPOINTS


def session_cookies(response, name: str) -> list[str]:
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name + "=")]


def assert_page_headers(response, rule, role: str, where: str) -> None:
    assert response.status_code < 500, where
    assert_security_headers(response)
    if "html" in (response.mimetype or ""):
        assert response.headers["Content-Type"].startswith("text/html; charset=utf-8"), where
    if is_token_route(rule):
        # The URL holds a secret: it must not travel on in a Referer, nor stay in a cache.
        assert response.headers["Referrer-Policy"] == "no-referrer", where
        assert "no-store" in response.headers.get("Cache-Control", ""), where
    else:
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    if role != "anonymous" and rule.endpoint != "static" and response.status_code == 200:
        cache = response.headers.get("Cache-Control", "")
        # Pages: never stored. Other personal answers (a photo): at most in this browser's own cache.
        allowed = ("no-store",) if "html" in response.mimetype else ("no-store", "private")
        assert any(word in cache for word in allowed), f"{where}: personal answer may be cached ({cache})"
        assert "Cookie" in response.vary, where


@pytest.fixture
def sample_company(app):
    with app.app_context():
        world = build_world()
    return app, world


def test_every_get_route_as_every_role_that_may_open_it(sample_company):
    app, world = sample_company
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    covered, checked, cookies = set(), 0, 0
    for role, rule, values in page_paths(app, world):
        path = resolve(app, rule, values, world)
        client = client_as(app, world, role)
        for headers in ({}, HTMX):
            where = f"{role} GET {path} {headers}"
            response = client.get(path, headers=headers)
            assert_page_headers(response, rule, role, where)
            for cookie in session_cookies(response, cookie_name):
                assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie, where
                assert "Secure" not in cookie  # plain http here; see the production test below
                cookies += 1
            checked += 1
        covered.add(rule.endpoint)
    # Routes without sample values (or roles that may open them) still answer with every header.
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in covered:
            continue
        values = {arg: "app.css" if arg == "filename" else 999 if arg.endswith("_id")
                  else url_value(rule, arg, "no-such-thing") for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for role in ROLES:
            with client_as(app, world, role).get(path) as response:  # static files are streamed: close
                assert_page_headers(response, rule, role, f"{role} GET {path}")
            checked += 1
        covered.add(rule.endpoint)
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert covered == gets
    assert checked >= 150 and cookies >= 50, (checked, cookies)


def test_every_token_route_sends_no_referrer_even_when_the_link_is_wrong(app):
    """A wrong, used or expired link, a refused form on it, and a rate-limited request alike."""
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not is_token_route(rule):
            continue
        values = {arg: "not-a-real-token" if arg == "token" else url_value(rule, arg, "default")
                  for arg in rule.arguments}
        values.update({arg: 1 for arg in rule.arguments if arg.endswith("_id")})  # /answer/<token>/record/<int:question_id>
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": "forged"})
            assert response.status_code in (400, 404, 410), f"{method} {path}: {response.status_code}"
            assert response.headers["Referrer-Policy"] == "no-referrer", f"{method} {path}"
            assert_security_headers(response)
            checked += 1
    assert checked >= 12


def test_error_and_limit_pages_carry_the_headers(make_app):
    app = make_app(RATE_LIMIT_FORMS="1 per minute", PROPAGATE_EXCEPTIONS=False)

    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    responses = [client.get("/__boom"), client.delete("/login"), client.get("/nowhere"),
                 client.post("/login", data={}), client.post("/login", data={})]
    assert [r.status_code for r in responses] == [500, 405, 404, 400, 429]
    for response in responses:
        assert_security_headers(response)


def test_production_cookies_are_secure_httponly_lax_and_host_locked(tmp_path):
    """The production profile (not just an https base URL in testing)."""
    from portal import create_app

    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": PRODUCTION_SECRET_KEY,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
                      "PORTAL_BASE_URL": "https://portal.example.com",
                      "REDIS_URL": "redis://127.0.0.1:6379/15",
                      "DEV_MAIL_DIR": str(tmp_path / "devmail")})
    assert "mail.index" not in app.view_functions  # no development mailbox in production
    with app.app_context():
        db.create_all()
        user = make_user("recruiter")
        db.session.commit()
        token = user.session_token
    client = app.test_client()
    base = "https://portal.example.com"
    anonymous = client.get("/login", base_url=base)
    with client.session_transaction(base_url=base) as session:
        session["_user_id"] = token
        session["signed_in_at"] = __import__("time").time()
        session.permanent = True
    signed_in = client.get("/", base_url=base)
    assert (anonymous.status_code, signed_in.status_code) == (200, 200)
    for response in (anonymous, signed_in):
        assert_security_headers(response)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        (cookie,) = session_cookies(response, "__Host-portal_session")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            assert flag in cookie
        assert "Domain=" not in cookie
    assert "Server-Timing" not in signed_in.headers  # a timing side channel, off in production
