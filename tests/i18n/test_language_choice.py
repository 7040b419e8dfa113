"""Who reads which language: a visitor their browser's (Accept-Language) until they choose one with
the switcher at the foot of every page; a signed-in person their account's, whatever the browser
says; an e-mail its recipient's account language, whoever's page sent it. ``<html lang>`` says which.

The switcher is a plain form (no JavaScript): these tests post it as a browser without scripts would.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from babel.support import Translations
from factories import make_candidate, make_staff, make_user
from flask import url_for
from helpers import Auth, csrf_in, deliver_mail, link_in, text_of
from i18n_catalogues import TRANSLATIONS

from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage


def html_lang(html: str) -> str:
    match = re.search(r"<html\b[^>]*\blang=\"([^\"]*)\"", html)
    assert match, "no <html lang> on the page"
    return match.group(1)


def selected_language(html: str) -> str:
    """The language the switcher shows as chosen."""
    switcher = re.search(r'<select id="language-choice".*?</select>', html, re.DOTALL).group(0)
    return re.search(r'<option value="(\w+)"[^>]*\bselected', switcher).group(1)


def in_language(language: str, msgid: str) -> str:
    """``msgid`` as the compiled catalogue of ``language`` has it (the app reads the same file)."""
    return Translations.load(str(TRANSLATIONS), [language]).gettext(msgid)


def switcher_text(html: str) -> str:
    return text_of(re.search(r'<form[^>]*class="language-switcher".*?</form>', html, re.DOTALL).group(0))


def choose(client, language: str, next_path: str, page_html: str):
    return client.post("/language", data={"language": language, "next": next_path,
                                          "csrf_token": csrf_in(page_html, last=True)})


def locale_of(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).locale


# --- a visitor ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("header,language", [
    ("ja", "ja"), ("ja-JP,ja;q=0.9,en;q=0.5", "ja"), ("de-DE,de;q=0.9", "de"), ("es-ES", "es"),
    ("es-MX,es;q=0.8", "es"), ("fr-FR,fr;q=0.9", "en"), ("en-GB", "en"), ("", "en"),
])
def test_a_visitor_reads_the_browsers_language_on_the_sign_in_page(client, header, language):
    html = client.get("/login", headers={"Accept-Language": header} if header else {}).get_data(as_text=True)
    assert html_lang(html) == language
    assert selected_language(html) == language


def test_a_visitor_in_japanese_sees_japanese_text_and_lang_on_every_kind_of_page(client):
    headers = {"Accept-Language": "ja-JP"}
    assert in_language("ja", "Change language") != "Change language", "the Japanese catalogue lacks it"
    for path, status in (("/login", 200), ("/no/such/page", 404)):
        response = client.get(path, headers=headers)
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert html_lang(html) == "ja", path
        assert in_language("ja", "Change language") in switcher_text(html), path


def test_the_switcher_sets_a_visitors_language_and_returns_to_the_page(client):
    page = client.get("/login?next=/people", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert html_lang(page) == "de"
    response = choose(client, "es", "/login?next=/people", page)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login?next=/people")
    again = client.get("/login?next=/people", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert html_lang(again) == "es", "the choice beats the browser's language"
    assert selected_language(again) == "es"


@pytest.mark.parametrize("code", ["fr", "xx", "", "ja-JP-evil", "<script>"])
def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(client, code):
    page = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    choose(client, "de", "/login", page)
    response = choose(client, code, "/login", page)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    after = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert html_lang(after) == "de"
    assert in_language("de", "Choose a language from the list.") in text_of(after)  # and says why


def test_the_switcher_never_sends_anyone_to_another_site(client):
    page = client.get("/login").get_data(as_text=True)
    response = choose(client, "ja", "https://evil.example/", page)
    assert response.status_code == 303
    assert "evil.example" not in response.headers["Location"]


def test_the_switcher_needs_the_forms_token(client):
    response = client.post("/language", data={"language": "ja", "next": "/login"})
    assert response.status_code == 400
    assert html_lang(client.get("/login").get_data(as_text=True)) == "en"


# --- a signed-in person --------------------------------------------------------------------------------


@pytest.fixture
def jordan(app):
    with app.app_context():
        candidate = make_candidate(name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
        candidate.user.locale = "de"
        db.session.commit()
        return candidate.user.id


def sign_in(app, client, user_id):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))


def test_an_accounts_language_wins_over_the_browsers(app, client, jordan):
    sign_in(app, client, jordan)
    for path in ("/", "/people", "/questions"):
        html = client.get(path, headers={"Accept-Language": "ja-JP,ja"}).get_data(as_text=True)
        assert html_lang(html) == "de", path
        assert selected_language(html) == "de"


def test_the_switcher_sets_a_signed_in_persons_language(app, client, jordan):
    sign_in(app, client, jordan)
    page = client.get("/people").get_data(as_text=True)
    response = choose(client, "ja", "/people", page)
    assert response.status_code == 303 and response.headers["Location"].endswith("/people")
    assert locale_of(app, jordan) == "ja"
    assert html_lang(client.get("/people", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "ja"
    # An unknown one leaves the account as it was.
    choose(client, "klingon", "/people", page)
    assert locale_of(app, jordan) == "ja"


def test_first_sign_in_takes_the_browsers_language_and_later_ones_keep_the_account(app, client, smtp):
    with app.app_context():
        user = make_user("recruiter", email="riley@example.com", name="Riley Morgan")
        db.session.commit()
        user_id = user.id
    assert locale_of(app, user_id) is None
    headers = {"Accept-Language": "es-ES,es;q=0.9"}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    client.post("/login", data={"email": "riley@example.com", "csrf_token": csrf_in(page)}, headers=headers)
    deliver_mail(app)
    (mail,) = smtp.messages_to("riley@example.com")
    assert html_lang(html_part(mail)) == "es", "no account language yet: the page's language"
    path = link_in(mail)
    confirm = client.get(path, headers=headers).get_data(as_text=True)
    client.post(path, data={"csrf_token": csrf_in(confirm)}, headers=headers)
    assert locale_of(app, user_id) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)) == "es"


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


# --- e-mails ---------------------------------------------------------------------------------------------


def test_an_email_goes_in_the_recipients_language_whatever_the_senders_page(app, client, riley):
    with app.app_context():
        german = make_staff("team", name="Katharina Vogel", email="katharina@example.com")
        german.locale = "de"
        unset = make_staff("team", name="Tom Becker", email="tom@example.com")
        db.session.commit()
        people = {"de": german.id, "en": unset.id}
        Auth(app, client).login(db.session.get(User, riley))
        db.session.get(User, riley).locale = "ja"  # the recruiter reads the portal in Japanese
        db.session.commit()
    page = client.get("/people/manage").get_data(as_text=True)
    assert html_lang(page) == "ja"
    for language, user_id in people.items():
        with app.test_request_context():
            path = url_for("people.invite_person", user_id=user_id)
        response = client.post(path, data={"csrf_token": csrf_in(page)})
        assert response.status_code in (302, 303), response.status_code
        with app.app_context():
            email = db.session.get(User, user_id).email
            mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == email))
            assert mail is not None and mail.kind == "profile_invite"
            assert html_lang(mail.html_body) == language, (email, "the reader's language, not the sender's")


def test_a_sign_in_link_is_in_the_accounts_language_not_the_pages(app, client, jordan, smtp):
    page = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    client.post("/login", data={"email": "jordan@example.com", "csrf_token": csrf_in(page)},
                headers={"Accept-Language": "ja"})
    deliver_mail(app)
    (mail,) = smtp.messages_to("jordan@example.com")
    assert html_lang(html_part(mail)) == "de"



def test_signing_out_keeps_the_persons_language(app, client, jordan):
    sign_in(app, client, jordan)
    page = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_in(page)})
    login = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert html_lang(login) == "de"  # Jordan reads German; the shared computer's browser is English


def test_changing_the_language_in_settings_reloads_the_whole_page_under_htmx(app, client, jordan):
    """htmx swaps only <body>: a new language needs a whole page (its <html lang>), so the answer is
    HX-Redirect; the same form without a change answers as before."""
    sign_in(app, client, jordan)
    page = client.get("/settings").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, jordan)
        fields = {"timezone": user.timezone, "day_start": "07:00", "day_end": "21:00",
                  "csrf_token": csrf_in(page, last=False)}
    changed = client.post("/settings", data={**fields, "language": "ja"}, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and changed.headers["HX-Redirect"].endswith("/settings")
    assert locale_of(app, jordan) == "ja"
    same = client.post("/settings", data={**fields, "language": "ja"}, headers={"HX-Request": "true"})
    assert "HX-Redirect" not in same.headers
    assert html_lang(client.get("/settings").get_data(as_text=True)) == "ja"
