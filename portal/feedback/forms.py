"""Forms for interviewer feedback and the good-news message (services check the rules again)."""

from __future__ import annotations

from flask_babel import LazyString, format_decimal

from ..forms import Form, strip
from ..i18n import _, _l, ngettext
from ..security import parse_id
from flask import request
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from .choosing import MAX_AT_ONCE
from .services import MAX_FEEDBACK, MAX_MESSAGE


# Length messages in the reader's language, the limit in their number format ("5,000", "5.000").
FEEDBACK_TOO_LONG = LazyString(lambda: ngettext("Keep this under %(limit)s character.",
                                                "Keep this under %(limit)s characters.", MAX_FEEDBACK,
                                                limit=format_decimal(MAX_FEEDBACK)))
MESSAGE_TOO_LONG = LazyString(lambda: ngettext("Keep the message under %(limit)s character.",
                                               "Keep the message under %(limit)s characters.", MAX_MESSAGE,
                                               limit=format_decimal(MAX_MESSAGE)))


class FeedbackForm(Form):
    """What went well and what to grow: one of the two is enough."""

    went_well = TextAreaField(_l("What went well"), filters=[strip],
                              validators=[Length(max=MAX_FEEDBACK, message=FEEDBACK_TOO_LONG)], render_kw={"rows": 6})
    to_grow = TextAreaField(_l("What to grow"), filters=[strip],
                            validators=[Length(max=MAX_FEEDBACK, message=FEEDBACK_TOO_LONG)], render_kw={"rows": 6})

    def validate_went_well(self, field):
        if not field.data and not (self.to_grow.data or "").strip():
            raise ValidationError(_("Write at least one of the two: what went well, or what to grow."))


class RequestFeedbackForm(Form):
    """Checkboxes of people in the directory, and (a large directory) a box to find someone else
    (people.picker); the view checks each id is an interviewer. ``add``: tick the person found."""

    interviewers = SelectMultipleField(_l("Interviewers"), choices=[], validate_choice=False)
    more = StringField(_l("Someone else"), filters=[strip])

    def validate_interviewers(self, field):
        if not field.data and not self.more.data and "add" not in request.form:
            raise ValidationError(_("Choose at least one person to ask."))
        if not all(parse_id(value) for value in field.data):
            raise ValidationError(_("Choose people from the list."))
        if len(field.data) > MAX_AT_ONCE:
            raise ValidationError(_("Ask at most %(num)d people at a time.", num=MAX_AT_ONCE))

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(int(value) for value in self.interviewers.data or []))


class MessageForm(Form):
    body = TextAreaField(_l("Message"), validators=[Length(max=MAX_MESSAGE, message=MESSAGE_TOO_LONG)],
                         render_kw={"rows": 18})
