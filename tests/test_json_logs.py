"""Logs an operator's tools can read (LOG_FORMAT=json, production's default): one JSON object a line
with time, level, logger, message and the request's id; one line per request with its method,
URL rule, status and duration; the id answered in X-Request-Id and carried by the mail the request
queued to the worker's line about sending it (a real worker process)."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest
from factories import add_windows, make_candidate, make_staff, make_user
from helpers import T0, csrf_token, deliver_mail, link_in

from portal.config import ConfigError, build
from portal.extensions import db
from portal.log_format import configure_logging
from portal.logredact import FILTER

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def log_lines():
    """The lines the portal's own log handler writes (configure_logging, as create_app does outside
    tests, with the redaction logredact.install adds), read back as JSON objects."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level

    def configure(log_format: str = "json"):
        configure_logging(log_format, stream=stream)
        (handler,) = [h for h in root.handlers if getattr(h, "_portal", False)]
        handler.addFilter(FILTER)
        return handler

    configure()
    lines = lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    lines.configure, lines.text = configure, stream.getvalue
    yield lines
    for handler in [h for h in root.handlers if getattr(h, "_portal", False)]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_is_one_json_line_with_its_id(make_app, log_lines):
    client = make_app(LOG_FORMAT="json").test_client()
    response = client.get("/login", headers={"X-Request-Id": "edge-4f2a9c01"})
    assert response.headers["X-Request-Id"] == "edge-4f2a9c01"  # a proxy's id is kept
    (line,) = [line for line in log_lines() if line["logger"] == "portal.request"]
    assert line["request_id"] == "edge-4f2a9c01" and line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/login", 200)
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    assert line["message"] == f"GET /login 200 {line['duration_ms']:.1f} ms"


def test_an_unlikely_request_id_is_replaced_and_each_request_gets_its_own(make_app, log_lines):
    client = make_app(LOG_FORMAT="json").test_client()
    ids = [client.get("/healthz", headers={"X-Request-Id": given}).headers["X-Request-Id"]
           for given in ("has spaces in it", "x" * 65, "short", "<script>alert(1)</script>")]
    ids += [client.get("/healthz").headers["X-Request-Id"] for _ in range(2)]
    assert len(set(ids)) == 6 and all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    assert [line["request_id"] for line in log_lines()] == ids


def test_a_token_link_is_logged_by_its_rule_never_its_path(make_app, log_lines):
    client = make_app(LOG_FORMAT="json").test_client()
    secret = "Zq8-very-secret-link-token-0123456789abcdef"
    assert client.get(f"/login/{secret}").status_code == 404
    (line,) = log_lines()
    assert (line["route"], line["status"]) == ("/login/<token>", 404)
    assert client.get("/no/such/page").status_code == 404
    assert log_lines()[-1]["route"] == "<unmatched>"
    assert secret not in log_lines.text() and "/no/such" not in log_lines.text()


def test_an_error_line_is_one_line_with_its_traceback_and_no_address(make_app, log_lines):
    make_app(LOG_FORMAT="json")
    try:
        raise RuntimeError("SMTP refused {'pat.doe@example.com': (550, b'no such user')}")
    except RuntimeError:
        logging.getLogger("portal.mail.tasks").exception("outbox message 7 cannot be sent")
    (line,) = log_lines()
    assert line["level"] == "ERROR" and line["message"] == "outbox message 7 cannot be sent"
    assert "RuntimeError: SMTP refused {'[address]'" in line["exception"] and "Traceback" in line["exception"]
    assert "pat.doe" not in log_lines.text() and "request_id" not in line  # outside any request


def test_text_lines_in_development_carry_the_id_too(make_app, log_lines):
    log_lines.configure("text")
    app = make_app()
    with app.test_request_context(headers={"X-Request-Id": "req-text-000001"}):
        app.preprocess_request()
        logging.getLogger("portal.test").warning("inside a request")
    logging.getLogger("portal.test").warning("outside a request")
    first, second = log_lines.text().splitlines()
    assert first.endswith(" WARNING portal.test [req-text-000001]: inside a request")
    assert second.endswith(" WARNING portal.test [-]: outside a request")


