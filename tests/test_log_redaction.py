"""Tokens of e-mailed links and single sign-on codes never reach a log line: the app's own lines,
Werkzeug's development server (make run) and gunicorn's access and error logs (production)."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import urllib.error
import urllib.request

from flask import url_for
from helpers import free_port, url_value
from limit_servers import gunicorn_server
from werkzeug.serving import make_server

from portal.logredact import REDACTED, RedactSecrets, redact, redact_path, secret_rules

# What is e-mailed today (README, "E-mailed links"); a new <token> route is redacted without being
# listed here, but dropping one of these would be a change worth noticing.
E_MAILED_LINKS = {"/invite/<token>", "/invite/manage/<token>", "/answer/<token>", "/feedback/<token>",
                  "/survey/<token>", "/login/<token>", "/office-hours/live/<token>", "/office-hours/host/<token>"}


def a_token() -> str:
    return secrets.token_urlsafe(24)


def test_every_route_with_a_token_is_redacted(app):
    rules = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert {rule.rule for rule in rules} == secret_rules(app.url_map) >= E_MAILED_LINKS
    with app.test_request_context():
        for rule in rules:
            token = a_token()
            others = {arg: url_value(rule, arg) for arg in rule.arguments - {"token"}}  # e.g. a live page's action
            path = url_for(rule.endpoint, token=token, **others)
            for text in (path, path + "/", f"{path}?next=/meetings", f"GET {path} HTTP/1.1",
                         f'"GET {path} HTTP/1.1" 200', f"https://portal.example.com{path}#top"):
                shown = redact(text)
                assert token not in shown, text
                assert path.replace(token, REDACTED) in shown, text


def test_other_paths_are_left_as_they_are(app):
    for path in ("/login", "/login/sent", "/login/sso/staff", "/invite/manage", "/people/12",
                 "/recruiter/candidates/3/feedback", "/static/app.css?v=2", "/meetings?status=confirmed"):
        assert redact(path) == path


def test_secrets_in_the_query_are_redacted(app):
    code, state, token = a_token(), a_token(), a_token()
    shown = redact(f"GET /login/sso/staff/callback?code={code}&state={state}&iss=https%3A%2F%2Fidp HTTP/1.1")
    assert code not in shown and state not in shown
    assert f"/login/sso/staff/callback?code={REDACTED}&state={REDACTED}&iss=https%3A%2F%2Fidp" in shown
    # A token link inside another parameter (as sign-in sends people back to where they were).
    shown = redact(f"/login?next=%2Finvite%2Fmanage%2F{token}")
    assert token not in shown and f"/invite/manage/{REDACTED}" in shown


def test_the_filter_rewrites_a_record_and_its_traceback(app):
    token = a_token()
    try:
        raise ValueError(f"no such link /feedback/{token}")
    except ValueError:
        record = logging.LogRecord("portal", logging.ERROR, __file__, 1, "failed on %s", (f"/survey/{token}",),
                                   sys.exc_info())
    assert RedactSecrets().filter(record)
    formatted = logging.Formatter().format(record)
    assert token not in formatted
    assert f"failed on /survey/{REDACTED}" in formatted and f"/feedback/{REDACTED}" in formatted


def test_error_lines_of_the_app_carry_no_token(app, caplog):
    from portal.errors import handle_server_error

    token = a_token()
    with app.test_request_context(f"/answer/{token}"), caplog.at_level(logging.ERROR, logger="portal.errors"):
        handle_server_error(RuntimeError("boom"))
    assert f"unhandled error on GET /answer/{REDACTED}" in caplog.text
    assert token not in caplog.text
    assert redact_path(f"/answer/{token}") == f"/answer/{REDACTED}"


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_development_server_request_lines_carry_no_token(app):
    """make run serves through Werkzeug, which logs every request line to the ``werkzeug`` logger."""
    werkzeug_log = logging.getLogger("werkzeug")
    lines, level = Lines(), werkzeug_log.level
    werkzeug_log.addHandler(lines)
    werkzeug_log.setLevel(logging.INFO)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    token, code = a_token(), a_token()
    try:
        for path in (f"/invite/{token}", f"/login/sso/default/callback?code={code}&state=x", "/login/sent"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
            except urllib.error.HTTPError:
                pass  # an unknown link answers 4xx: only the log line matters here
    finally:
        server.shutdown()
        thread.join(10)
        werkzeug_log.removeHandler(lines)
        werkzeug_log.setLevel(level)
    text = "\n".join(lines.lines)
    assert f"GET /invite/{REDACTED} HTTP/1.1" in text
    assert f"callback?code={REDACTED}&state={REDACTED}" in text
    assert "GET /login/sent HTTP/1.1" in text
    assert token not in text and code not in text


def test_gunicorn_access_and_error_logs_carry_no_token(make_app, tmp_path):
    """The production set-up of README ("What is logged"): gunicorn with the redacting logger class."""
    app = make_app()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    args = ["--logger-class", "portal.gunicorn_logging.RedactingLogger",
            "--access-logfile", str(access), "--error-logfile", str(errors), "--log-level", "info",
            "--access-logformat", '%(h)s %(t)s "%(r)s" %(s)s "%(f)s" path=%(U)s query=%(q)s']
    token, manage, code, state = a_token(), a_token(), a_token(), a_token()
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=1, args=args) as base:
        for path, referer in ((f"/invite/{token}", None),
                              (f"/login/sso/default/callback?code={code}&state={state}", None),
                              ("/people", f"{base}/invite/manage/{manage}")):
            request = urllib.request.Request(base + path, headers={"Referer": referer} if referer else {})
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except urllib.error.HTTPError:
                pass
    log = access.read_text()
    assert f'"GET /invite/{REDACTED} HTTP/1.1"' in log and f"path=/invite/{REDACTED}" in log
    assert f"callback?code={REDACTED}&state={REDACTED}" in log and f"query=code={REDACTED}&state={REDACTED}" in log
    assert f"/invite/manage/{REDACTED}" in log and '"GET /people HTTP/1.1"' in log
    assert "GET /healthz" in log
    for secret in (token, manage, code, state):
        assert secret not in log
        assert secret not in errors.read_text()
