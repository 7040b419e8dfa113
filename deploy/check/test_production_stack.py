"""The production check: deploy/ as a company runs it (Caddy with TLS, 2 gunicorn workers, an outbox
worker, PostgreSQL, Redis, SMTP), proven over HTTPS the way people reach it. `make production-check`."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import secrets
from email.message import EmailMessage
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from prodstack import TOKEN_LINK_LIMIT, Response, Stack, production_stack

EMAIL = "it-check@example.com"


@pytest.fixture(scope="module")
def stack():
    """The whole stack, started once for this module and stopped after it (also on failure)."""
    with production_stack() as running:
        yield running


def csrf_in(html: str) -> str:
    match = re.search(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"', html) or re.search(
        r'<input[^>]*\bvalue="([^"]+)"[^>]*\bname="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def cookies_of(response: Response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or ():
        jar.load(header)
    return jar


def cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def link_in(message: EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+/login/\S+", text)
    assert match, f"no sign-in link in: {text}"
    return match.group(0)


def ask_for_link(stack: Stack, headers: dict | None = None) -> str:
    """Ask for a sign-in link at /login as a browser does; the link from the e-mail that arrives."""
    before = stack.mailbox.count(EMAIL)
    page = stack.request("GET", "/login", headers=headers)
    assert page.status == 200
    jar = cookies_of(page)
    asked = stack.request("POST", "/login", body=urlencode({"csrf_token": csrf_in(page.text), "email": EMAIL}),
                          headers={**(headers or {}), "Cookie": cookie_header(jar)})
    assert asked.status == 302, asked.text[:500]
    return link_in(stack.mailbox.wait_for(EMAIL, after=before))


def test_ready_behind_the_proxy_over_https_only(stack):
    """/readyz answers through Caddy over HTTPS; plain http to Caddy (port 80 in production) only
    redirects to https (Caddy leaves the port out: 443 in production, another one here)."""
    ready = stack.request("GET", "/readyz")
    assert ready.status == 200 and b'"status":"ready"' in ready.body.replace(b" ", b"")

    plain = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    plain.request("GET", "/login", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    plain.close()
    assert redirect.status in (301, 308)
    assert redirect.getheader("Location") == "https://localhost/login"


def test_sign_in_by_emailed_link_end_to_end(stack):
    """Ask for a link, receive it by e-mail (the worker, real SMTP), open it, press the button: signed
    in with a __Host- session cookie that is Secure, HttpOnly and SameSite=Lax; HSTS on every page."""
    anonymous = stack.request("GET", "/")
    assert anonymous.status == 302 and "/login" in anonymous.headers["Location"]

    link = ask_for_link(stack)
    assert link.startswith(f"{stack.base_url}/login/")
    path = urlsplit(link).path

    confirm = stack.request("GET", path)
    assert confirm.status == 200 and "Check Recruiter" in confirm.text
    assert confirm.headers["Referrer-Policy"] == "no-referrer"
    signed_in = stack.request("POST", path, body=urlencode({"csrf_token": csrf_in(confirm.text)}),
                              headers={"Cookie": cookie_header(cookies_of(confirm))})
    assert signed_in.status == 302

    jar = cookies_of(signed_in)
    session = jar["__Host-portal_session"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]
    assert not [name for name in jar if not name.startswith("__Host-")], "every cookie is a __Host- cookie"

    home = stack.request("GET", "/", headers={"Cookie": cookie_header(jar)})
    assert home.status == 200 and "Sign out" in home.text
    for response in (anonymous, confirm, signed_in, home):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    # The link's token, which works like a password until used, reached no log line; nor did a
    # query string. Each request has one JSON line (LOG_FORMAT=json: the app's, by URL rule, with its
    # request id; gunicorn's access log is off, it would say the same).
    assert stack.request("GET", "/login?next=/people%3Fq%3Dsecret").status == 200
    token = path.rsplit("/", 1)[1]
    logs = stack.log_text()
    assert token not in logs and "secret" not in logs
    requests = [line for line in map(_json_or_none, logs.splitlines()) if line and line.get("logger") == "portal.request"]
    seen = {(line["method"], line["route"], line["status"]) for line in requests}
    assert {("GET", "/login/<token>", 200), ("GET", "/login", 200)} <= seen, seen
    assert all(re.fullmatch(r"[0-9a-f]{16}|[A-Za-z0-9._:-]{8,64}", line["request_id"]) for line in requests)


def test_rate_limits_count_the_address_the_proxy_saw(stack):
    """E-mailed-link pages are limited per client address. A client that forges a new X-Forwarded-For
    on every request is still refused after the limit (Caddy replaces the header, the app trusts one
    hop); another client, forging the first one's address, is not."""
    statuses = []
    for attempt in range(TOKEN_LINK_LIMIT + 2):
        forged = {"X-Forwarded-For": f"203.0.113.{attempt + 1}", "X-Real-IP": f"198.51.100.{attempt + 1}",
                  "Forwarded": f"for=192.0.2.{attempt + 1}"}
        statuses.append(stack.request("GET", f"/invite/{secrets.token_urlsafe(32)}", client="127.0.0.3",
                                      headers=forged).status)
    assert 429 not in statuses[:TOKEN_LINK_LIMIT], statuses
    assert statuses[TOKEN_LINK_LIMIT:] == [429, 429], statuses

    other = stack.request("GET", f"/invite/{secrets.token_urlsafe(32)}", client="127.0.0.4",
                          headers={"X-Forwarded-For": "127.0.0.3"})
    assert other.status != 429


