"""E-mails arrive in their reader's language: the account at the address decides (subject, text and
HTML parts, and the HTML part's ``<html lang>``); an address without an account reads English."""

import re

import pytest
from factories import make_candidate, make_staff, make_user

from portal.extensions import db
from portal.mail.services import queue_mail

# One unmistakable phrase of each part per language: the greeting, the sign-in sentence, the button.
SIGN_IN = {
    "en": ("Your sign-in link for", "Use this link to sign in to the", "Sign in to"),
    "de": ("Ihr Anmeldelink für", "Melden Sie sich über diesen Link beim", "anmelden</h1>"),
    "es": ("Su enlace de inicio de sesión para", "Use este enlace para iniciar sesión en el", ">Iniciar sesión en "),
    "ja": ("のサインインリンク", "次のリンクから", "にサインイン</h1>"),
}
WRITTEN_ACCEPTED = {
    "en": ("will answer your questions in writing", "Good news:", "as soon as the answers are in"),
    "de": ("beantwortet Ihre Fragen schriftlich", "Gute Nachricht:", "sobald die Antworten da sind"),
    "es": ("responderá a sus preguntas por escrito", "Buenas noticias:", "en cuanto lleguen las respuestas"),
    "ja": ("が質問に書面で回答します", "うれしいお知らせです。", "回答が届くとすぐに"),
}


def _html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _queue_sign_in(to: str, user):
    return queue_mail("sign_in", to=to, dedupe_key=f"sign_in:{to}", user=user, minutes=10,
                      link_values={"token": "abc"})


@pytest.mark.parametrize("language", ["de", "es", "ja"])
def test_sign_in_mail_is_in_the_account_language(app, language):
    subject_part, text_part, html_part = SIGN_IN[language]
    with app.app_context():
        user = make_user(email=f"reader-{language}@example.com", name="Kim Park")
        user.locale = language
        message = _queue_sign_in(user.email, user)
        db.session.commit()
        assert subject_part in message.subject
        assert text_part in message.text_body
        assert html_part in message.html_body
        assert _html_lang(message.html_body) == language
        # Nothing English is left of the sentences (names and links aside).
        for english in SIGN_IN["en"][:2]:
            assert english not in message.subject + message.text_body + message.html_body
        assert "expires in" not in message.text_body and "ignore this e-mail" not in message.html_body
        assert "Hi Kim" not in message.text_body


def test_an_address_without_an_account_reads_english(app):
    with app.app_context():
        someone = make_user(email="owner@example.com", name="Kim Park")
        someone.locale = "ja"
        message = _queue_sign_in("nobody-here@example.com", someone)
        db.session.commit()
        assert message.subject.startswith("Your sign-in link for")
        assert message.text_body.startswith("Hi Kim,\n\nUse this link to sign in to the")
        assert "The link works once and expires in 10 minutes." in message.html_body
        assert _html_lang(message.html_body) == "en"


@pytest.mark.parametrize("language", ["ja", "de", "es"])
def test_a_candidate_mail_follows_the_candidate_not_the_sender(app, language):
    """Queued while someone else's language is in force (a German recruiter's request), the
    candidate's mail is still in the candidate's language, and the person's name stays as it is."""
    subject_part, text_part, html_part = WRITTEN_ACCEPTED[language]
    with app.app_context():
        candidate = make_candidate(name="Yuki Tanaka", email=f"yuki-{language}@example.com")
        candidate.user.locale = language
        person = make_staff(name="Sam Lee")
        person.locale = "de" if language != "de" else "es"
        message = queue_mail("meeting_written_accepted", to=candidate.user.email,
                             dedupe_key=f"accepted:{language}", candidate=candidate, person=person)
        db.session.commit()
        assert "Sam Lee" in message.subject
        assert subject_part in message.subject
        assert text_part in message.text_body and "Sam Lee" in message.text_body
        assert html_part in message.html_body
        assert _html_lang(message.html_body) == language
        assert "Good news" not in message.text_body and "will answer in writing" not in message.html_body


def test_language_argument_overrides_the_account(app):
    with app.app_context():
        user = make_user(email="reader-override@example.com", name="Kim Park")
        user.locale = "ja"
        message = queue_mail("sign_in", to=user.email, dedupe_key="override", user=user, minutes=10,
                             link_values={"token": "abc"}, language="es")
        db.session.commit()
        assert message.subject.startswith("Su enlace de inicio de sesión para")
        assert _html_lang(message.html_body) == "es"
