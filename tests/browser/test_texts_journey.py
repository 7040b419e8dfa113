"""Journey: a recruiter writes the Spanish invitation in the company's words and a Spanish candidate
receives it, through the real outbox and SMTP sink.

Riley opens "E-mail texts" from the navigation, then the Spanish invitation to the portal: our
Spanish text, the placeholders and a preview on sample data. She writes her own subject and opening;
the preview follows as she types (htmx). A placeholder that doesn't exist is refused at the field
(422) and nothing is saved; she saves her text and the history names her. She adds Carmen with the
language "Español", publishes Carmen's good-news message (its draft starts in Spanish) and Carmen's
invitation arrives with Riley's words, filled in, the HTML part escaped, the rest in our Spanish.
Riley resets the text to ours and the history shows both versions. Without JavaScript the Preview
button shows the same preview. axe, the Nu checker and 375 px on every page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from browser_helpers import axe_check, sign_in_browser
from helpers import deliver_mail
from playwright.sync_api import expect

from portal.extensions import db
from portal.texts.models import TextVersion

RILEY = "riley.morgan@northwind.example"
CARMEN = "carmen.ruiz@example.com"
SUBJECT = "{candidate_first_name}, {company_name} tiene noticias para ti"
OPENING = ("Hola {candidate_first_name}:\n\n{recruiter_name} te ha escrito en nuestro portal: lee lo que dijeron "
           "tus entrevistadores & cómo conocernos mejor.")


def _mail_to(server, smtp, address: str):
    deliver_mail(server.app)
    found = smtp.messages_to(address)
    assert found, f"no mail to {address}"
    return found[-1]


def test_a_recruiter_edits_the_spanish_invitation_and_the_candidate_reads_it(page, browser, demo, smtp):
    sign_in_browser(page.context, demo.app, demo.url, RILEY)
    page.goto(demo.url + "/")
    page.get_by_role("link", name="E-mail texts").click()
    expect(page.get_by_role("heading", name="E-mail texts", level=1)).to_be_visible()
    axe_check(page)

    # The Spanish invitation: our Spanish text, the placeholders, a preview on sample data.
    page.get_by_role("link", name="Invitation to the portal in Español").click()
    expect(page.get_by_role("heading", name=re.compile("Invitation to the portal"), level=1)).to_be_visible()
    subject, opening = page.get_by_label("Subject"), page.get_by_label("Opening")
    expect(subject).to_have_value("Buenas noticias de {company_name}")
    expect(page.locator("#preview")).to_contain_text("Hola, Jordan:")
    expect(page.get_by_text("{recruiter_name}", exact=True)).to_be_visible()
    axe_check(page)

    # Her words; the preview follows as she types.
    subject.fill(SUBJECT)
    opening.fill(OPENING.replace("{candidate_first_name}", "{nombre}", 1))
    expect(page.locator("#preview")).to_contain_text("Unknown placeholder {nombre}")
    opening.fill(OPENING)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Jordan, Northwind Labs tiene noticias para ti")
    expect(preview).to_contain_text("Riley Morgan te ha escrito en nuestro portal: lee lo que dijeron tus "
                                    "entrevistadores & cómo conocernos mejor.")
    axe_check(page)

    # Refused at the field, nothing saved; then saved.
    opening.fill(OPENING + "\n\nSaludos, {candidate.user.email}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#opening-error")).to_contain_text("{candidate.user.email} can't be used")
    axe_check(page)
    with demo.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TextVersion)) == 0
    opening.fill(OPENING)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved.")
    expect(page.locator("#history-heading + ol")).to_contain_text("Riley Morgan saved a version")
    axe_check(page)

    # Carmen, in Spanish.
    page.goto(demo.url + "/recruiter/candidates")
    page.get_by_role("button", name="Add a candidate").click()
    page.get_by_label("Full name").fill("Carmen Ruiz")
    page.get_by_label("E-mail").fill(CARMEN)
    page.get_by_label("Candidate's time zone").fill("Madrid")
    page.locator("#locale").select_option(label="Español")  # the form's Language, not the page footer's
    page.get_by_label("Position", exact=True).select_option(label="Senior Backend Engineer · Platform")
    deadline = datetime.combine(date.today() + timedelta(weeks=3), time(17, 0), tzinfo=ZoneInfo("Europe/Madrid"))
    page.get_by_label("Decision deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Add candidate").click()
    expect(page.get_by_role("heading", name="Carmen Ruiz", level=1)).to_be_visible()
    axe_check(page)

    # Her good-news message starts in Spanish; publishing sends the invitation.
    page.get_by_role("button", name="Write the message").click()
    body = page.get_by_label("Message", exact=True)
    expect(body).to_have_value(re.compile(r"^Hola, Carmen:\s+Buenas noticias"))
    axe_check(page)
    page.get_by_role("button", name="Publish and send invitation").click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("published", re.IGNORECASE))

    invitation = _mail_to(demo, smtp, CARMEN)
    assert str(invitation["Subject"]) == "Carmen, Northwind Labs tiene noticias para ti"
    text = invitation.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hola Carmen:\n\nRiley Morgan te ha escrito en nuestro portal: lee lo que dijeron tus "
                           "entrevistadores & cómo conocernos mejor.\n\nLéalo aquí (no necesita contraseña):")
    assert "El enlace funciona una vez y caduca en 7 días." in text and text.count("\n\nNos alegra tenerle aquí.") == 1
    html = invitation.get_body(preferencelist=("html",)).get_content()
    assert "tus entrevistadores &amp; cómo conocernos mejor.</p>" in html and '<html lang="es">' in html
    assert ">Leer mi mensaje</a>" in html

    # Back to our text; the history keeps both.
    page.goto(demo.url + "/recruiter/texts/candidate_invitation/es")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset to our text").click()
    expect(page.get_by_role("status").first).to_contain_text("Back to our default text in Español.")
    expect(page.get_by_label("Subject")).to_have_value("Buenas noticias de {company_name}")
    history = page.locator("#history-heading + ol")
    expect(history).to_contain_text("Riley Morgan went back to our text")
    expect(history).to_contain_text("Riley Morgan saved a version")
    axe_check(page)


def test_the_preview_button_works_without_javascript(page_without_js, browser, demo):
    page = page_without_js
    sign_in_browser(page.context, demo.app, demo.url, RILEY)
    page.goto(demo.url + "/recruiter/texts/exit_survey/es")
    page.get_by_label("Opening").fill("Hola {candidate_first_name}:\n\n<b>Gracias</b>")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("HTML tags can't be used here")
    axe_check(page, no_js_browser=browser)
    page.get_by_label("Opening").fill("Hola {candidate_first_name}:\n\nGracias por todo, de verdad.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("Hola Jordan:")
    expect(page.locator("#preview")).to_contain_text("Gracias por todo, de verdad.")
    expect(page.get_by_label("Opening")).to_have_value("Hola {candidate_first_name}:\n\nGracias por todo, de verdad.")
    axe_check(page, no_js_browser=browser)
