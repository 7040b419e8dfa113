"""/recruiter/texts: the list, the editor with its live preview, saving, refusing, resetting, the history."""

import re

import pytest
import sqlalchemy as sa
from factories import make_user
from helpers import HTMX, Auth, count, csrf_in, text_of

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.texts.models import TextVersion

EDIT = "/recruiter/texts/candidate_invitation/es"


@pytest.fixture
def recruiter(app, client):
    with app.app_context():
        user = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        db.session.commit()
        Auth(app, client).login(user)
    return client


def post(client, path, **data):
    token = csrf_in(client.get(EDIT).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers=data.pop("headers", None) or {})


def textarea(html: str) -> str:
    return re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", html, re.DOTALL).group(1)


def test_the_list_names_every_text_in_every_language(recruiter):
    html = recruiter.get("/recruiter/texts").get_data(as_text=True)
    for label in ("Invitation to the portal", "Good-news message (first draft)", "Conversation invitation",
                  "Reminder of a conversation invitation", "Reminder a day before a conversation",
                  "Reminder an hour before a conversation", "Feedback reminder", "Exit survey"):
        assert f">{label}</h2>" in html
    assert html.count(f'href="{EDIT}"') == 1 and html.count("Our text</span>") == 8 * 4
    assert 'href="/recruiter/texts"' in html  # in the navigation


def test_the_editor_starts_from_our_spanish_text_with_the_placeholders_listed(recruiter):
    html = recruiter.get(EDIT).get_data(as_text=True)
    assert 'value="Buenas noticias de {company_name}"' in html
    assert textarea(html).startswith("Hola, {candidate_first_name}:\n\n{recruiter_name} le ha dejado un mensaje")
    placeholders = text_of(html)
    assert "{candidate_first_name} The candidate's first name" in placeholders
    assert "{recruiter_name} The recruiter the message comes from" in placeholders
    # The preview, on sample data, in Spanish.
    assert "<strong>Buenas noticias de Northwind Labs</strong>" in html
    assert "<p>Hola, Jordan:</p>" in html and "Riley Morgan le ha dejado un mensaje" in html
    assert "No versions yet" in html and "Reset to our text" not in html


