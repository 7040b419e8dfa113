"""The analytics filters: a GET form (period as a range of months, team, position), so every view of
the page is a link someone can bookmark or send."""

from __future__ import annotations

import re
from collections.abc import Callable

from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.widgets import MonthInput

from ..forms import Form, strip
from ..i18n import _, _l, lazy_pgettext
from ..security import parse_id
from .figures import months_between

MONTH = re.compile(r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$")
PRESETS = (("3", _l("Last 3 months")), ("6", _l("Last 6 months")), ("12", _l("Last 12 months")),
           ("all", _l("All time")))
LONGEST = 120  # months in one period: ten years


def months_back(month: str, n: int) -> str:
    """The month ``n - 1`` months before ``month``: the first of the ``n`` months ending with it."""
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) - (n - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class AnalyticsFilterForm(Form):
    """From and to (months of offer), team and position, or a quick period. Nothing is refused:
    ``cleaned()`` leaves out or mends what it can't use and says why in ``problems``; the fields
    then show what the figures are for."""

    class Meta:
        csrf = False

    start = StringField(_l("From (month of offer)"), name="from", filters=[strip], widget=MonthInput(),
                        render_kw={"aria-describedby": "period-hint"})
    end = StringField(lazy_pgettext("the last month of a period", "To"), name="to", filters=[strip], widget=MonthInput(),
                      render_kw={"aria-describedby": "period-hint"})
    team = SelectField(_l("Team"), validate_choice=False, filters=[strip])
    position = SelectField(_l("Position"), validate_choice=False)
    period = HiddenField()  # the quick periods' links set it (PRESETS), the form itself doesn't

    def __init__(self, formdata=None, *, teams=(), positions=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.problems: list[str] = []
        self.teams = list(teams)
        self.positions = list(positions)
        self.team.choices = [SelectChoice("", _("All teams"))] + [SelectChoice(team) for team in self.teams]
        self.position.choices = [SelectChoice("", _("All positions"))] + [
            SelectChoice(str(p.id), f"{p.title} · {p.team}" if p.team else p.title) for p in self.positions]

    def cleaned(self, this_month: str, first_month: Callable[[], str | None]) -> dict:
        """``start``, ``end``, ``team`` and ``position_id`` for ``services.analytics_report``; each value
        that was left out or mended adds a line to ``problems``. ``first_month`` gives the first month
        with figures (asked only for "All time")."""
        start, end = self._period(this_month, first_month)
        team = (self.team.data or "")[:120]
        if team and team not in self.teams:
            self.problems.append(_("That team doesn't exist; showing every team."))
            team = ""
        position_id = parse_id(self.position.data)
        if self.position.data and position_id is None:
            self.problems.append(_("That position doesn't exist; showing every position."))
        if position_id is not None and not any(p.id == position_id and (not team or p.team == team)
                                               for p in self.positions):
            self.problems.append(_("That position isn't in the chosen team (or doesn't exist), so nothing "
                                   "matches."))
        self.start.data, self.end.data, self.team.data = start, end, team
        self.position.data = str(position_id or "")
        return {"start": start, "end": end, "team": team, "position_id": position_id}

    def _period(self, this_month: str, first_month: Callable[[], str | None]) -> tuple[str, str]:
        preset = self.period.data or ""
        if preset in ("3", "6", "12"):
            return months_back(this_month, int(preset)), this_month
        if preset == "all":
            return first_month() or this_month, this_month
        start, end = self.start.data or "", self.end.data or ""
        for value, problem in ((start, _("“From” must be a month like %(month)s; it was ignored.", month=this_month)),
                               (end, _("“To” must be a month like %(month)s; it was ignored.", month=this_month))):
            if value and not MONTH.match(value):
                self.problems.append(problem)
        start = start if MONTH.match(start) else months_back(end if MONTH.match(end) else this_month, 12)
        end = end if MONTH.match(end) else this_month
        if start > end:
            self.problems.append(_("“From” was after “To”, so the two were swapped."))
            start, end = end, start
        if len(months_between(start, end)) > LONGEST:
            self.problems.append(_("The period is limited to ten years; it now ends ten years after “From”."))
            end = months_between(start, end)[LONGEST - 1]
        return start, end

    def query(self) -> dict[str, str]:
        """The filters in use, as the query string of a link to the same figures (a CSV download)."""
        fields = (self.start, self.end, self.team, self.position)
        return {field.name: field.data for field in fields if field.data}