def test_the_request_id_reaches_the_workers_line_about_the_mail(app, smtp, tmp_path, log_lines):
    """Asking for a sign-in link queues a request the worker turns into a mail: the worker, a real
    `flask worker --once` process logging JSON, names the asking request's id when it sends it."""
    with app.app_context():
        make_user(email="dana.reyes@example.com", name="Dana Reyes")
        db.session.commit()
    client = app.test_client()
    asked = client.post("/login", data={"email": "dana.reyes@example.com", "csrf_token": csrf_token(client)},
                        headers={"X-Request-Id": "req-ask-link-0001"})
    assert asked.status_code == 302 and asked.headers["X-Request-Id"] == "req-ask-link-0001"

    env = {**os.environ, "PORTAL_ENV": "development", "LOG_FORMAT": "json",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "DEV_MAIL_DIR": str(tmp_path / "devmail"),
           "PHOTO_DIR": str(tmp_path / "photos"), "MEDIA_DIR": str(tmp_path / "media")}
    env.pop("TEST_DATABASE_URL", None)
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "worker", "--once"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert worker.returncode == 0, worker.stderr
    lines = [json.loads(line) for line in worker.stderr.splitlines() if line.startswith("{")]
    sent = [line for line in lines if line["message"].endswith("(sign_in) sent, attempt 1")]
    assert len(sent) == 1 and sent[0]["request_id"] == "req-ask-link-0001", worker.stderr
    assert sent[0]["logger"] == "portal.mail.tasks" and sent[0]["level"] == "INFO"
    assert len(smtp.messages_to("dana.reyes@example.com")) == 1
    assert "dana" not in worker.stderr.lower()


def test_json_is_productions_default_and_the_format_is_checked():
    production = {"SECRET_KEY": secrets.token_hex(32), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert build(production, environ={})["LOG_FORMAT"] == "json"
    assert build({"PORTAL_ENV": "development"}, environ={})["LOG_FORMAT"] == "text"
    assert build({"PORTAL_ENV": "development"}, environ={"LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT must be json or text"):
        build({"PORTAL_ENV": "development"}, environ={"LOG_FORMAT": "yaml"})


def test_nothing_personal_in_logs_or_metrics(make_app, smtp, frozen, log_lines, caplog):
    """A candidate signs in by e-mailed link, asks a question and asks a person for a conversation;
    the worker mails the link and the invitation. Every log line (the JSON ones production writes,
    and every record down to DEBUG) and a scrape of /metrics: no address, name, question, note or token."""
    app = make_app(LOG_FORMAT="json")
    with app.app_context():
        recruiter = make_user("recruiter", email="riley.morgan@example.com", name="Riley Morgan")
        person = make_staff("team", email="tom.becker@example.com", name="Tom Becker", timezone="America/Toronto")
        add_windows(person, time(10), time(12), "America/Toronto")
        make_candidate(owner=recruiter, email="jordan.lee@example.com", name="Jordan Lee", timezone="America/New_York")
        db.session.commit()
        person_id = person.id
    question, note = "Is the quarterly roadmap shared with new hires?", "Keen to hear how releases are planned."
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        client.post("/login", data={"email": "jordan.lee@example.com", "csrf_token": csrf_token(client)})
        assert deliver_mail(app).sent == 1
        link = link_in(smtp.messages_to("jordan.lee@example.com")[0])
        assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
        assert client.post("/questions", data={"text": question, "category": "other",
                                               "csrf_token": csrf_token(client, "/questions")}).status_code == 302
        path = f"/people/{person_id}/request"
        wednesday = (T0 + timedelta(days=2)).strftime("%Y-%m-%dT15:00Z")  # 10:00 in Toronto, in Tom's hours
        asked = client.post(path, data={"format": "video", "length": "30", "slots": [wednesday], "note": note,
                                        "csrf_token": csrf_token(client, path)})
        assert asked.status_code == 302, asked.get_data(as_text=True)[:300]
        assert deliver_mail(app).sent >= 1 and smtp.messages_to("tom.becker@example.com")
        metrics = client.get("/metrics").get_data(as_text=True)
    # Every record but the test's own SMTP server's (aiosmtpd's "mail.log" quotes the mail it receives).
    records = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.name != "mail.log")
    logs = "\n".join(json.dumps(line, ensure_ascii=False) for line in log_lines() if line["logger"] != "mail.log")
    logs += records
    assert len([line for line in log_lines() if line["logger"] == "portal.request"]) >= 8
    assert "portal_sign_in_links_used_total " in metrics and 'portal_outbox_messages{status="sent"} 2.0' in metrics
    token = link.rsplit("/", 1)[-1].split("?")[0]
    for personal in ("jordan", "lee@", "becker", "riley", "morgan", "@example.com", question, note, token,
                     "quarterly roadmap", "releases are planned"):
        assert personal.lower() not in logs.lower(), personal
        assert personal.lower() not in metrics.lower(), personal
