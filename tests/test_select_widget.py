"""Every <select> is written by select_widget.QuickSelect: the same bytes as WTForms' own widget."""

from markupsafe import Markup
from wtforms import Form, SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import Select

import portal.forms  # noqa: F401  (installs the widget)
from portal.select_widget import QuickSelect

CHOICES = [SelectChoice(value, label) for value, label in (
    ("", "Any stage"), ("offer", "Offer stage"), (3, 'Backend "Platform" <ops> & co'), (True, "Yes"), ("ja", "日本語"),
    ("x", ""), (None, "Nothing"), (Markup('a"b'), "Markup value"))] + [SelectChoice("de", "Deutsch", render_kw={"lang": "de"})]


class Filters(Form):
    stage = SelectField("Stage", choices=CHOICES, validate_choice=False)
    grouped = SelectField("Grouped", choices=[SelectChoice("de", "Deutsch", optgroup="Europe"),
                                              SelectChoice("ja", "日本語", optgroup="Asia")])
    several = SelectMultipleField("Several", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])


def test_every_select_field_gets_the_quick_widget_and_multiple_choice_keeps_its_own():
    form = Filters()
    assert isinstance(form.stage.widget, QuickSelect) and isinstance(form.grouped.widget, QuickSelect)
    assert type(form.several.widget) is Select and form.several.widget.multiple


def test_the_same_html_as_wtforms_for_every_kind_of_choice():
    for data in ({}, {"stage": "offer"}, {"stage": 3}, {"stage": True}, {"stage": None}, {"grouped": "ja"}):
        form = Filters(data=data)
        for field in (form.stage, form.grouped):
            for attributes in ({}, {"id": "the-id", "class_": "wide", "data_hx_get": "/x"}):
                assert field(**attributes) == Select()(field, **attributes)
    assert '<option selected value="offer">Offer stage</option>' in Filters(data={"stage": "offer"}).stage()
    assert ('<option value="3">Backend &#34;Platform&#34; &lt;ops&gt; &amp; co</option>'
            in Filters().stage())
