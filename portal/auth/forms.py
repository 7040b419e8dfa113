"""Sign-in forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form, strip_lower
from ..i18n import _l


class LoginForm(Form):
    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address your invitation was sent to.")),
            Length(max=254, message=_l("That is longer than any e-mail address can be.")),
            Email(_l("Enter an e-mail address like name@example.com.")),
        ],
        filters=[strip_lower],
        render_kw={"autocomplete": "email", "autofocus": True, "spellcheck": "false"},
    )
    next = HiddenField()
