"""Forms for setting office hours up, going live now and sharing a window.

Field names match the ``field`` an ``HoursError`` names (``windows``, ``links``), so a refused
change shows its message next to the field it is about (``forms.show_error``).
"""

from __future__ import annotations

from babel.dates import get_day_names
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, TimeField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..forms import Form, TimezoneField
from ..i18n import _, _l, current_locale, lazy_ngettext, ngettext, lazy_pgettext
from .models import MAX_CAP, TALK_LENGTHS
from .windows import LIVE_NOW_MINUTES

CAP_MESSAGE = _l("Allow between 1 and %(max)d talks per window.", max=MAX_CAP)


def how_long(minutes: int) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour 30 minutes``, ``2 hours`` (in the reader's language)."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("%(num)d minute", "%(num)d minutes", rest)
    if rest:
        return ngettext("%(num)d hour %(minutes)d minutes", "%(num)d hours %(minutes)d minutes", hours, minutes=rest)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def _talk_length(**ids):
    return SelectField(_l("Each talk lasts"), coerce=int, default=15, **ids,
                       choices=[SelectChoice(n, lazy_ngettext("%(num)d minute", "%(num)d minutes", n))
                                for n in TALK_LENGTHS],
                       description=_l("The timer ends each talk on time; the next candidate can then come in."))


def _cap(**ids):
    return IntegerField(_l("Talks per window, at most"), default=4, **ids,
                        validators=[InputRequired(CAP_MESSAGE), NumberRange(1, MAX_CAP, CAP_MESSAGE)],
                        render_kw={"min": 1, "max": MAX_CAP, "inputmode": "numeric"})


def _auto_admit(**ids):
    return BooleanField(_l("Let the next candidate in automatically"), **ids,
                        description=_l("Otherwise you let each one in yourself from your live page."))


class SeriesForm(Form):
    """Recurring office hours: a weekday and local times in a zone."""

    weekday = SelectField(_l("Day"), coerce=int, choices=[])  # the days in the reader's language (__init__)
    start_time = TimeField(lazy_pgettext("a time of day", "From"),
                           validators=[InputRequired(_l("Enter a start time, e.g. 16:00."))])
    end_time = TimeField(lazy_pgettext("a time of day", "Until"),
                         validators=[InputRequired(_l("Enter an end time, e.g. 17:00."))])
    zone = TimezoneField(_l("Time zone"), description=_l("The times above are in this zone; daylight saving is "
                                                         "handled."))
    talk_minutes = _talk_length()
    cap = _cap()
    auto_admit = _auto_admit()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [SelectChoice(n, name)
                                for n, name in get_day_names("wide", locale=current_locale()).items()]

    def validate_end_time(self, field):
        start = self.start_time.data
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError(_("The end must be after the start."))


class OneOffForm(Form):
    """Office hours once, on a date, in the person's own zone (the page says which)."""

    day = DateField(_l("Date"), id="once-day", validators=[InputRequired(_l("Enter a date."))])
    start_time = TimeField(lazy_pgettext("a time of day", "From"), id="once-start_time",
                           validators=[InputRequired(_l("Enter a start time, e.g. 16:00."))])
    end_time = TimeField(lazy_pgettext("a time of day", "Until"), id="once-end_time",
                         validators=[InputRequired(_l("Enter an end time, e.g. 17:00."))])
    # Their own ids: the page also holds the weekly form, whose fields have the same names.
    talk_minutes = _talk_length(id="once-talk_minutes")
    cap = _cap(id="once-cap")
    auto_admit = _auto_admit(id="once-auto_admit")


class LiveNowForm(Form):
    """Go live from now for a while."""

    minutes = SelectField(_l("For how long"), coerce=int, default=30, id="live-minutes", choices=[])
    # Its own ids: the page also holds the series form, whose fields have the same names.
    talk_minutes = _talk_length(id="live-talk_minutes")
    cap = _cap(id="live-cap")
    auto_admit = _auto_admit(id="live-auto_admit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.minutes.choices = [SelectChoice(n, how_long(n)) for n in LIVE_NOW_MINUTES]


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input that shows what it understood: text that isn't a date and time
    isn't written back into the input (it would be an invalid value there)."""

    def _value(self) -> str:
        return self.data.strftime(self.format[0]) if self.data else ""


class ShareLinkForm(Form):
    """A link to one window for a position's candidates or one candidate, until a deadline. The view
    fills the window and audience choices (``set_choices``)."""

    window_id = SelectField(_l("Window"), coerce=int, choices=[])
    audience = SelectField(_l("Who can use it"), choices=[])
    deadline = LocalDateTimeField(_l("Stops working at"), validators=[Optional()], format="%Y-%m-%dT%H:%M",
                                  description=_l("Leave empty to keep it working until the window ends; "
                                                 "it can't work longer than that."))

    def set_choices(self, windows, positions, candidates, window_label) -> None:
        self.window_id.choices = [SelectChoice(w.id, window_label(w)) for w in windows]
        groups = {}
        if positions:
            groups[_("Everyone deciding on an offer for")] = [
                SelectChoice(f"position:{p.id}", p.title + (f" ({p.team})" if p.team else "")) for p in positions]
        if candidates:
            groups[_("One candidate")] = [SelectChoice(f"candidate:{c.id}", f"{c.user.name} ({c.position.title})")
                                       for c in candidates]
        self.audience.choices = groups

    def audience_choice(self) -> tuple[str, int] | None:
        """("position" | "candidate", id) from the chosen value."""
        kind, _, ident = (self.audience.data or "").partition(":")
        return (kind, int(ident)) if kind in ("position", "candidate") and ident.isdigit() else None
