"""Magic-link sign-in over real SMTP: requesting, confirming, reusing, expiring, signing out."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from factories import make_user, stored_user
from helpers import count, csrf_in, csrf_token, deliver_mail, link_in

from portal.auth.models import ActionToken, User
from portal.auth.services import send_sign_in_links
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.timeutil import utcnow


def request_link(client, email: str):
    return client.post("/login", data={"email": email, "csrf_token": csrf_token(client)})


def mailed_link(app, client, smtp, email: str) -> str:
    request_link(client, email)
    deliver_mail(app)
    messages = smtp.messages_to(email.lower())
    assert messages, f"no sign-in mail reached {email}"
    return link_in(messages[-1])


@pytest.fixture
def recruiter(app):
    return stored_user(app, "recruiter", email="riley@example.com", name="Riley Morgan")


def test_login_page_asks_for_an_email(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<label for="email">Your e-mail address</label>' in html
    assert 'name="csrf_token"' in html


def test_known_and_unknown_addresses_get_the_same_answer(app, client, smtp, recruiter):
    known = request_link(client, "Riley@Example.com ")
    known_page = client.get(known.headers["Location"])
    unknown = request_link(client, "nobody@example.com")
    unknown_page = client.get(unknown.headers["Location"])
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login/sent"
    assert known_page.status_code == unknown_page.status_code == 200
    assert "If <strong>riley@example.com</strong> belongs to an account" in known_page.get_data(as_text=True)
    assert "If <strong>nobody@example.com</strong> belongs to an account" in unknown_page.get_data(as_text=True)
    deliver_mail(app)
    assert [m["To"] for m in smtp.messages] == ["riley@example.com"]


def test_sign_in_mail_has_text_and_html_parts_and_a_link_from_the_base_url(app, client, smtp, recruiter):
    request_link(client, "riley@example.com")
    deliver_mail(app)
    (message,) = smtp.messages
    assert message["Subject"] == "Your sign-in link for Northwind Labs"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(">")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hi Riley," in text and "expires in 10 minutes" in text
    path = link_in(message)
    assert path.startswith("/login/")
    assert f'href="http://portal.test{path}"' in html


def test_invalid_address_is_a_422_with_a_message_and_sends_nothing(app, client, recruiter):
    response = client.post("/login", data={"email": "not-an-address", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter an e-mail address like name@example.com." in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert count(OutboxMessage) == 0 and count(ActionToken) == 0


def test_confirming_over_https_without_a_referer_works(make_app, smtp):
    """Token pages send no Referer; the confirm POST must still pass CSRF over HTTPS."""
    app = make_app(PORTAL_BASE_URL="https://portal.example.com")
    with app.app_context():
        make_user("recruiter", email="riley@example.com", name="Riley Morgan")
        db.session.commit()
    client = app.test_client()
    base = "https://portal.example.com"
    login_page = client.get("/login", base_url=base).get_data(as_text=True)
    token = csrf_in(login_page)
    client.post("/login", data={"email": "riley@example.com", "csrf_token": token}, base_url=base)
    deliver_mail(app)
    path = link_in(smtp.messages_to("riley@example.com")[-1])
    page = client.get(path, base_url=base)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = csrf_in(page.get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token}, base_url=base)  # no Referer header
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_post_without_csrf_token_changes_nothing(app, client, recruiter):
    response = client.post("/login", data={"email": "riley@example.com"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert count(OutboxMessage) == 0


def test_opening_the_link_only_asks_for_confirmation(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    for _ in range(3):  # a mail scanner prefetching the link
        page = client.get(path)
        assert page.status_code == 200
        assert "Sign in as Riley Morgan?" in page.get_data(as_text=True)
    assert client.head(path).status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalar(sa.select(ActionToken.used_at)) is None
    assert client.get("/").status_code == 302  # still signed out


def test_confirming_signs_in_and_the_link_cannot_be_used_again(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Good to see you, Riley" in home.get_data(as_text=True)

    other = app.test_client()
    reused = other.post(path, data={"csrf_token": csrf_token(other)})
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)
    assert other.get("/").status_code == 302


def test_used_link_page_offers_a_new_link(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    fresh = app.test_client()
    page = fresh.get(path)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "This sign-in link has already been used" in html
    assert 'href="/login" role="button">Send me a new link' in html


def test_expired_link_says_so_and_changes_nothing(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    token = csrf_token(client, path)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=1)):
        page = client.get(path)
        assert page.status_code == 410
        assert "This sign-in link has expired" in page.get_data(as_text=True)
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(sa.select(ActionToken.used_at)) is None
    assert client.get("/").status_code == 302


def test_link_still_works_just_before_it_expires(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    token = csrf_token(client, path)
    with time_machine.travel(utcnow() + timedelta(minutes=9, seconds=50)):
        assert client.post(path, data={"csrf_token": token}).status_code == 302


def test_tampered_link_is_refused(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    page = client.get(tampered)
    assert page.status_code == 404
    assert "This sign-in link isn't valid" in page.get_data(as_text=True)
    assert client.post(tampered, data={"csrf_token": csrf_token(client)}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(ActionToken.used_at)) is None
    assert client.get("/").status_code == 302


def test_only_a_hash_of_the_token_is_stored(app, client, smtp, recruiter):
    request_link(client, "riley@example.com")
    with app.app_context():
        send_sign_in_links()  # the worker's first step: the link is made and its mail queued
        queued = db.session.scalar(sa.select(OutboxMessage.text_body))
    deliver_mail(app)
    path = link_in(smtp.messages[-1])
    raw = path.rsplit("/", 1)[1]
    assert len(raw) >= 43  # 32 random bytes, url-safe base64
    assert raw in queued  # the link is rendered into the mail when it is queued…
    with app.app_context():
        token = db.session.scalar(sa.select(ActionToken))
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        row = db.session.execute(sa.select(ActionToken.__table__)).one()
        assert all(raw not in str(value) for value in row)
        # …and gone from the database once delivered.
        sent = db.session.scalar(sa.select(OutboxMessage))
        assert sent.status == "sent" and raw not in sent.text_body + sent.html_body


def test_signing_in_retires_the_other_links_of_that_user(app, client, smtp, recruiter):
    first = mailed_link(app, client, smtp, "riley@example.com")
    second = mailed_link(app, client, smtp, "riley@example.com")
    assert first != second
    assert client.post(second, data={"csrf_token": csrf_token(client, second)}).status_code == 302
    other = app.test_client()
    assert other.get(first).status_code == 410


def test_inactive_accounts_get_no_link(app, client, smtp):
    with app.app_context():
        make_user("candidate", email="gone@example.com", active=False)
        db.session.commit()
    response = request_link(client, "gone@example.com")
    assert response.headers["Location"] == "/login/sent"
    deliver_mail(app)
    assert smtp.messages == []


def test_deactivated_user_cannot_use_an_earlier_link(app, client, smtp, recruiter):
    path = mailed_link(app, client, smtp, "riley@example.com")
    with app.app_context():
        db.session.get(User, recruiter).active = False
        db.session.commit()
    page = client.get(path)  # gone, not "never issued" (auth.tokens.link_rule, auth/links.py)
    assert page.status_code == 410 and "This account can no longer sign in" in page.get_data(as_text=True)


def test_next_page_is_kept_through_the_link(app, client, smtp, recruiter):
    client.get("/dev/mail")
    response = client.post("/login", data={"email": "riley@example.com", "next": "/dev/mail",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    deliver_mail(app)
    path = link_in(smtp.messages[-1])
    assert path.endswith(("?next=/dev/mail", "?next=%2Fdev%2Fmail"))
    signed_in = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert signed_in.headers["Location"] == "/dev/mail"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "\\/evil.example", " //evil.example",
     "\t//evil.example", "javascript:alert(1)", "evil.example"],
)
def test_next_never_leaves_the_site(target):
    from portal.auth.services import safe_next

    assert safe_next(target) is None


def test_safe_next_accepts_local_paths():
    from portal.auth.services import safe_next

    assert safe_next("/people?q=ceo") == "/people?q=ceo"
