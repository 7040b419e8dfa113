"""Templates' _(), {% trans %}, pgettext and npgettext: translated in the page's language, their
variables escaped, "%%" in _() and a lone "%" in {% trans %} a percent sign (portal/i18n.py's template callables)."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = (
    '{{ _("For %(name)s", name=who) }}|'
    '{% trans count=talks %}{{ count }} talk{% pluralize %}{{ count }} talks{% endtrans %}|'
    '{{ pgettext("the last month of a period", "To") }}|'
    '{{ npgettext("countdown", "%(count)s hour", "%(count)s hours", hours, count=hours) }}|'
    '{{ _("Added to your questions.") }}|{{ _("100%% of %(n)s", n=3) }}|{% trans %}50% done{% endtrans %}'
)


@pytest.mark.parametrize(("language", "expected"), [
    ("es", "Para &lt;b&gt;Ana&lt;/b&gt;|2 charlas|Hasta|1 hora|Añadida a sus preguntas.|100% of 3|50% done"),
    ("en", "For &lt;b&gt;Ana&lt;/b&gt;|2 talks|To|1 hour|Added to your questions.|100% of 3|50% done"),
])
def test_template_texts_are_translated_and_escaped(app, language, expected):
    with app.test_request_context("/"), force_locale(language):
        assert render_template_string(TEMPLATE, who="<b>Ana</b>", talks=2, hours=1) == expected


def test_values_already_html_numbers_and_lazy_texts_are_filled_in_as_markup_would(app):
    """Markup is not escaped twice, "%(num)d" takes a number, a lazy text is translated, anything else is
    escaped: the same text as ``Markup(text) % values``, the way Jinja fills a text in."""
    from flask_babel import lazy_gettext
    from markupsafe import Markup

    page = ('{{ _("For %(name)s", name=link) }}|{{ _("%(num)d of %(total)s", num=n, total=total) }}|'
            '{{ _("For %(name)s", name=lazy) }}|{{ _("For %(name)s", name=thing) }}|{{ _("%(a)s%(a)s", a=amp) }}')

    class Thing:
        def __str__(self):
            return "<i>"

    values = {"link": Markup('<a href="/x">Ana</a>'), "n": 2, "total": 2.5, "lazy": lazy_gettext("Open"),
              "thing": Thing(), "amp": "&"}
    with app.test_request_context("/"), force_locale("en"):
        expected = "|".join(str(Markup(text) % variables) for text, variables in [
            ("For %(name)s", {"name": values["link"]}), ("%(num)d of %(total)s", {"num": 2, "total": 2.5}),
            ("For %(name)s", {"name": values["lazy"]}), ("For %(name)s", {"name": values["thing"]}),
            ("%(a)s%(a)s", {"a": "&"})])
        assert render_template_string(page, **values) == expected
        assert expected == 'For <a href="/x">Ana</a>|2 of 2.5|For Open|For &lt;i&gt;|&amp;&amp;'


def test_texts_outside_html_are_not_escaped(app):
    """Where autoescaping is off (an e-mail's text part) the characters stay as they are."""
    with app.test_request_context("/"), force_locale("es"):
        text = render_template_string('{% autoescape false %}{{ _("For %(name)s", name=who) }}{% endautoescape %}',
                                      who="<b>Ana</b>")
        assert text == "Para <b>Ana</b>"


def test_times_follow_a_forced_language_and_come_back(app):
    """An e-mail to a Spanish reader, sent from an English page: its times in Spanish, the page's in English."""
    moment = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    page = '{{ moment | datetime("Europe/Madrid") }}'
    with app.test_request_context("/"):
        before = render_template_string(page, moment=moment)
        with force_locale("es"):
            forced = render_template_string(page, moment=moment)
        after = render_template_string(page, moment=moment)
    assert before == after == "Tue 1 Dec 2026, 14:00 CET (Europe/Madrid)"
    assert forced == "mar, 1 dic 2026, 14:00 CET (Europe/Madrid)"