def test_links_in_mail_use_the_public_url_whatever_the_host(stack):
    """A client sending another Host (no port) and X-Forwarded-Host/-Proto still gets mail whose link
    is the public https URL; a Host that isn't the portal's never reaches the app."""
    link = ask_for_link(stack, headers={"Host": "localhost", "X-Forwarded-Host": "evil.example",
                                        "X-Forwarded-Proto": "http"})
    assert link.startswith(f"{stack.base_url}/login/")

    stranger = stack.request("GET", "/login", headers={"Host": "evil.example"})
    assert b"csrf_token" not in stranger.body and not stranger.headers.get_all("Set-Cookie")


def test_the_proxy_compresses(stack):
    """Caddy compresses pages (the app doesn't: README, "Static files and compression")."""
    page = stack.request("GET", "/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"csrf_token" in gzip.decompress(page.body)


def _json_or_none(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def test_metrics_are_not_public_and_add_up_over_the_web_processes(stack):
    """/metrics through the proxy is refused (no METRICS_TOKEN here: loopback only, and a request that
    came through a proxy is not from this machine); scraped directly, any web process answers with the
    sum over both (PROMETHEUS_MULTIPROC_DIR, as the units set it)."""
    assert stack.request("GET", "/metrics").status == 403
    for _ in range(6):  # gunicorn hands these to either process
        assert stack.request("GET", "/healthz").status == 200
    direct = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=10)
    direct.request("GET", "/metrics")
    scraped = direct.getresponse()
    text = scraped.read().decode()
    direct.close()
    assert scraped.status == 200
    counts = re.findall(r'^portal_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} (\S+)$', text, re.MULTILINE)
    assert sum(float(n) for n in counts) >= 6, text[:2000]
    assert "@" not in text  # no addresses


def test_request_ids_are_the_proxys_not_the_clients(stack):
    """Caddy gives each request an id of its own (a UUID), whatever X-Request-Id a client sends: the
    id the logs and the queued e-mail carry can't be chosen or copied by a client."""
    answers = [stack.request("GET", "/healthz", headers={"X-Request-Id": "forged-request-id-1"}) for _ in range(2)]
    ids = [answer.headers["X-Request-Id"] for answer in answers]
    assert "forged-request-id-1" not in ids and ids[0] != ids[1]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", i) for i in ids), ids
