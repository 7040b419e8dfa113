"""Forms for the candidate's side of conversations (the services check every rule again)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import format_decimal
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..forms import Form, strip
from ..i18n import _, _l, lazy_ngettext
from ..security import parse_id
from ..timeutil import within_reach
from .models import FORMATS, LENGTHS
from .requests import MAX_NOTE, MAX_REASON, RequestData

SLOT_FORMAT = "%Y-%m-%dT%H:%MZ"  # a slot's value in a form: its start in UTC, to the minute


def slot_value(start: datetime) -> str:
    return start.astimezone(UTC).strftime(SLOT_FORMAT)


def parse_slot(value) -> datetime | None:
    """A slot value back to an aware UTC start, or None when it isn't one or lies beyond a year from
    now either way (no time we offer does; never raises)."""
    try:
        start = datetime.strptime(str(value or ""), SLOT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return start if within_reach(start) else None


def _length_limit(limit: int, message) -> Length:
    """``message``: a lazy sentence with ``%(limit)s``, filled in when it is shown."""
    return Length(max=limit, message=LimitMessage(message, limit))


class LimitMessage:
    """A lazy validator message with the limit written in the reader's number format (``1,000``, ``1.000``)."""

    def __init__(self, message, limit: int):
        self.message, self.limit = message, limit

    def __str__(self) -> str:
        return str(self.message) % {"limit": format_decimal(self.limit)}

    def __mod__(self, values):  # WTForms formats its message with %(min)d, %(max)d…: ours has none of those
        return str(self)


def _length(value):
    """"30" → 30; anything else → 0, which the service refuses with a message."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _rating(value):
    if isinstance(value, int):
        return value
    text = str(value or "")
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 3 else None


def _yes_no(value):
    return {"yes": True, "no": False, True: True, False: False}.get(value)


class SlotChoiceForm(Form):
    """Format and length: a GET form (no CSRF token; a URL that reloads) that picks the times shown."""

    class Meta:
        csrf = False

    format = RadioField(_l("Format"), validate_choice=False,
                        choices=[SelectChoice(k, v) for k, v in FORMATS.items()])
    length = RadioField(_l("Length"), coerce=_length, validate_choice=False,
                        choices=[SelectChoice(n, lazy_ngettext("%(num)d minute", "%(num)d minutes", n))
                                 for n in LENGTHS])

    def cleaned(self) -> tuple[str, int]:
        """Known values only; anything else falls back to a 30-minute video call."""
        self.format.data = self.format.data if self.format.data in FORMATS else "video"
        self.length.data = self.length.data if self.length.data in LENGTHS else 30
        return self.format.data, self.length.data


class RequestForm(Form):
    """The request itself. Format and length come from the choice above, as hidden fields."""

    format = HiddenField(default="video")
    length = HiddenField(default=30, filters=[_length])
    slots = SelectMultipleField(_l("Times you can do"), validate_choice=False)
    questions = SelectMultipleField(_l("Questions to cover"), validate_choice=False)
    note = TextAreaField(_l("A note for them (optional)"), filters=[strip],
                         validators=[_length_limit(MAX_NOTE, _l("Keep the note to %(limit)s characters or fewer."))],
                         render_kw={"rows": 4, "maxlength": MAX_NOTE})

    def validate_slots(self, field):
        if not all(parse_slot(value) for value in field.data or []):
            raise ValidationError(_("Choose times from the list."))

    def request_data(self) -> RequestData:
        return RequestData(
            format=self.format.data or "",
            length=self.length.data,
            slots=[parse_slot(value) for value in self.slots.data or []],
            question_ids=[i for i in (parse_id(value) for value in self.questions.data or []) if i],
            note=self.note.data or "",
        )


class CancelForm(Form):
    reason = TextAreaField(_l("Why are you cancelling?"), filters=[strip],
                           validators=[_length_limit(MAX_REASON, _l("Keep the reason to %(limit)s characters or fewer."))],
                           render_kw={"rows": 2, "maxlength": MAX_REASON})


class RescheduleForm(Form):
    """A new time; the choices (grouped by day) are set by the view, the service checks the value."""

    start = SelectField(_l("New time"), validate_choice=False, choices=[])

    @property
    def start_at(self) -> datetime | None:
        return parse_slot(self.start.data)


class FollowUpForm(Form):
    answered = SelectMultipleField(_l("Which of your questions did it answer?"), validate_choice=False)
    rating = RadioField(_l("How useful was it?"), coerce=_rating, validate_choice=False,
                        choices=[SelectChoice(n, str(n)) for n in range(1, 6)])
    answered_needs = RadioField(_l("Did this answer what you needed?"), coerce=_yes_no, validate_choice=False,
                                choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])

    @property
    def answered_ids(self) -> list[int]:
        return [i for i in (parse_id(value) for value in self.answered.data or []) if i]


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class ProposalForm(Form):
    """The candidate's choice among the times the person proposed (a counter time's id)."""

    time = RadioField(_l("Choose a time"), coerce=parse_id, validate_choice=False)


class NewTimesForm(Form):
    """New times for a request whose offered times are all gone (slot values, as on the request form)."""

    slots = SelectMultipleField(_l("New times"), validate_choice=False)

    @property
    def starts(self) -> list:
        return [parse_slot(value) for value in self.slots.data or []]
