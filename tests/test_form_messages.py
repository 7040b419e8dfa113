"""WTForms' own messages ("Not a valid choice.") are in the language in force, for every form.

The catalogue is read once per process and language (portal.i18n.wtforms_translations): a request in
one language, then one in another, each gets its own; a form outside a request stays in English.
"""

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from portal.forms import Form


class Choice(Form):
    class Meta:
        csrf = False

    colour = SelectField("Colour", choices=[SelectChoice("red", "Red"), SelectChoice("blue", "Blue")])
    word = StringField("Word", validators=[Length(max=3)])


def _errors(data: dict) -> dict:
    form = Choice(MultiDict(data))
    assert not form.validate()
    return form.errors


@pytest.mark.parametrize("order", [("es", "de", "ja", "en", "es"), ("en", "ja", "de")])
def test_wtforms_messages_follow_the_language_of_each_request(app, order):
    expected = {
        "en": ("Not a valid choice.", "Field cannot be longer than 3 characters."),
        "de": ("Keine gültige Auswahl.", "Feld kann nicht länger als 3 Zeichen sein."),
        "es": ("Opción inválida.", "El campo no puede tener más de 3 caracteres."),
        "ja": ("選択肢が正しくありません。", "フィールドは 3 文字を超えることはできません。"),
    }
    for language in order:
        with app.test_request_context("/"), force_locale(language):
            choice, length = expected[language]
            assert _errors({"colour": "purple", "word": "abcd"}) == {"colour": [choice], "word": [length]}


def test_wtforms_messages_outside_a_request_are_english(app):
    with app.app_context():
        assert _errors({"colour": "purple", "word": "abcd"}) == {
            "colour": ["Not a valid choice."], "word": ["Field cannot be longer than 3 characters."]}
