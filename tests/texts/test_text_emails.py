"""E-mails written with the edited texts: each reader gets the text of their own language (the edited
one, else our translation), filled in, the HTML part escaped; the rest of the e-mail stays ours."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user

from portal.candidates.exit_survey import send_exit_survey
from portal.extensions import db
from portal.feedback.services import draft_message, publish_message, remind_feedback, request_feedback
from portal.mail.models import OutboxMessage
from portal.meetings.notify import send_invitation
from portal.texts.catalogue import KINDS
from portal.texts.models import TextVersion
from portal.texts.services import save
from portal.timeutil import utcnow


def mail(kind: str, to: str) -> OutboxMessage:
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                             OutboxMessage.to_addr == to)).one()


def candidate_in(language: str | None, name: str, email: str, owner):
    candidate = make_candidate(owner=owner, position=make_position("Data Engineer", "Platform"), name=name,
                               email=email, timezone="Europe/Madrid")
    candidate.user.locale = language
    return candidate


@pytest.fixture
def riley(app_ctx):
    return make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")


def test_the_invitation_reads_the_edited_text_in_its_readers_language_only(riley):
    save(KINDS["candidate_invitation"], "es", "¡{candidate_first_name}, tienes noticias de {company_name}!",
         "Hola {candidate_first_name} & familia:\n\n{recruiter_name} te espera en el portal.\nHasta pronto.", by=riley)
    lucia = candidate_in("es", "Lucía <b>Pérez</b>", "lucia@example.com", riley)
    jordan = candidate_in(None, "Jordan Lee", "jordan@example.com", riley)
    hanna = candidate_in("de", "Hanna Weber", "hanna@example.com", riley)
    for candidate in (lucia, jordan, hanna):
        publish_message(candidate, "Hola.", by=riley)

    spanish = mail("candidate_invitation", "lucia@example.com")
    assert spanish.subject == "¡Lucía, tienes noticias de Northwind Labs!"
    assert spanish.text_body.startswith("Hola Lucía & familia:\n\nRiley Morgan te espera en el portal.\nHasta pronto.\n\n"
                                        "Léalo aquí (no necesita contraseña):")
    assert "caduca en 7 días" in spanish.text_body  # our part, in Spanish
    html = spanish.html_body
    assert "<p>Hola Lucía &amp; familia:</p>" in html and "<p>Riley Morgan te espera en el portal.<br>Hasta pronto.</p>" in html
    assert ">Leer mi mensaje</a>" in html and '<html lang="es">' in html

    english = mail("candidate_invitation", "jordan@example.com")
    assert english.subject == "Good news from Northwind Labs"
    assert english.text_body.startswith("Hi Jordan,\n\nRiley Morgan has a message waiting for you in the Northwind "
                                        "Labs Reverse Interview Portal")
    assert "tienes noticias" not in english.html_body and "expires in 7 days" in english.text_body

    german = mail("candidate_invitation", "hanna@example.com")
    assert german.subject == "Gute Nachrichten von Northwind Labs"
    assert german.text_body.startswith("Hallo Hanna,\n\nRiley Morgan hat im Reverse Interview Portal von Northwind Labs")


def test_a_name_with_markup_is_text_in_the_html_part(riley):
    save(KINDS["candidate_invitation"], "es", "Hola {candidate_name}", "Hola {candidate_name}.", by=riley)
    lucia = candidate_in("es", "Lucía <b>Pérez</b>", "lucia@example.com", riley)
    publish_message(lucia, "Hola.", by=riley)
    invitation = mail("candidate_invitation", "lucia@example.com")
    assert invitation.subject == "Hola Lucía <b>Pérez</b>"  # a header: plain text
    assert "<p>Hola Lucía &lt;b&gt;Pérez&lt;/b&gt;.</p>" in invitation.html_body
    assert "<b>Pérez" not in invitation.html_body.split("</head>")[1]


def test_a_stored_text_that_no_longer_fits_falls_back_to_ours(riley):
    db.session.add(TextVersion(kind="candidate_invitation", language="es", subject="Hola {old_name}",
                               opening="{{ 7 * 7 }} <b>x</b>", author_id=riley.id))
    lucia = candidate_in("es", "Lucía Pérez", "lucia@example.com", riley)
    publish_message(lucia, "Hola.", by=riley)
    invitation = mail("candidate_invitation", "lucia@example.com")
    assert invitation.subject == "Good news from Northwind Labs"
    assert "49" not in invitation.text_body and "{{" not in invitation.text_body
    assert invitation.text_body.startswith("Hi Lucía,")


def test_the_good_news_draft_starts_with_the_edited_text_in_the_candidates_language(riley):
    save(KINDS["good_news"], "es", None, "¡Enhorabuena, {candidate_first_name}! Te queremos en {team_name}.", by=riley)
    lucia = candidate_in("es", "Lucía Pérez", "lucia@example.com", riley)
    jordan = candidate_in(None, "Jordan Lee", "jordan@example.com", riley)
    spanish = draft_message(lucia)
    assert spanish.startswith("¡Enhorabuena, Lucía! Te queremos en Platform.\n\nAhora le toca a usted entrevistarnos.")
    assert draft_message(jordan).startswith("Hi Jordan,\n\nGood news: we'd love you to join Northwind Labs as Data "
                                            "Engineer on the Platform team")


def test_the_conversation_invitation_and_its_reminder(riley):
    amara = make_staff("leadership", title="CEO", name="Amara Okafor", email="amara@example.com",
                       timezone="Europe/Berlin")
    amara.locale = "de"
    save(KINDS["meeting_invitation"], "de", "{candidate_name} bittet um {length_minutes} Minuten",
         "Liebe {person_first_name},\n\n{candidate_name} möchte mit Ihnen sprechen ({conversation_kind}).", by=riley)
    candidate = candidate_in("es", "Lucía Pérez", "lucia@example.com", riley)
    meeting = make_meeting(candidate, amara, status="invited", slots=[utcnow() + timedelta(days=3)])
    assert send_invitation(meeting)
    invitation = mail("meeting_invitation", "amara@example.com")
    assert invitation.subject == "Lucía Pérez bittet um 30 Minuten"
    assert invitation.text_body.startswith("Liebe Amara,\n\nLucía Pérez möchte mit Ihnen sprechen (Videoanruf).")
    assert "Annehmen (eine der Zeiten wählen):" in invitation.text_body
    assert send_invitation(meeting, reminder=True)
    reminder = mail("meeting_invitation_reminder", "amara@example.com")
    # Not edited: our German reminder.
    assert reminder.subject == "Erinnerung: Lucía Pérez wartet auf Ihre Antwort"
    assert reminder.text_body.startswith("Hallo Amara,\n\neine kurze Erinnerung: Lucía wartet noch auf Ihre Antwort.")


def test_the_feedback_reminder_and_the_exit_survey_in_japanese(riley):
    tom = make_staff("team", name="Tom Becker", email="tom@example.com", timezone="Asia/Tokyo")
    tom.locale = "ja"
    candidate = candidate_in("ja", "Yui Sato", "yui@example.com", riley)
    save(KINDS["feedback_reminder"], "ja", "{candidate_name}さんのフィードバック", "{interviewer_first_name}さん、{deadline}までにお願いします。",
         by=riley)
    (feedback,) = request_feedback(candidate, [tom], by=riley)
    feedback.requested_at = utcnow() - timedelta(hours=2)  # a reminder waits an hour after the request
    db.session.flush()
    remind_feedback(feedback, by=riley)
    reminder = mail("feedback_reminder", "tom@example.com")
    assert reminder.subject == "Yui Satoさんのフィードバック"
    first = reminder.text_body.splitlines()[0]
    assert first.startswith("Tomさん、") and "JST" in first and first.endswith("までにお願いします。")
    assert ">リマインダー</h1>" in reminder.html_body

    candidate.stage = "declined"
    send_exit_survey(candidate, by=riley)
    survey = mail("exit_survey", "yui@example.com")
    assert survey.subject == "Northwind Labsからの任意の質問：何があればお考えが変わっていたでしょうか？"
    assert survey.text_body.startswith("Yui様\n\nNorthwind LabsのData Engineerのポジションをご検討いただき")
    assert "回答を読むのは採用チームだけです" in survey.text_body


@pytest.mark.parametrize("label, kind, english", [
    ("24h", "meeting_reminder_24h", "Tomorrow: your conversation with Amara Okafor"),
    ("1h", "meeting_reminder_1h", "In an hour: your conversation with Amara Okafor"),
])
def test_conversation_reminders_each_have_their_text(riley, label, kind, english):
    from portal.mail.services import render_mail

    amara = make_staff("leadership", name="Amara Okafor", email="amara@example.com", timezone="Europe/Berlin")
    candidate = candidate_in(None, "Jordan Lee", "jordan@example.com", riley)
    meeting = make_meeting(candidate, amara, status="confirmed", start=utcnow() + timedelta(days=2))
    context = {"label": label, "meeting": meeting, "candidate": candidate, "recipient": candidate.user,
               "other": amara, "agenda": []}
    subject, text, _html = render_mail("meeting_reminder", **context)
    assert subject == english and text.startswith("Hi Jordan,\n\nA reminder: you're talking to Amara Okafor")
    save(KINDS[kind], "en", "{other_name}, {when}", "Dear {recipient_first_name},\n\nSee you {when}.", by=riley)
    subject, text, html = render_mail("meeting_reminder", **context)
    assert subject.startswith("Amara Okafor, ") and "(Europe/Madrid)" in subject  # {when}: in the reader's zone
    assert text.startswith("Dear Jordan,\n\nSee you ") and "<p>Dear Jordan,</p>" in html
