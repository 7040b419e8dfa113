"""The signed-in person's own settings."""

from __future__ import annotations

from wtforms import TimeField
from wtforms.validators import InputRequired, ValidationError

from ..forms import Form, TimezoneField, language_field
from ..i18n import _, _l


class HourField(TimeField):
    """A time of day; anything that isn't one gets the same plain message as a missing one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a time like 07:00.")) from None


class TimeSettingsForm(Form):
    language = language_field(validate_choice=False, description=_l("The portal and every e-mail we send you are in this language."))
    timezone = TimezoneField(_l("Your time zone"),
                             description=_l("Every time you see, and every e-mail we send you, uses it."))
    day_start = HourField(_l("From"), validators=[InputRequired(_l("Enter a time like 07:00."))])
    day_end = HourField(_l("Until"), validators=[InputRequired(_l("Enter a time like 21:00."))],
                        description=_l("A day that runs past midnight works too: from 18:00 until 02:00."))

    def validate_day_end(self, field):
        if self.day_start.data is not None and field.data is not None and field.data == self.day_start.data:
            raise ValidationError(_("Choose two different times: when your day starts and when it ends."))

    @staticmethod
    def minutes(value) -> int:
        return value.hour * 60 + value.minute
