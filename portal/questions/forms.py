"""The question form (add and edit) and the ledger's filter."""

from __future__ import annotations

from flask_babel import LazyString
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form, strip
from ..i18n import _, _l, ngettext

from .models import CATEGORIES

MAX_TEXT = 1000
STATUS_FILTERS = {"open": _l("Open"), "answered": _l("Answered")}
PRIVATE_HINT = _l("Recruiters see that this question exists, its category and whether it's answered, "
                  "not what it says.")
TOO_LONG = LazyString(lambda: ngettext("Keep it to %(num)d character or fewer.", "Keep it to %(num)d characters or fewer.",
                                       MAX_TEXT))


def _known_category(form, field):
    if field.data not in CATEGORIES:
        raise ValidationError(_("Choose a category from the list."))


class QuestionForm(Form):
    text = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(_l("Write your question.")), Length(max=MAX_TEXT, message=TOO_LONG)],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )
    category = SelectField(_l("Category"), default="other", validators=[_known_category], validate_choice=False,
                           choices=[SelectChoice(key, label) for key, label in CATEGORIES.items()])
    # Who the question is for, as sent: "" (Anyone), an id (the <select> of a small company) or
    # what was typed (the search box of a large one). The view finds the person (people.picker)
    # and the service checks them against the directory, so a hand-made POST can't pick anyone else.
    directed_to = StringField(_l("For someone in particular?"), filters=[strip],
                              description=_l("We e-mail them so they can answer in writing; you can also ask in a "
                                             "conversation."))
    private = BooleanField(_l("Keep the text private"), description=PRIVATE_HINT)


class FilterForm(Form):
    """The ledger filter: a GET form, so no CSRF token, and a URL that can be bookmarked."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("Any status"))]
                         + [SelectChoice(k, v) for k, v in STATUS_FILTERS.items()], validate_choice=False)
    category = SelectField(_l("Category"), choices=[SelectChoice("", _l("All categories"))]
                           + [SelectChoice(k, v) for k, v in CATEGORIES.items()], validate_choice=False)

    def cleaned(self) -> dict[str, str]:
        """Only known values; anything else is ignored (an old or hand-edited link still works)."""
        status = self.status.data if self.status.data in STATUS_FILTERS else ""
        category = self.category.data if self.category.data in CATEGORIES else ""
        self.status.data, self.category.data = status, category
        return {key: value for key, value in (("status", status), ("category", category)) if value}
