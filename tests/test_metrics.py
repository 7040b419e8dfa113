"""/metrics, scraped after real requests: requests by URL rule and status with their times, the
outbox and reminders read from the database, sign-in links sent, used and refused; who may scrape;
and gunicorn's workers adding up into one answer (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from datetime import timedelta

import pytest
from factories import make_user
from helpers import T0, csrf_in, csrf_token, deliver_mail, link_in
from limit_servers import gunicorn_server
from prometheus_client.parser import text_string_to_metric_families

from portal.extensions import db
from portal.mail.models import OutboxMessage

TOKEN = "m" * 8 + "-metrics-bearer-token-for-tests-only"


def scrape(client, **kwargs) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def requests_of(samples, route: str, method: str, status: int, what: str = "count") -> float:
    labels = tuple(sorted({"route": route, "method": method, "status": str(status)}.items()))
    return samples.get((f"portal_http_request_duration_seconds_{what}", labels), 0)


def test_requests_are_counted_by_rule_method_and_status(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/login").status_code == 200
    assert client.get("/login/not-a-real-token").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405
    after = scrape(client)

    def grew(route, method, status):
        return requests_of(after, route, method, status) - requests_of(before, route, method, status)

    assert grew("/login", "GET", 200) == 3
    assert grew("/login/<token>", "GET", 404) == 1  # the rule: never the token
    assert grew("<unmatched>", "GET", 404) == 1
    assert grew("<unmatched>", "other", 405) == 1  # no rule matched that method; its name is not a label
    le = tuple(sorted({"route": "/login", "method": "GET", "status": "200", "le": "+Inf"}.items()))
    assert after[("portal_http_request_duration_seconds_bucket", le)] == requests_of(after, "/login", "GET", 200)
    assert requests_of(after, "/login", "GET", 200, "sum") > requests_of(before, "/login", "GET", 200, "sum")
    assert not any("not-a-real-token" in str(key) for key in after)


def _row(key: str, kind: str, status: str, due, attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(dedupe_key=key, message_id=f"<{key}@test>", kind=kind, to_addr="x@example.com",
                         subject="s", text_body="t", html_body="h", status=status, attempts=attempts,
                         next_attempt_at=due, created_at=T0 - timedelta(days=2))


def test_the_outbox_and_reminders_are_read_at_each_scrape(app, client, frozen):
    with app.app_context():
        db.session.add_all([
            _row("due-long", "meeting_confirmed", "pending", T0 - timedelta(seconds=90)),
            _row("retrying", "sign_in", "pending", T0 - timedelta(seconds=5), attempts=2),
            _row("reminder-due", "meeting_reminder", "pending", T0 - timedelta(seconds=30)),
            _row("reminder-later", "meeting_reminder", "pending", T0 + timedelta(hours=23)),
            _row("in-flight", "sign_in", "sending", T0),
            _row("given-up", "feedback_request", "dead", T0 - timedelta(days=1), attempts=8),
            _row("done-1", "sign_in", "sent", T0 - timedelta(days=1)),
            _row("done-2", "sign_in", "sent", T0 - timedelta(days=1)),
        ])
        db.session.commit()
    samples = scrape(client)
    assert {status: samples[("portal_outbox_messages", (("status", status),))]
            for status in ("pending", "sending", "sent", "dead")} == {"pending": 4, "sending": 1, "sent": 2, "dead": 1}
    assert samples[("portal_outbox_oldest_due_seconds", ())] == 90
    assert samples[("portal_outbox_retrying", ())] == 1
    assert samples[("portal_reminders_due", ())] == 1 and samples[("portal_reminders_scheduled", ())] == 1
    frozen.move_to(T0 + timedelta(hours=24), tick=False)  # read anew: the later reminder is due now too
    samples = scrape(client)
    assert samples[("portal_reminders_due", ())] == 2 and samples[("portal_reminders_scheduled", ())] == 0


def test_sign_in_links_sent_used_and_refused(app, client, smtp):
    with app.app_context():
        make_user(email="dana@example.com", name="Dana Reyes")
        db.session.commit()
    before = scrape(client)
    client.post("/login", data={"email": "dana@example.com", "csrf_token": csrf_token(client)})
    client.post("/login", data={"email": "nobody@example.com", "csrf_token": csrf_token(client)})
    deliver_mail(app)  # the worker's pass, in this process: only the account's link is mailed
    link = link_in(smtp.messages_to("dana@example.com")[0])
    confirm = csrf_in(client.get(link).get_data(as_text=True))
    assert client.post(link, data={"csrf_token": confirm}).status_code == 302
    again = app.test_client()
    assert again.post(link, data={"csrf_token": csrf_token(again)}).status_code >= 400
    after = scrape(client)

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("portal_sign_in_links_sent_total", kind="sign_in") == 1
    assert grew("portal_sign_in_links_used_total") == 1
    assert grew("portal_sign_in_links_refused_total", reason="used") == 1


def test_only_loopback_or_a_bearer_of_the_token_may_scrape(make_app):
    open_client = make_app().test_client()
    assert open_client.get("/metrics").status_code == 200  # the test client connects from 127.0.0.1
    assert open_client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    # Through a proxy on this machine: the connection is loopback, the client is not.
    assert open_client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403

    guarded = make_app(METRICS_TOKEN=TOKEN).test_client()
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    wanted = guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert wanted.status_code == 200 and b"portal_outbox_messages" in wanted.data


def test_gunicorn_workers_add_up_into_one_answer(served_app, tmp_path):
    """gunicorn's workers count their own requests into PROMETHEUS_MULTIPROC_DIR and any of them
    answers a scrape with the sum, counts of workers that have since exited included: here each
    worker is replaced after 5 requests (max_requests, as deploy/gunicorn.conf.py does after 2000)."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    with gunicorn_server(served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2,
                         args=("--max-requests", "5"), PROMETHEUS_MULTIPROC_DIR=str(shared)) as base:
        def healthz_count() -> float:
            with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
                return requests_of(parse(response.read().decode()), "/healthz", "GET", 200)

        before = healthz_count()  # gunicorn_server's own wait for /healthz
        for _ in range(20):
            urllib.request.urlopen(base + "/healthz", timeout=10).close()
        counts = [healthz_count() - before for _ in range(4)]
        served = [p.name for p in shared.iterdir() if p.name.startswith("histogram_")]
    assert before >= 1 and counts == [20] * 4
    assert len(served) >= 4, served  # a file per process that served: at least 4 of them did


def test_an_unusable_multiprocess_folder_stops_the_start(tmp_path):
    env = {**os.environ, "PORTAL_ENV": "testing", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")}
    result = subprocess.run([sys.executable, "-c", "from portal import create_app; create_app()"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert f"PROMETHEUS_MULTIPROC_DIR={tmp_path / 'missing'} is not a directory" in result.stderr


@pytest.mark.parametrize("token", ["short", "x" * 31])
def test_a_short_token_is_refused(make_app, token):
    from portal.config import ConfigError

    with pytest.raises(ConfigError, match="METRICS_TOKEN must be at least 32 characters"):
        make_app(METRICS_TOKEN=token)
