"""The editor of one e-mail text (the services check everything again: placeholders, syntax, HTML)."""

from __future__ import annotations

from wtforms import StringField, TextAreaField

from ..forms import Form
from ..i18n import _l


class TextForm(Form):
    subject = StringField(_l("Subject"))
    opening = TextAreaField(_l("Opening"), render_kw={"rows": 10})
