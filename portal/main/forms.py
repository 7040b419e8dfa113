"""The signed-in person's own settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TimeField
from wtforms.validators import InputRequired, ValidationError

from ..forms import TimezoneField


class HourField(TimeField):
    """A time of day; anything that isn't one gets the same plain message as a missing one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a time like 07:00.") from None


class TimeSettingsForm(FlaskForm):
    timezone = TimezoneField("Your time zone",
                             description="Every time you see, and every e-mail we send you, uses it.")
    day_start = HourField("From", validators=[InputRequired("Enter a time like 07:00.")])
    day_end = HourField("Until", validators=[InputRequired("Enter a time like 21:00.")],
                        description="A day that runs past midnight works too: from 18:00 until 02:00.")

    def validate_day_end(self, field):
        if self.day_start.data is not None and field.data is not None and field.data == self.day_start.data:
            raise ValidationError("Choose two different times: when your day starts and when it ends.")

    @staticmethod
    def minutes(value) -> int:
        return value.hour * 60 + value.minute
