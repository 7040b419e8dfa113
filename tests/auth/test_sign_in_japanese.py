"""A Japanese reader signs in: the sign-in page, the "check your mail" page and the e-mail they asked for
there are in Japanese while their account has no language yet, and their first sign-in gives the
account Japanese (auth.services: ``request_sign_in_link`` keeps the page's language for
``mail_sign_in_link``; ``start_session`` takes it at the first sign-in)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from babel.support import Translations
from factories import stored_user
from helpers import csrf_in, deliver_mail, link_in, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.i18n import TRANSLATIONS

JAPANESE = {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}


def ja(msgid: str, **values) -> str:
    """``msgid`` as the Japanese catalogue says it (failing if it doesn't: that's English left)."""
    said = Translations.load(str(TRANSLATIONS), ["ja"]).gettext(msgid)
    assert said != msgid, f"the Japanese catalogue lacks {msgid!r}"
    return said % values if values else said


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def locale_of(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(User.locale).where(User.id == user_id))


def test_a_sign_in_asked_for_in_japanese_arrives_in_japanese_and_the_account_takes_japanese(app, client, smtp):
    user_id = stored_user(app, "candidate", email="aiko@example.com", name="Aiko Tanaka")
    assert locale_of(app, user_id) is None

    page = client.get("/login", headers=JAPANESE).get_data(as_text=True)
    assert html_lang(page) == "ja"
    assert ja("We'll e-mail you a link that signs you in. No password needed.") in text_of(page)
    sent = client.post("/login", data={"email": "aiko@example.com", "csrf_token": csrf_in(page)}, headers=JAPANESE)
    check = client.get(sent.headers["Location"], headers=JAPANESE).get_data(as_text=True)
    assert ja("Check your e-mail") in text_of(check)
    assert ja("Still stuck? Reply to any e-mail from your recruiter and they will sort it out.") in text_of(check)

    deliver_mail(app)
    (mail,) = smtp.messages_to("aiko@example.com")
    company = app.config["COMPANY_NAME"]
    assert mail["Subject"] == ja("Your sign-in link for %(company)s", company=company)
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert html_lang(html) == "ja"
    assert ja("Sign in") in html
    assert locale_of(app, user_id) is None, "asking for a link gives the account no language"

    path = link_in(mail)
    confirm = client.get(path, headers=JAPANESE).get_data(as_text=True)
    assert ja("Sign in as %(name)s", name="Aiko") in text_of(confirm)
    signed_in = client.post(path, data={"csrf_token": csrf_in(confirm)}, headers=JAPANESE)
    assert signed_in.status_code == 302
    assert locale_of(app, user_id) == "ja"
    # From now on the account's language, whatever the browser says.
    home = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert html_lang(home) == "ja"
    assert ja("Welcome, %(name)s. You're signed in.", name="Aiko") in text_of(home)
