"""Recruiter forms for candidates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..timeutil import is_valid_timezone, timezone_choices
from .models import STAGE_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CandidateFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search by name or e-mail", validators=[Optional(), Length(max=100)], filters=[_strip],
                    render_kw={"type": "search"})
    stage = SelectField("Stage", validate_choice=False,
                        choices=[SelectChoice("", "All stages")] + [SelectChoice(k, v) for k, v in STAGE_LABELS.items()])
    position = SelectField("Position", validate_choice=False, choices=[SelectChoice("", "All positions")])


class CandidateForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter the candidate's name."), Length(max=120)],
                       filters=[_strip])
    email = EmailField("E-mail", validators=[DataRequired("Enter the candidate's e-mail address."), Length(max=254),
                                             Email("Enter an e-mail address like name@example.com.")],
                       filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])
    timezone = SelectField("Candidate's time zone", description="Their deadline and every time they see use it.")
    position_id = SelectField("Position")
    new_position_title = StringField("New position title", validators=[Optional(), Length(max=160)],
                                     filters=[_strip])
    new_position_team = StringField("New position team", validators=[Optional(), Length(max=120)], filters=[_strip])
    owner_id = SelectField("Recruiter")
    decision_deadline = DateTimeLocalField(
        "Decision deadline", format="%Y-%m-%dT%H:%M", validators=[Optional()],
        description="In the candidate's time zone. Leave empty for no deadline.")
    source = StringField("Source", validators=[Optional(), Length(max=60)], filters=[_strip],
                         description="Optional, e.g. referral, LinkedIn, agency.")

    def __init__(self, *args, positions=(), recruiters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z) for z in timezone_choices()]
        self.position_id.choices = [SelectChoice(str(p.id), f"{p.title} · {p.team}" if p.team else p.title)
                                    for p in positions] + [SelectChoice("new", "A new position…")]
        self.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in recruiters]

    def validate_timezone(self, field):
        if not is_valid_timezone(field.data):
            raise ValidationError("Choose a time zone from the list, like Europe/Berlin.")
