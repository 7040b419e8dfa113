"""Forms for setting office hours up, going live now and sharing a window.

Field names match the ``field`` an ``HoursError`` names (``windows``, ``links``), so a refused
change shows its message next to the field it is about (``forms.show_error``).
"""

from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, TimeField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..forms import Form, TimezoneField
from ..people.models import WEEKDAYS
from .models import MAX_CAP, TALK_LENGTHS
from .windows import LIVE_NOW_MINUTES

CAP_MESSAGE = f"Allow between 1 and {MAX_CAP} talks per window."


def how_long(minutes: int) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour 30 minutes``, ``2 hours``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} minutes" if rest else text


def _talk_length(**ids):
    return SelectField("Each talk lasts", coerce=int, default=15, **ids,
                       choices=[SelectChoice(n, f"{n} minutes") for n in TALK_LENGTHS],
                       description="The timer ends each talk on time; the next candidate can then come in.")


def _cap(**ids):
    return IntegerField("Talks per window, at most", default=4, **ids,
                        validators=[InputRequired(CAP_MESSAGE), NumberRange(1, MAX_CAP, CAP_MESSAGE)],
                        render_kw={"min": 1, "max": MAX_CAP, "inputmode": "numeric"})


def _auto_admit(**ids):
    return BooleanField("Let the next candidate in automatically", **ids,
                        description="Otherwise you let each one in yourself from your live page.")


class SeriesForm(Form):
    """Recurring office hours: a weekday and local times in a zone."""

    weekday = SelectField("Day", coerce=int, choices=[SelectChoice(n, name) for n, name in enumerate(WEEKDAYS)])
    start_time = TimeField("From", validators=[InputRequired("Enter a start time, e.g. 16:00.")])
    end_time = TimeField("Until", validators=[InputRequired("Enter an end time, e.g. 17:00.")])
    zone = TimezoneField("Time zone", description="The times above are in this zone; daylight saving is handled.")
    talk_minutes = _talk_length()
    cap = _cap()
    auto_admit = _auto_admit()

    def validate_end_time(self, field):
        start = self.start_time.data
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError("The end must be after the start.")


class OneOffForm(Form):
    """Office hours once, on a date, in the person's own zone (the page says which)."""

    day = DateField("Date", id="once-day", validators=[InputRequired("Enter a date.")])
    start_time = TimeField("From", id="once-start_time", validators=[InputRequired("Enter a start time, e.g. 16:00.")])
    end_time = TimeField("Until", id="once-end_time", validators=[InputRequired("Enter an end time, e.g. 17:00.")])
    # Their own ids: the page also holds the weekly form, whose fields have the same names.
    talk_minutes = _talk_length(id="once-talk_minutes")
    cap = _cap(id="once-cap")
    auto_admit = _auto_admit(id="once-auto_admit")


class LiveNowForm(Form):
    """Go live from now for a while."""

    minutes = SelectField("For how long", coerce=int, default=30, id="live-minutes",
                          choices=[SelectChoice(n, how_long(n)) for n in LIVE_NOW_MINUTES])
    # Its own ids: the page also holds the series form, whose fields have the same names.
    talk_minutes = _talk_length(id="live-talk_minutes")
    cap = _cap(id="live-cap")
    auto_admit = _auto_admit(id="live-auto_admit")


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input that shows what it understood: text that isn't a date and time
    isn't written back into the input (it would be an invalid value there)."""

    def _value(self) -> str:
        return self.data.strftime(self.format[0]) if self.data else ""


class ShareLinkForm(Form):
    """A link to one window for a position's candidates or one candidate, until a deadline. The view
    fills the window and audience choices (``set_choices``)."""

    window_id = SelectField("Window", coerce=int, choices=[])
    audience = SelectField("Who can use it", choices=[])
    deadline = LocalDateTimeField("Stops working at", validators=[Optional()], format="%Y-%m-%dT%H:%M",
                                  description="Leave empty to keep it working until the window ends; "
                                              "it can't work longer than that.")

    def set_choices(self, windows, positions, candidates, window_label) -> None:
        self.window_id.choices = [SelectChoice(w.id, window_label(w)) for w in windows]
        groups = {}
        if positions:
            groups["Everyone deciding on an offer for"] = [
                SelectChoice(f"position:{p.id}", p.title + (f" ({p.team})" if p.team else "")) for p in positions]
        if candidates:
            groups["One candidate"] = [SelectChoice(f"candidate:{c.id}", f"{c.user.name} ({c.position.title})")
                                       for c in candidates]
        self.audience.choices = groups

    def audience_choice(self) -> tuple[str, int] | None:
        """("position" | "candidate", id) from the chosen value."""
        kind, _, ident = (self.audience.data or "").partition(":")
        return (kind, int(ident)) if kind in ("position", "candidate") and ident.isdigit() else None
