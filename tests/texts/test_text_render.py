"""The renderer of edited texts: what is refused (and why), what is filled in, what is escaped.

The placeholder-injection test is here: template syntax, HTML, an unknown placeholder, attribute
and index access, format specs and conversions are each refused with a message naming the reason,
and a service-level save of any of them keeps nothing (no version, no audit event)."""

import pytest
import sqlalchemy as sa
from factories import make_user
from helpers import count

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.i18n import LANGUAGES, language_of
from portal.texts.catalogue import KINDS
from portal.texts.models import TextVersion
from portal.texts.render import TextError, parse, render_html, render_text
from portal.texts.services import save

ALLOWED = ("candidate_first_name", "company_name")


def test_placeholders_are_filled_in_as_plain_strings():
    text = "Hi {candidate_first_name},\n\nWelcome to {company_name}. {company_name}!"
    values = {"candidate_first_name": "Ana {company_name}", "company_name": "Acme {0.__class__}"}
    # A value that looks like a placeholder or a format field is text: it is never read again.
    assert render_text(text, ALLOWED, values) == ("Hi Ana {company_name},\n\nWelcome to Acme {0.__class__}. "
                                                  "Acme {0.__class__}!")


def test_the_html_part_escapes_everything_and_makes_paragraphs():
    html = render_html("Hi {candidate_first_name},\n\nLine one\nline two & more", ALLOWED,
                       {"candidate_first_name": "<script>alert(1)</script>"})
    assert html == ("<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;,</p>\n"
                    "<p>Line one<br>line two &amp; more</p>")


def test_a_lone_less_than_sign_is_text_not_a_tag():
    assert render_html("2 < 3 and 4 > 1", ALLOWED, {}) == "<p>2 &lt; 3 and 4 &gt; 1</p>"


INJECTIONS = [
    ("{{ config.SECRET_KEY }}", "Template code such as"),
    ("{% for x in range(9) %}x{% endfor %}", "Template code such as"),
    ("Hi {# hidden #}", "Template code such as"),
    ("Hi <b>{candidate_first_name}</b>", "HTML tags can't be used here: write plain text; the layout is ours."),
    ("<script>alert(1)</script>", "HTML tags can't be used here"),
    ("<!-- a comment -->", "HTML tags can't be used here"),
    ("Hi {candidate_last_name}", ("Unknown placeholder {candidate_last_name}. Allowed here: "
                                 "{candidate_first_name}, {company_name}.")),
    ("{secret} and {password}", "Unknown placeholders {secret}, {password}. Allowed here:"),
    ("{candidate.user.email}", "{candidate.user.email} can't be used: a placeholder is a name alone in braces"),
    ("{candidate_first_name.__class__}", "can't be used: a placeholder is a name alone in braces"),
    ("{names[0]}", "{names[0]} can't be used: a placeholder is a name alone in braces"),
    ("{0}", "{0} can't be used: a placeholder is a name alone"),
    ("{}", "{} can't be used"),
    ("{candidate_first_name:>99999}", ("{candidate_first_name:>99999} can't be used: write the placeholder "
                                      "without formatting, as {candidate_first_name}.")),
    ("{candidate_first_name!r}", "{candidate_first_name!r} can't be used: write the placeholder without formatting"),
    ("Hi {candidate_first_name", "A brace is not closed"),
    ("Hi candidate_first_name}", "A brace is not closed"),
]


@pytest.mark.parametrize("text, why", INJECTIONS)
def test_injection_is_refused_with_the_reason(app_ctx, text, why):
    with pytest.raises(TextError) as refused:
        parse(text, ALLOWED, "opening")
    assert why in str(refused.value) and refused.value.field == "opening"


@pytest.mark.parametrize("text, why", INJECTIONS)
def test_injection_saves_nothing(app_ctx, text, why):
    recruiter = make_user("recruiter")
    kind = KINDS["candidate_invitation"]
    with pytest.raises(TextError) as refused:
        save(kind, "es", "Buenas noticias", f"Hola,\n\n{text}", by=recruiter)
    assert why.split(".")[0].split(":")[0] in str(refused.value)
    assert count(TextVersion) == 0 and count(AuditEvent) == 0
    with pytest.raises(TextError) as in_subject:
        save(kind, "es", text.replace("\n", " "), "Hola.", by=recruiter)
    assert in_subject.value.field == "subject" and count(TextVersion) == 0


def test_unknown_placeholder_message_is_in_the_readers_language(app_ctx):
    with language_of("de"), pytest.raises(TextError) as refused:
        parse("Hallo {vorname}", ALLOWED)
    assert str(refused.value) == ("Unbekannter Platzhalter {vorname}. Hier erlaubt: {candidate_first_name}, "
                                  "{company_name}.")


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("key", list(KINDS))
def test_every_default_in_every_language_is_a_valid_text(app_ctx, key, language):
    """Our translations keep their placeholders: each parses with the kind's own, and uses the same ones."""
    kind = KINDS[key]
    with language_of("en"):
        english = [kind.default_opening(), kind.default_opening({"team_name": ""}), kind.default_subject() or ""]
    with language_of(language):
        ours = [kind.default_opening(), kind.default_opening({"team_name": ""}), kind.default_subject() or ""]
    if language != "en":
        assert ours != english, "not translated"
    for theirs, mine in zip(english, ours):
        names = sorted({name for _literal, name in parse(theirs, kind.placeholders) if name})
        assert sorted({name for _literal, name in parse(mine, kind.placeholders) if name}) == names


def test_a_saved_text_equal_to_ours_keeps_following_ours(app_ctx):
    recruiter = make_user("recruiter")
    kind = KINDS["exit_survey"]
    with language_of("de"):
        subject, opening = kind.default_subject(), kind.default_opening()
    assert save(kind, "de", subject, opening, by=recruiter) is None
    assert count(TextVersion) == 0
    version = save(kind, "de", "Eine Frage", opening, by=recruiter)
    assert (version.subject, version.opening) == ("Eine Frage", None)
    (event,) = db.session.scalars(sa.select(AuditEvent)).all()
    assert event.action == "text.edited" and event.details == {"kind": "exit_survey", "language": "de",
                                                               "changed": ["subject"]}
