"""The audit trail's filter: a GET form, so every view of the trail is a link."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import HiddenField, SearchField, SelectChoice, SelectField, StringField
from wtforms.widgets import DateInput


from ..forms import Form, strip
from ..i18n import _, _l, lazy_pgettext
from ..security import parse_id
from ..timeutil import within_reach
from .services import SORTS, EventFilter

# The audit trail starts with the portal; a search can reach back this far and a year ahead.
SEARCH_BACK = timedelta(days=366 * 30)


class AuditFilterForm(Form):
    """What, who, which candidate and when. Nothing is refused: ``cleaned()`` leaves out a value it
    can't use and says why in ``problems``; the fields then show what the trail was filtered by."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search the events"), filters=[strip], render_kw={"maxlength": 100})
    action = SelectField(_l("What"), validate_choice=False, filters=[strip])
    who = SearchField(_l("Who (name or e-mail)"), filters=[strip], render_kw={"maxlength": 100})
    candidate = StringField(_l("Candidate number"), render_kw={"inputmode": "numeric", "maxlength": 12})
    start = StringField(lazy_pgettext("date range", "From"), name="from", widget=DateInput())
    end = StringField(lazy_pgettext("date range", "To"), name="to", widget=DateInput())
    sort = SelectField(_l("Order"), validate_choice=False,
                       choices=[SelectChoice("newest", _l("Newest first")), SelectChoice("oldest", _l("Oldest first"))])
    before = HiddenField()  # the "Older events" link's, not the form's: the events older than this one
    after = HiddenField()  # the "Newer events" link's: the events newer than this one

    def __init__(self, formdata=None, *, actions=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.problems: list[str] = []
        prefixes = sorted({action.split(".")[0] for action in actions})
        # The actions themselves are codes, as recorded (``user.created``); their groups' words are ours.
        self.action.choices = ([SelectChoice("", _("Everything"))]
                               + [SelectChoice(f"{p}.", _("%(group)s: all", group=p.capitalize())) for p in prefixes]
                               + [SelectChoice(action) for action in actions])

    def cleaned(self) -> EventFilter:
        """The filter to search with; each value that was left out adds a line to ``problems``."""
        candidate_id = parse_id(self.candidate.data)
        if self.candidate.data and candidate_id is None:
            self.problems.append(_("The candidate number must be a whole number; it was ignored."))
            self.candidate.data = ""
        self.action.data = (self.action.data or "")[:60]
        self.who.data = (self.who.data or "")[:100]
        self.q.data = (self.q.data or "")[:100]
        if self.sort.data not in SORTS:
            self.sort.data = SORTS[0]  # an unknown order is the usual one
        start, end = self._day(self.start), self._day(self.end)
        before = parse_id(self.before.data)
        return EventFilter(action=self.action.data, who=self.who.data, q=self.q.data, candidate_id=candidate_id,
                           start=start, end=end, sort=self.sort.data, before=before,
                           after=parse_id(self.after.data) if before is None else None)

    def _day(self, field) -> date | None:
        try:
            day = date.fromisoformat(field.data) if field.data else None
        except ValueError:
            day = None
        if not within_reach(day, back=SEARCH_BACK):
            day = None
        if field.data and day is None:
            self.problems.append(_("“%(field)s” must be a date like 2026-11-24, within the last 30 years or the "
                                   "next one; it was ignored.", field=field.label.text))
        field.data = day.isoformat() if day else ""
        return day

    def query(self) -> dict[str, str]:
        """The filters and order in use (the usual order left out), as the query string of a link to this
        view of the trail, from its start."""
        fields = (self.q, self.action, self.who, self.candidate, self.start, self.end)
        query = {field.name: field.data for field in fields if field.data}
        if self.sort.data != SORTS[0]:
            query["sort"] = self.sort.data
        return query
