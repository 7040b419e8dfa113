"""The audit trail's filter: a GET form, so every view of the trail is a link."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import HiddenField, SearchField, SelectChoice, SelectField, StringField
from wtforms.widgets import DateInput

from ..forms import Form, strip
from ..security import parse_id
from ..timeutil import within_reach
from .services import EventFilter

# The audit trail starts with the portal; a search can reach back this far and a year ahead.
SEARCH_BACK = timedelta(days=366 * 30)


class AuditFilterForm(Form):
    """What, who, which candidate and when. Nothing is refused: ``cleaned()`` leaves out a value it
    can't use and says why in ``problems``; the fields then show what the trail was filtered by."""

    class Meta:
        csrf = False

    action = SelectField("What", validate_choice=False, filters=[strip])
    who = SearchField("Who (name or e-mail)", filters=[strip], render_kw={"maxlength": 100})
    candidate = StringField("Candidate number", render_kw={"inputmode": "numeric", "maxlength": 12})
    start = StringField("From", name="from", widget=DateInput())
    end = StringField("To", name="to", widget=DateInput())
    before = HiddenField()  # the "Older events" link's, not the form's: the page after this event

    def __init__(self, formdata=None, *, actions=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.problems: list[str] = []
        prefixes = sorted({action.split(".")[0] for action in actions})
        self.action.choices = ([SelectChoice("", "Everything")]
                               + [SelectChoice(f"{p}.", f"{p.capitalize()}: all") for p in prefixes]
                               + [SelectChoice(action) for action in actions])

    def cleaned(self) -> EventFilter:
        """The filter to search with; each value that was left out adds a line to ``problems``."""
        candidate_id = parse_id(self.candidate.data)
        if self.candidate.data and candidate_id is None:
            self.problems.append("The candidate number must be a whole number; it was ignored.")
            self.candidate.data = ""
        self.action.data = (self.action.data or "")[:60]
        self.who.data = (self.who.data or "")[:100]
        start, end = self._day(self.start), self._day(self.end)
        return EventFilter(action=self.action.data, who=self.who.data, candidate_id=candidate_id, start=start,
                           end=end, before=parse_id(self.before.data))

    def _day(self, field) -> date | None:
        try:
            day = date.fromisoformat(field.data) if field.data else None
        except ValueError:
            day = None
        if not within_reach(day, back=SEARCH_BACK):
            day = None
        if field.data and day is None:
            self.problems.append(f"“{field.label.text}” must be a date like 2026-11-24, within the last 30 "
                                 "years or the next one; it was ignored.")
        field.data = day.isoformat() if day else ""
        return day

    def query(self) -> dict[str, str]:
        """The filters in use, as the query string of a link to this view of the trail."""
        fields = (self.action, self.who, self.candidate, self.start, self.end)
        return {field.name: field.data for field in fields if field.data}