def test_preview_with_htmx_is_the_fragment_escaped_and_changes_nothing(app, recruiter):
    response = post(recruiter, EDIT + "/preview", subject="¡Hola {candidate_first_name}!",
                    opening="Hola {candidate_first_name} & co,\n\nUna línea\notra", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith('<section id="preview"') and "<html" not in html
    assert "<strong>¡Hola Jordan!</strong>" in html
    assert "<p>Hola Jordan &amp; co,</p>\n<p>Una línea<br>otra</p>" in html
    with app.app_context():
        assert count(TextVersion) == 0


def test_preview_of_a_refused_text_says_why(recruiter):
    response = post(recruiter, EDIT + "/preview", subject="Hola", opening="Hola {candidate.user.email}",
                    headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'role="alert"' in html
    assert "{candidate.user.email} can&#39;t be used" in html and "Allowed: {candidate_first_name}" in html


def test_preview_without_javascript_renders_the_whole_page_with_the_text_kept(recruiter):
    response = post(recruiter, EDIT + "/preview", subject="Hola", opening="Hola {candidate_first_name},\n\nMío.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Invitation to the portal" in html
    assert textarea(html) == "Hola {candidate_first_name},\n\nMío." and "<p>Mío.</p>" in html


@pytest.mark.parametrize("field, data, message", [
    ("opening", {"opening": "Hola {{ config }}"}, "Template code such as {{ … }}, {% … %}, {# … #} can"),
    ("opening", {"opening": "Hola <b>tú</b>"}, "HTML tags can&#39;t be used here: write plain text; the layout is ours."),
    ("opening", {"opening": "Hola {apellido}"}, "Unknown placeholder {apellido}. Allowed here: {candidate_first_name}"),
    ("opening", {"opening": "Hola {candidate_first_name:>40}"}, "write the placeholder without formatting"),
    ("opening", {"opening": "   "}, "Write the opening; it can&#39;t be empty"),
    ("subject", {"subject": "Hola {user.password}"}, "{user.password} can&#39;t be used"),
    ("subject", {"subject": ""}, "Write the subject; it can&#39;t be empty"),
])
def test_refused_text_is_a_422_with_the_message_at_the_field_and_nothing_saved(app, recruiter, field, data,
                                                                                message):
    form = {"subject": "Buenas noticias", "opening": "Hola {candidate_first_name}.", **data}
    response = post(recruiter, EDIT, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', html, re.DOTALL)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in html
    with app.app_context():
        assert count(TextVersion) == 0 and count(AuditEvent) == 0


def test_save_keeps_a_version_audits_it_and_the_history_shows_who(app, recruiter):
    saved = post(recruiter, EDIT, subject="Buenas noticias, {candidate_first_name}",
                 opening="Hola {candidate_first_name}:\r\n\r\nTe esperamos en {company_name}.")
    assert saved.status_code == 302 and saved.headers["Location"] == EDIT
    html = recruiter.get(EDIT).get_data(as_text=True)
    assert "Saved. Every Invitation to the portal in Español written from now on uses it." in html
    assert 'value="Buenas noticias, {candidate_first_name}"' in html
    assert textarea(html) == "Hola {candidate_first_name}:\n\nTe esperamos en {company_name}."
    history = text_of(html, "history-heading") + text_of(html)
    assert "Riley Morgan saved a version" in history and "Current" in history
    again = post(recruiter, EDIT, subject="Buenas noticias, {candidate_first_name}",
                 opening="Hola {candidate_first_name}:\n\nTe esperamos en {company_name}.")
    assert again.status_code == 302
    assert "Nothing changed, so nothing was saved." in recruiter.get(EDIT).get_data(as_text=True)
    with app.app_context():
        (version,) = db.session.scalars(sa.select(TextVersion)).all()
        assert (version.kind, version.language, version.author.name) == ("candidate_invitation", "es", "Riley Morgan")
        (event,) = db.session.scalars(sa.select(AuditEvent)).all()
        assert event.action == "text.edited" and event.actor_id == version.author_id
        assert event.summary == "Riley Morgan edited the e-mail text 'Invitation to the portal' (Español)"
        assert event.details["changed"] == ["subject", "opening"]
    listing = recruiter.get("/recruiter/texts").get_data(as_text=True)
    assert listing.count("Edited</span>") == 1 and "by Riley Morgan" in listing


def test_reset_goes_back_to_our_text_and_the_history_keeps_both(app, recruiter):
    post(recruiter, EDIT, subject="Mi asunto", opening="Mi texto.")
    html = recruiter.get(EDIT).get_data(as_text=True)
    assert "Reset to our text" in html
    reset = post(recruiter, EDIT + "/reset")
    assert reset.status_code == 302 and reset.headers["Location"] == EDIT
    html = recruiter.get(EDIT).get_data(as_text=True)
    assert "Back to our default text in Español." in html
    assert 'value="Buenas noticias de {company_name}"' in html and "Reset to our text" not in html
    history = text_of(html)
    assert "Riley Morgan went back to our text" in history and "Riley Morgan saved a version" in history
    assert "Mi texto." in html  # the earlier version, in the history
    again = post(recruiter, EDIT + "/reset")
    assert again.status_code == 302
    assert "This text already is our default." in recruiter.get(EDIT).get_data(as_text=True)
    with app.app_context():
        assert [v.is_reset for v in db.session.scalars(sa.select(TextVersion).order_by(TextVersion.id))] == [False, True]
        assert list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id))) == [
            "text.edited", "text.reset"]


@pytest.mark.parametrize("path", ["/recruiter/texts/sign_in/es", "/recruiter/texts/candidate_invitation/fr",
                                  "/recruiter/texts/candidate_invitation/ES"])
def test_an_unknown_text_or_language_is_a_404(recruiter, path):
    assert recruiter.get(path).status_code == 404


def test_the_good_news_text_has_no_subject(recruiter):
    html = recruiter.get("/recruiter/texts/good_news/de").get_data(as_text=True)
    assert 'name="subject"' not in html and textarea(html).startswith("Hallo {candidate_first_name},")


def test_the_editor_reads_in_the_recruiters_language(app, recruiter):
    with app.app_context():
        db.session.execute(sa.text("UPDATE \"user\" SET locale = 'ja' WHERE role = 'recruiter'"))
        db.session.commit()
    html = recruiter.get(EDIT).get_data(as_text=True)
    assert "プレースホルダー" in html and "ポータルへの招待" in html and "候補者の名" in html
    assert "Placeholders" not in html and "The candidate's first name" not in html
