"""Asking for a sign-in link does the same work for every address (issue 13, item 3).

Before, /login looked the address up and, for an account, made a token and rendered the mail in the
request: ≈ 7.3 ms against ≈ 4.4 ms for an unknown address, enough to tell who has an account (and an
account reveals an offer). Now the request records the ask, the same INSERT for any address, and the
worker does the lookup, the token and the mail. The timing itself is measured by
bench/login_timing.py, not here: a test asserting durations would be flaky, the statements are not.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_user
from helpers import count, csrf_in, csrf_token, deliver_mail, link_in, sql_statements

from portal.auth.models import ActionToken, SignInRequest
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.worker import run_worker


@pytest.fixture
def accounts(app):
    with app.app_context():
        make_user("recruiter", email="riley@example.com", name="Riley Morgan")
        make_user("candidate", email="gone@example.com", name="Gone Away", active=False)
        db.session.commit()


def statements_of(app, client, email: str, token: str) -> list[str]:
    """The SQL statements (text, not values) that POST /login for ``email`` sends, normalised."""
    with sql_statements(app) as seen:
        response = client.post("/login", data={"email": email, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login/sent"
    return [re.sub(r"\s+", " ", statement).strip() for statement in seen]


def test_known_unknown_and_inactive_addresses_run_the_same_statements(app, client, accounts):
    token = csrf_token(client)
    statements_of(app, client, "warm-up@example.com", token)  # first request: connections, caches
    runs = {email: statements_of(app, client, email, token)
            for email in ("riley@example.com", "nobody@example.com", "gone@example.com",
                          "RILEY@example.com", "nobody-else@example.org")}
    known = runs["riley@example.com"]
    assert known, "no SQL captured"
    for email, statements in runs.items():
        assert statements == known, f"{email} ran other statements than an account's address"
    assert any(s.startswith("INSERT INTO sign_in_request") for s in known)
    assert not any('"user"' in s or " user " in s or "action_token" in s or "outbox_message" in s
                   for s in known), known  # nothing looked up or made for an account in the request


def test_the_worker_mails_only_active_accounts_and_forgets_every_request(app, client, smtp, accounts):
    token = csrf_token(client)
    for email in ("riley@example.com", "nobody@example.com", "gone@example.com"):
        client.post("/login", data={"email": email, "csrf_token": token})
    with app.app_context():
        assert count(SignInRequest) == 3
        assert count(OutboxMessage) == 0 and count(ActionToken) == 0  # nothing made in the request
    deliver_mail(app)
    assert [m["To"] for m in smtp.messages] == ["riley@example.com"]
    assert link_in(smtp.messages[0]).startswith("/login/")
    with app.app_context():
        assert count(SignInRequest) == 0  # the unknown address is not kept
        assert count(ActionToken) == 1


def test_the_link_keeps_where_the_person_was_going(app, client, smtp, accounts):
    page = client.get("/login?next=/people")
    token = csrf_in(page.get_data(as_text=True))
    client.post("/login", data={"email": "riley@example.com", "next": "/people", "csrf_token": token})
    client.post("/login", data={"email": "riley@example.com", "next": "//evil.example/", "csrf_token": token})
    deliver_mail(app)
    first, second = (link_in(m) for m in smtp.messages_to("riley@example.com"))
    assert first.endswith("?next=/people") or "next=%2Fpeople" in first
    assert "evil" not in second and "next" not in second


def test_flask_worker_sends_the_link_in_the_same_pass(app, client, smtp, accounts):
    client.post("/login", data={"email": "riley@example.com", "csrf_token": csrf_token(client)})
    with app.app_context():
        result = run_worker(once=True)
    assert result.sent == 1
    assert [m["To"] for m in smtp.messages] == ["riley@example.com"]


def test_a_second_worker_finds_nothing_left(app, client, smtp, accounts):
    from portal.auth.services import send_sign_in_links

    client.post("/login", data={"email": "riley@example.com", "csrf_token": csrf_token(client)})
    with app.app_context():
        assert send_sign_in_links() == 1
        assert send_sign_in_links() == 0
        assert count(OutboxMessage) == 1


def test_a_request_older_than_a_links_lifetime_is_dropped_unanswered(app, client, smtp, accounts, time_machine):
    """The worker was down for longer than a link lives: no late link arrives when it comes back."""
    client.post("/login", data={"email": "riley@example.com", "csrf_token": csrf_token(client)})
    minutes = app.config["SIGN_IN_TOKEN_MINUTES"]
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=minutes, seconds=5))
    deliver_mail(app)
    assert smtp.messages == []
    with app.app_context():
        assert count(SignInRequest) == 0 and count(ActionToken) == 0
