"""Forms for interviewer feedback and the good-news message (services check the rules again)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..forms import strip
from ..security import parse_id
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import Length, ValidationError

from .services import MAX_FEEDBACK, MAX_MESSAGE

MAX_AT_ONCE = 50


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"Keep {what} under {limit:,} characters.")


class FeedbackForm(FlaskForm):
    """What went well and what to grow: one of the two is enough."""

    went_well = TextAreaField("What went well", filters=[strip], validators=[_length(MAX_FEEDBACK, "this")],
                              render_kw={"rows": 6})
    to_grow = TextAreaField("What to grow", filters=[strip], validators=[_length(MAX_FEEDBACK, "this")],
                            render_kw={"rows": 6})

    def validate_went_well(self, field):
        if not field.data and not (self.to_grow.data or "").strip():
            raise ValidationError("Write at least one of the two: what went well, or what to grow.")


class RequestFeedbackForm(FlaskForm):
    """Checkboxes of people in the directory; the view checks each id is an interviewer."""

    interviewers = SelectMultipleField("Interviewers", choices=[], validate_choice=False)

    def validate_interviewers(self, field):
        if not field.data:
            raise ValidationError("Choose at least one person to ask.")
        if not all(parse_id(value) for value in field.data):
            raise ValidationError("Choose people from the list.")
        if len(field.data) > MAX_AT_ONCE:
            raise ValidationError(f"Ask at most {MAX_AT_ONCE} people at a time.")

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(int(value) for value in self.interviewers.data or []))


class MessageForm(FlaskForm):
    body = TextAreaField("Message", validators=[_length(MAX_MESSAGE, "the message")], render_kw={"rows": 18})
