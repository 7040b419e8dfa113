"""Forms for the directory search, profiles and availability."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, EmailField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..forms import Form, TimezoneField, language_field, strip, strip_lower
from ..i18n import _l
from .models import GROUP_LABELS, GROUPS, day_name
from .photos import MAX_FULL_DECODE_MEGAPIXELS, MAX_WEBP_MEGAPIXELS


class SearchForm(Form):
    """The directory filter: a GET form, so it needs no CSRF token and its URL can be shared."""

    class Meta:
        csrf = False

    q = StringField(_l("Search people"), validators=[Optional(), Length(max=100)], filters=[strip],
                    render_kw={"type": "search", "placeholder": _l("Name, team or topic: CEO, on-call, fundraising")})
    group = SelectField(_l("Group"), validate_choice=False,
                        choices=[SelectChoice("", _l("Everyone"))] + [SelectChoice(g, GROUP_LABELS[g]) for g in GROUPS])
    team = SelectField(_l("Team"), choices=[SelectChoice("", _l("All teams"))], validate_choice=False)


class _ProfileFields(Form):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title, e.g. Staff Engineer.")), Length(max=120)],
                        filters=[strip])
    team = StringField(_l("Team"), validators=[Optional(), Length(max=120)], filters=[strip],
                       description=_l("Leave empty for investors and board members."))
    bio = TextAreaField(_l("Short bio"), validators=[Optional(), Length(max=2000)], filters=[strip],
                        description=_l("Two or three sentences: what you do and what you'd like candidates to know."))
    topics = StringField(_l("Ask me about"), validators=[Optional(), Length(max=500)], filters=[strip],
                         description=_l("Separate topics with commas, e.g. career growth, on-call, fundraising."))
    off_limits = StringField(_l("Topics I'd rather not discuss"), validators=[Optional(), Length(max=500)],
                             filters=[strip], description=_l("Separate topics with commas. Candidates see this list."))
    timezone = TimezoneField(_l("Time zone"))
    weekly_cap = IntegerField(_l("Conversations per week, at most"),
                              validators=[InputRequired(_l("Enter a number from 0 to 40.")),
                                          NumberRange(0, 40, _l("Enter a number from 0 to 40."))],
                              description=_l("0 stops new conversations without hiding you."))
    accepting_requests = BooleanField(_l("Accepting conversation requests"))
    photo = FileField(_l("Upload a new photo"), description=_l(
        "JPEG, PNG, WebP or GIF, up to 5 MB. A phone photo is fine; PNG and GIF up to "
        "%(full)s megapixels, WebP up to %(webp)s. We crop it to a square.",
        full=MAX_FULL_DECODE_MEGAPIXELS, webp=MAX_WEBP_MEGAPIXELS))
    remove_photo = BooleanField(_l("Remove the current photo"))


class OwnProfileForm(_ProfileFields):
    """What a person may change about themselves."""

    language = language_field(validate_choice=False, description=_l("The portal and every e-mail we send you are in this language."))


class PersonForm(_ProfileFields):
    """What a recruiter sets for anyone in the directory."""

    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=120)],
                       filters=[strip])
    email = EmailField(_l("Work e-mail"), validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254),
                                                  Email(_l("Enter an e-mail address like name@example.com."))],
                       filters=[strip_lower])
    group = SelectField(_l("Group"), choices=[SelectChoice(g, GROUP_LABELS[g]) for g in GROUPS])
    needs_approval = SelectField(
        _l("Conversation requests"), default="default",
        choices=[SelectChoice("default", _l("As usual for the group (approval for leadership, investors and board)")),
                 SelectChoice("yes", _l("Always need a recruiter's approval first")),
                 SelectChoice("no", _l("Go straight to the person"))],
    )
    visible = BooleanField(_l("Shown to candidates in the directory"))
    # People who never sign in still get e-mails: in this language (their account's, User.locale).
    language = language_field(optional=True, validate_choice=False, description=_l(
        "The e-mails we send them are in this language, and so is the portal when they sign in."))


class WindowForm(Form):
    weekday = SelectField(_l("Day"), choices=[])
    start = TimeField(_l("From"), validators=[InputRequired(_l("Enter a start time, e.g. 09:00."))])
    end = TimeField(_l("Until"), validators=[InputRequired(_l("Enter an end time, e.g. 12:00."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [SelectChoice(str(n), day_name(n)) for n in range(7)]  # in the reader's language


class TimeOffForm(Form):
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Enter the first day you're away."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Enter the last day you're away."))])
    note = StringField(_l("Note (only recruiters see it)"), validators=[Optional(), Length(max=200)], filters=[strip])
