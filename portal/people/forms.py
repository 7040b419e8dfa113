"""Forms for the directory search, profiles and availability."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, EmailField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..forms import Form, TimezoneField, strip, strip_lower
from .models import GROUP_LABELS, GROUPS, WEEKDAYS
from .photos import MAX_FULL_DECODE_MEGAPIXELS, MAX_WEBP_MEGAPIXELS


class SearchForm(Form):
    """The directory filter: a GET form, so it needs no CSRF token and its URL can be shared."""

    class Meta:
        csrf = False

    q = StringField("Search people", validators=[Optional(), Length(max=100)], filters=[strip],
                    render_kw={"type": "search", "placeholder": "Name, team or topic: CEO, on-call, fundraising"})
    group = SelectField("Group", validate_choice=False,
                        choices=[SelectChoice("", "Everyone")] + [SelectChoice(g, GROUP_LABELS[g]) for g in GROUPS])
    team = SelectField("Team", choices=[SelectChoice("", "All teams")], validate_choice=False)


class _ProfileFields(Form):
    title = StringField("Title", validators=[DataRequired("Enter a title, e.g. Staff Engineer."), Length(max=120)],
                        filters=[strip])
    team = StringField("Team", validators=[Optional(), Length(max=120)], filters=[strip],
                       description="Leave empty for investors and board members.")
    bio = TextAreaField("Short bio", validators=[Optional(), Length(max=2000)], filters=[strip],
                        description="Two or three sentences: what you do and what you'd like candidates to know.")
    topics = StringField("Ask me about", validators=[Optional(), Length(max=500)], filters=[strip],
                         description="Separate topics with commas, e.g. career growth, on-call, fundraising.")
    off_limits = StringField("Topics I'd rather not discuss", validators=[Optional(), Length(max=500)],
                             filters=[strip], description="Separate topics with commas. Candidates see this list.")
    timezone = TimezoneField("Time zone")
    weekly_cap = IntegerField("Conversations per week, at most",
                              validators=[InputRequired("Enter a number from 0 to 40."),
                                          NumberRange(0, 40, "Enter a number from 0 to 40.")],
                              description="0 stops new conversations without hiding you.")
    accepting_requests = BooleanField("Accepting conversation requests")
    photo = FileField("Upload a new photo", description=(
        f"JPEG, PNG, WebP or GIF, up to 5 MB. A phone photo is fine; PNG and GIF up to "
        f"{MAX_FULL_DECODE_MEGAPIXELS} megapixels, WebP up to {MAX_WEBP_MEGAPIXELS}. We crop it to a square."))
    remove_photo = BooleanField("Remove the current photo")


class OwnProfileForm(_ProfileFields):
    """What a person may change about themselves."""


class PersonForm(_ProfileFields):
    """What a recruiter sets for anyone in the directory."""

    name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)],
                       filters=[strip])
    email = EmailField("Work e-mail", validators=[DataRequired("Enter an e-mail address."), Length(max=254),
                                                  Email("Enter an e-mail address like name@example.com.")],
                       filters=[strip_lower])
    group = SelectField("Group", choices=[SelectChoice(g, GROUP_LABELS[g]) for g in GROUPS])
    needs_approval = SelectField(
        "Conversation requests", default="default",
        choices=[SelectChoice("default", "As usual for the group (approval for leadership, investors and board)"),
                 SelectChoice("yes", "Always need a recruiter's approval first"),
                 SelectChoice("no", "Go straight to the person")],
    )
    visible = BooleanField("Shown to candidates in the directory")


class WindowForm(Form):
    weekday = SelectField("Day", choices=[SelectChoice(str(n), name) for n, name in enumerate(WEEKDAYS)])
    start = TimeField("From", validators=[InputRequired("Enter a start time, e.g. 09:00.")])
    end = TimeField("Until", validators=[InputRequired("Enter an end time, e.g. 12:00.")])


class TimeOffForm(Form):
    start_date = DateField("First day", validators=[InputRequired("Enter the first day you're away.")])
    end_date = DateField("Last day", validators=[InputRequired("Enter the last day you're away.")])
    note = StringField("Note (only recruiters see it)", validators=[Optional(), Length(max=200)], filters=[strip])
