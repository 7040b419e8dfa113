"""Recruiter forms for candidates."""

from __future__ import annotations

from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, HiddenField, RadioField,
                     SelectChoice, SelectField, StringField, TextAreaField)
from flask_babel import LazyString, format_decimal
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms import Form, TimezoneField, language_field, strip, strip_lower
from ..i18n import _, _l, ngettext
from ..security import parse_id
from .decisions import MAX_NOTE
from .exit_survey import MAX_SURVEY_ANSWER
from .models import DECLINE_REASONS, OUTCOMES, STAGE_LABELS
from .services import MAX_QUERY, CandidateFilters


class CandidateFilterForm(Form):
    """The candidate list's search, filters and order: a plain GET form, so every list is a URL. Values
    the list doesn't know (an old bookmark, a hand-edited URL) are not errors: they are left out."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by name, e-mail or position"), validators=[Optional(), Length(max=MAX_QUERY)],
                    filters=[strip], render_kw={"type": "search"})
    stage = SelectField(_l("Stage"), validate_choice=False,
                        choices=[SelectChoice("", _l("All stages"))] + [SelectChoice(k, v) for k, v in STAGE_LABELS.items()])
    position = SelectField(_l("Position"), validate_choice=False, choices=[SelectChoice("", _l("All positions"))])
    show = SelectField(_l("Show"), validate_choice=False, choices=[
        SelectChoice("", _l("Everyone")),
        SelectChoice("deadline_soon", _l("Still deciding, deadline in the next 7 days")),
        SelectChoice("overdue", _l("Still deciding, deadline passed")),
        SelectChoice("undecided", _l("Still deciding")),
        SelectChoice("decided", _l("Decision recorded")),
    ])
    sort = SelectField(_l("Sort by"), validate_choice=False, choices=[
        SelectChoice("deadline", _l("Deadline, soonest first")),
        SelectChoice("name", _l("Name, A to Z")),
        SelectChoice("newest", _l("Recently added")),
    ])

    def filters(self) -> CandidateFilters:
        """What the list shows; the form is set to match (an unknown sort shows as the default one)."""
        filters = CandidateFilters.read(self.q.data, self.stage.data, parse_id(self.position.data),
                                        self.show.data, self.sort.data)
        self.q.data, self.stage.data, self.show.data, self.sort.data = (filters.q, filters.stage, filters.show,
                                                                        filters.sort)
        return filters


class CandidateForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the candidate's name.")), Length(max=120)],
                       filters=[strip])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter the candidate's e-mail address.")),
                                                 Length(max=254),
                                                 Email(_l("Enter an e-mail address like name@example.com."))],
                       filters=[strip_lower])
    timezone = TimezoneField(_l("Candidate's time zone"), description=_l("Their deadline and every time they see use it."))
    # The candidate's language (their account's): their pages and e-mails. Empty: their browser's, at first sign-in.
    locale = language_field(optional=True, description=_l("Their pages and e-mails are in this language."))
    position_id = SelectField(_l("Position"))
    new_position_title = StringField(_l("New position title"), validators=[Optional(), Length(max=160)],
                                     filters=[strip])
    new_position_team = StringField(_l("New position team"), validators=[Optional(), Length(max=120)],
                                    filters=[strip])
    owner_id = SelectField(_l("Recruiter"))
    decision_deadline = DateTimeLocalField(
        _l("Decision deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
        description=_l("In the candidate's time zone. Leave empty for no deadline."))
    source = StringField(_l("Source"), validators=[Optional(), Length(max=60)], filters=[strip],
                         description=_l("Optional, e.g. referral, LinkedIn, agency."))

    def __init__(self, *args, positions=(), recruiters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.position_id.choices = [SelectChoice(str(p.id), f"{p.title} · {p.team}" if p.team else p.title)
                                    for p in positions] + [SelectChoice("new", _("A new position…"))]
        self.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in recruiters]


# --- the decision and the exit survey -----------------------------------------------------------


def _text(value):
    """Free text as the browser meant it: line breaks arrive as CRLF but count as one character in
    the textarea's maxlength, so they are normalised before the length is checked."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


# Length messages in the reader's language, the limit in their number format ("2,000", "2.000").
NOTE_TOO_LONG = LazyString(lambda: ngettext("Keep the note to %(limit)s character or fewer.",
                                            "Keep the note to %(limit)s characters or fewer.", MAX_NOTE,
                                            limit=format_decimal(MAX_NOTE)))
ANSWER_TOO_LONG = LazyString(lambda: ngettext("Keep your answer to %(limit)s character or fewer.",
                                              "Keep your answer to %(limit)s characters or fewer.", MAX_SURVEY_ANSWER,
                                              limit=format_decimal(MAX_SURVEY_ANSWER)))


class Checkbox(BooleanField):
    """A checkbox that always submits "y" when ticked (BooleanField echoes back what it received, so
    a re-rendered box could otherwise carry a value that reads as unticked)."""

    def _value(self):
        return "y"


OUTCOME_LABELS = {"accepted": _l("Accepted the offer"), "declined": _l("Declined the offer"),
                  "withdrawn": _l("Withdrawn (by them or by us)")}


class DecisionForm(Form):
    """Outcome, date, reason and note; the service checks every rule again (date, reason, length)."""

    outcome = RadioField(_l("Outcome"), validate_choice=False,
                         choices=[SelectChoice(key, OUTCOME_LABELS[key]) for key in OUTCOMES])
    decided_on = DateField(_l("Date of the decision"))
    reason = SelectField(_l("Why they declined"), validate_choice=False,
                         choices=[SelectChoice("", _l("Choose a reason…"))]
                         + [SelectChoice(key, label) for key, label in DECLINE_REASONS.items()])
    note = TextAreaField(_l("Note (optional)"), filters=[_text],
                         validators=[Length(max=MAX_NOTE, message=NOTE_TOO_LONG)],
                         render_kw={"rows": 3, "maxlength": MAX_NOTE})
    send_survey = Checkbox(_l("Send the optional exit survey"))  # sends mail: never ticked for you
    # The stage the recruiter saw: if someone else changed it meanwhile, nothing is overwritten.
    current_stage = HiddenField()

    def validate_outcome(self, field):
        if field.data not in OUTCOMES:
            raise ValidationError(_("Choose what they decided."))

    def validate_decided_on(self, field):
        if field.data is None:  # empty or not a date: one clear message instead of WTForms' own
            field.errors[:] = []
            raise ValidationError(_("Enter the date they decided, like 2026-03-14."))


class SurveyForm(Form):
    answer = TextAreaField(_l("What would have changed your mind?"), filters=[_text],
                           validators=[DataRequired(_l("Write your answer, or simply close this page if you'd "
                                                       "rather not answer.")),
                                       Length(max=MAX_SURVEY_ANSWER, message=ANSWER_TOO_LONG)],
                           render_kw={"rows": 8, "maxlength": MAX_SURVEY_ANSWER})


class UndoDecisionForm(Form):
    """Back to the offer stage: the button, and the stage the recruiter saw."""

    current_stage = HiddenField()
