"""Form pieces shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from .timeutil import REACH, is_valid_timezone, timezone_choices, utcnow, within_reach


class EmptyForm(FlaskForm):
    """A button-only POST (sign out, confirm a link): just the CSRF token."""


def valid_timezone(form, field):
    if not is_valid_timezone(field.data):
        raise ValidationError("Choose a time zone from the list, like Europe/Berlin.")


class TimezoneField(SelectField):
    """Every IANA zone as a select list; anything else is refused with a message."""

    def __init__(self, label="Time zone", validators=(), **kwargs):
        super().__init__(label, validators=[valid_timezone, *validators], validate_choice=False, **kwargs)
        self.choices = [SelectChoice(z) for z in timezone_choices()]


def in_reach(form, field):
    """A date or date-time within a year of today either way (``timeutil.REACH``), or a message."""
    if not within_reach(field.data):
        today = utcnow().date()
        raise ValidationError(f"Choose a date between {today - REACH:%-d %b %Y} and {today + REACH:%-d %b %Y}.")
