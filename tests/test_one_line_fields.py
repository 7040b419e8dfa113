"""Single-line text fields refuse control characters; textareas keep their line breaks.

End to end, over every form the app shows: test_fuzz_forms.py,
test_every_single_line_field_refuses_a_line_break_and_changes_nothing.
"""

import inspect

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, HiddenField, SearchField, StringField, TelField, TextAreaField, URLField
from wtforms.fields.core import UnboundField

from portal.forms import ONE_LINE_MESSAGE, Form, is_single_line


class Sample(Form):
    class Meta:
        csrf = False

    name = StringField("Name")
    email = EmailField("E-mail")
    q = SearchField("Search")
    url = URLField("Link")
    phone = TelField("Phone")
    bio = TextAreaField("Bio")
    next = HiddenField()


@pytest.mark.parametrize("bad", ["A\r\nB", "A\nB", "A\rB", "A\tB", "A\x1bB", "A\x7fB", "A\x85B", "A\u2028B",
                                 "A\u2029B", "\x0b", "Ada\x0cLovelace"])
def test_control_characters_are_refused_in_every_single_line_field(app, bad):
    single = ("name", "email", "q", "url", "phone")
    with app.test_request_context(method="POST"):
        form = Sample(MultiDict({**{n: bad for n in single}, "bio": bad, "next": bad}))
        assert not form.validate()
        assert {n: form.errors.get(n) for n in single} == {n: [ONE_LINE_MESSAGE] for n in single}
        assert "bio" not in form.errors and "next" not in form.errors


def test_ordinary_text_passes_and_textareas_keep_line_breaks(app):
    with app.test_request_context(method="POST"):
        form = Sample(MultiDict({"name": "José Ñúñez-O'Brien 李小龙 👩🏽‍💻", "email": "a@b.co", "q": "on-call",
                                 "bio": "First line\r\nSecond line\tindented", "next": "/people"}))
        assert form.validate(), form.errors
        assert form.bio.data == "First line\r\nSecond line\tindented"


def test_the_one_line_message_comes_first_and_alone(app):
    """A line break in an e-mail address gets the one-line message, not also 'not an address'."""
    from portal.auth.forms import LoginForm

    with app.test_request_context(method="POST"):
        form = LoginForm(MultiDict({"email": "riley@example.com\r\nBcc: everyone@example.com"}), meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"email": [ONE_LINE_MESSAGE]}


def _portal_forms():
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import portal

    for module in pkgutil.walk_packages(portal.__path__, "portal."):  # every module, so every form
        importlib.import_module(module.name)

    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("portal."):
                found.add(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def test_every_form_is_a_portal_form():
    """A new form gets the check by deriving from portal.forms.Form, not by remembering a validator
    (and WTForms' messages from the catalogue read once: test_form_messages.py)."""
    forms = _portal_forms()
    assert len(forms) >= 20
    with_text = []
    for form in forms:
        assert issubclass(form, Form), f"{form.__module__}.{form.__name__}: derive it from portal.forms.Form"
        fields = [name for name, value in inspect.getmembers(form)
                  if isinstance(value, UnboundField) and is_single_line(value.field_class)]
        if fields:
            with_text.append(form.__name__)
    assert {"LoginForm", "CandidateForm", "PersonForm", "OwnProfileForm", "TimeOffForm"} <= set(with_text)
