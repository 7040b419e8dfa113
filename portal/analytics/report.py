"""The analytics page's figures, read from the rollup for a period, position or team.

Everything is built as ``Section``s: a title, a table (each cell carries the number a spreadsheet
gets and the text the page shows) and optionally a chart of the same numbers. The page, the CSV
downloads and the charts are all drawn from the same ``Section``, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..candidates.models import DECLINE_REASONS
from ..i18n import _, _l, ngettext, lazy_pgettext
from ..people.models import GROUP_LABELS, GROUPS
from ..questions.models import CATEGORIES
from . import hours_report
from .cells import Cell, Chart, Numbers, Section, decided_label, text
from .hours import WindowTotals, window_totals
from .figures import TOP_PEOPLE, Figures, Filters, figures_for, median, months_between
from .rollup import CONVERSATION_BUCKETS, FUNNEL

FUNNEL_LABELS = {
    "offer": _l("Offer stage"),
    "signed_in": _l("Signed in"),
    "asked": _l("Asked a question"),
    "requested": _l("Requested a conversation"),
    "met": _l("Met someone"),
    "decided": lazy_pgettext("analytics: how many decided", "Decided"),
    "accepted": _l("Accepted"),
}
OUTCOME_LABELS = {
    "held": _l("Held"),
    "no_show": _l("No-show"),
    "cancelled": _l("Cancelled"),
    "declined": _l("Declined by the person"),
    "expired": _l("Invitation expired"),
    "rejected": _l("Not approved"),
    "open": _l("Still open"),
}
BUCKET_LABELS = {"0": _l("None"), "1": "1", "2": "2", "3": "3", "4": "4", "5+": _l("5 or more")}


# --- sections -----------------------------------------------------------------------------------

def _month_rate(num: Numbers, accepted: int, decided: int) -> Cell:
    """The month's rate, or why it has none: the chart leaves the rate out for the same months."""
    cell = num.rate(accepted, decided)
    if not cell.numeric and decided:
        return Cell("", _("%(counts)s — too few to rate", counts=cell.text))
    return cell


def _acceptance_by_month(f: Figures, num: Numbers) -> Section:
    minimum = num.rate_min
    rows, labels, decided_counts, accepted_counts, rates = [], [], [], [], []
    for month in months_between(f.filters.start, f.filters.end):
        funnel = f.monthly.get(month, {}).get("funnel", {})
        decided, accepted = funnel.get("decided", 0), funnel.get("accepted", 0)
        rows.append([text(month), num.count(funnel.get("offer", 0)), num.count(decided), num.count(accepted),
                     _month_rate(num, accepted, decided)])
        labels.append(month)
        decided_counts.append(decided)
        accepted_counts.append(accepted)
        rates.append(num.rate_value(accepted, decided))
    return Section(
        "acceptance-by-month", _("Offer acceptance by month"),
        _("Accepted ÷ decided (accepted or declined), for offers made in each month. Every month shows its "
          "counts; the rate only where at least %(minimum)d offers were decided.", minimum=minimum),
        [_("Month of offer"), _("Offers"), decided_label(), _("Accepted"), _("Acceptance rate")], rows,
        Chart("months", _("Month of offer (UTC)"), _("Offers"), labels,
              [(decided_label(), decided_counts), (_("Accepted"), accepted_counts), (_("Acceptance rate"), rates)],
              rate_min=minimum),
        alt=_("Bar chart of the offers decided and accepted in each month of the period, with the acceptance "
              "rate marked for the months with at least %(minimum)d decided; the table beside it has every number.",
              minimum=minimum))


def _rate_rows(f: Figures, num: Numbers, decided_metric: str, accepted_metric: str, keys: list[str], labels: dict[str, str]):
    rows, values = [], []
    for key in keys:
        decided, accepted = f.get(decided_metric, key), f.get(accepted_metric, key)
        rows.append([text(labels[key]), num.count(decided), num.count(accepted), num.rate(accepted, decided)])
        values.append(num.rate_value(accepted, decided))
    return rows, values


def _with_without(f: Figures, num: Numbers) -> Section:
    labels = {"with": _("Met someone"), "without": _("Met nobody")}
    rows, values = _rate_rows(f, num, "conv_decided", "conv_accepted", ["with", "without"], labels)
    return Section(
        "with-without", _("With and without reverse-interview conversations"),
        _("Acceptance of candidates who held at least one conversation, against those who held none."),
        [_("Candidates"), decided_label(), _("Accepted"), _("Acceptance rate")], rows,
        Chart("bar", _("Candidates"), _("Acceptance rate (%)"), list(labels.values()),
              [(_("Acceptance rate"), values)]),
        alt=_("Bar chart comparing the acceptance rate of candidates who met someone with those who met nobody."))


def _by_number(f: Figures, num: Numbers) -> Section:
    rows, values = _rate_rows(f, num, "nconv_decided", "nconv_accepted", list(CONVERSATION_BUCKETS), BUCKET_LABELS)
    return Section(
        "by-number", _("By number of conversations held"),
        _("Acceptance by how many conversations the candidate held before deciding."),
        [_("Conversations held"), decided_label(), _("Accepted"), _("Acceptance rate")], rows,
        Chart("bar", _("Conversations held"), _("Acceptance rate (%)"), list(BUCKET_LABELS.values()),
              [(_("Acceptance rate"), values)]),
        alt=_("Bar chart of the acceptance rate by number of conversations held."))


def _by_group(f: Figures, num: Numbers) -> Section:
    rows, values = _rate_rows(f, num, "group_decided", "group_accepted", list(GROUPS), GROUP_LABELS)
    return Section(
        "by-group", _("By who they met"),
        _("A candidate who met people from several groups counts once in each."),
        [_("Group met"), decided_label(), _("Accepted"), _("Acceptance rate")], rows,
        Chart("hbar_rate", _("Acceptance rate (%)"), _("Group met"), [GROUP_LABELS[g] for g in GROUPS],
              [(_("Acceptance rate"), values)]),
        alt=_("Bar chart of the acceptance rate of candidates by the group of people they met."))


def _funnel(f: Figures, num: Numbers) -> Section:
    offers = f.get("funnel", "offer")
    rows, values = [], []
    for step in FUNNEL:
        n = f.get("funnel", step)
        share = round(100 * n / offers, 1) if offers else None
        rows.append([text(FUNNEL_LABELS[step]), num.count(n),
                     Cell(share, num.percent(share)) if share is not None else Cell("", "—")])
        values.append(n)
    return Section(
        "funnel", _("Funnel"), _("How far candidates got, counting each candidate once per step."),
        [_("Step"), _("Candidates"), _("Share of offers")], rows,
        Chart("hbar", _("Candidates"), _("Step"), [FUNNEL_LABELS[s] for s in FUNNEL], [(_("Candidates"), values)]),
        alt=_("Horizontal bar chart of the funnel from offer stage to accepted."))


def _speed(f: Figures, num: Numbers) -> Section:
    rows = []
    for label, metric in ((_("Offer → decision"), "decision_hours"),
                          (_("Request → recruiter's approval"), "approval_hours"),
                          (_("Invitation → the person's answer"), "answer_hours")):
        histogram = f.histogram(metric)
        hours = median(histogram)
        rows.append([text(label), num.number(hours), num.number(hours / 24 if hours is not None else None),
                     num.count(sum(histogram.values()))])
    return Section(
        "speed", _("How long things take"),
        _("Medians, from whole hours. Approval counts requests that needed a recruiter; answers count "
          "invitations the person accepted or declined."),
        [_("Measure"), _("Median (hours)"), _("Median (days)"), _("Based on")], rows)


def _people(f: Figures, num: Numbers) -> tuple[Section, list[dict]]:
    people = [{**p, "name": p["name"] if p["name"] is not None else _("Former account")} for p in f.people]
    rows = []
    for p in people:
        rows.append([
            text(p["name"]), text(p["title"]), num.count(p["requested"]), num.count(p["answered"]), num.count(p["accepted"]),
            num.rate(p["accepted"], p["answered"]), num.count(p["held"]),
            num.count(p["busiest_count"]), text(p["busiest_week"] or "—"),
            num.count(p["cap"]) if p["cap"] is not None else text("—"),
        ])
    section = Section(
        "people", _("Most requested people"),
        _("The %(top)d people asked for most, how often they accept an invitation, and their busiest week "
          "against the weekly cap they set.", top=TOP_PEOPLE),
        [_("Person"), _("Title"), _("Requests"), _("Invitations answered"), _("Accepted"), _("Acceptance rate"),
         _("Held"), _("Busiest week: conversations"), _("Busiest week (Monday, UTC)"), _("Weekly cap")], rows,
        Chart("hbar", _("Requests"), _("Person"), [p["name"] for p in people],
              [(_("Requests"), [p["requested"] for p in people])])
        if people else None,
        alt=_("Horizontal bar chart of how many conversations each of the most requested people was asked for."))
    over = [p["name"] for p in people if p["cap"] is not None and p["busiest_count"] > p["cap"]]
    if over:
        section.notes.append(_("Over their weekly cap at least once: %(names)s.", names=", ".join(over)))
    return section, people


def _coverage(f: Figures, num: Numbers) -> Section:
    rows, values = [], []
    all_total = all_answered = 0
    for key, label in CATEGORIES.items():
        total, answered = f.get("q_total", key), f.get("q_answered", key)
        all_total += total
        all_answered += answered
        rows.append([text(label), num.count(total), num.count(answered), num.rate(answered, total)])
        values.append(num.rate_value(answered, total))
    rows.append([text(_("All categories")), num.count(all_total), num.count(all_answered), num.rate(all_answered, all_total)])
    return Section(
        "coverage", _("Questions answered before the decision"),
        _("Questions of candidates who decided, by category, answered before they decided."),
        [_("Category"), _("Questions"), _("Answered before deciding"), _("Share answered")], rows,
        Chart("hbar_rate", _("Answered before deciding (%)"), _("Category"), list(CATEGORIES.values()),
              [(_("Share answered"), values)]),
        alt=_("Bar chart of the share of questions answered before the decision, by category."))


def _ratings(f: Figures, num: Numbers) -> Section:
    rows, values, total, weighted = [], [], 0, 0
    for stars in range(1, 6):
        n = f.get("rating", str(stars))
        total += n
        weighted += stars * n
        rows.append([text(_("%(stars)d of 5", stars=stars)), num.count(n)])
        values.append(n)
    section = Section(
        "ratings", _("Conversation ratings"),
        _("How useful candidates found each conversation (1 = not useful, 5 = very)."),
        [_("Rating"), _("Conversations")], rows,
        Chart("hbar", _("Conversations"), _("Rating"), [_("%(stars)d of 5", stars=s) for s in range(1, 6)],
              [(_("Conversations"), values)]),
        alt=_("Horizontal bar chart of how many conversations got each rating from 1 to 5."))
    section.notes.append(ngettext("Average rating: %(average)s from %(count)s rating.",
                                  "Average rating: %(average)s from %(count)s ratings.", total,
                                  average=num.decimal(weighted / total, 2), count=num.integer(total)) if total
                         else _("No ratings yet."))
    return section


def _outcomes(f: Figures, num: Numbers) -> Section:
    rows = [[text(OUTCOME_LABELS[key]), num.count(f.get("outcome", key))] for key in OUTCOME_LABELS]
    held_n, no_show = f.get("outcome", "held"), f.get("outcome", "no_show")
    section = Section("outcomes", _("What happened to conversation requests"),
                      _("Every request by candidates in the period, by how it ended."),
                      [_("Outcome"), _("Requests")], rows)
    section.rows.append([text(_("No-show rate (no-shows ÷ held and no-shows)")), num.rate(no_show, held_n + no_show)])
    return section


def _decline_reasons(f: Figures, num: Numbers) -> Section:
    declined = f.get("stage", "declined")
    labels = {key: str(label) for key, label in {**DECLINE_REASONS, "unrecorded": _("Not recorded")}.items()}
    items = sorted(((f.get("decline_reason", key), key) for key in labels),
                   key=lambda item: (-item[0], labels[item[1]]))
    rows = [[text(labels[key]), num.count(n), num.rate(n, declined)] for n, key in items if n]
    section = Section(
        "decline-reasons", _("Why candidates declined"), _("The reason the recruiter recorded for each decline."),
        [_("Reason"), _("Declines"), _("Share of declines")], rows,
        Chart("hbar", _("Declines"), _("Reason"), [labels[key] for n, key in items if n],
              [(_("Declines"), [n for n, _key in items if n])]) if rows else None,
        alt=_("Horizontal bar chart of the reasons candidates declined."))
    sent, answered = f.get("survey", "sent"), f.get("survey", "answered")
    section.notes.append(_("Exit surveys: %(sent)s sent, %(answered)s answered.", sent=num.integer(sent),
                           answered=num.integer(answered)) if sent else _("No exit surveys sent."))
    return section


@dataclass
class Report:
    filters: Filters
    headline: dict
    sections: list[Section]
    # The sections as the page writes them, by the query its links carry (views.index): made once, with
    # the report, so they can never come from other figures than the headline's.
    html: dict = field(default_factory=dict)

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)


SECTION_SLUGS = ("acceptance-by-month", "with-without", "by-number", "by-group", *hours_report.SLUGS, "funnel",
                 "speed", "people", "coverage", "ratings", "outcomes", "decline-reasons")


def build_report(filters: Filters, windows: WindowTotals | None = None) -> Report:
    """The report for ``filters`` in the reader's language; ``windows``: the office hours windows held
    in the period (``hours.window_totals``, read here when not given)."""
    if windows is None:
        windows = window_totals(filters.starts_at, filters.ends_at, filters.position_ids)
    f = figures_for(filters)
    num = Numbers.here()
    decided, accepted = f.get("funnel", "decided"), f.get("funnel", "accepted")
    decision_median = median(f.histogram("decision_hours"))
    headline = {
        "offers": f.get("funnel", "offer"),
        "decided": decided,
        "accepted": accepted,
        "declined": f.get("stage", "declined"),
        "withdrawn": f.get("stage", "withdrawn"),
        "deciding": f.get("stage", "offer"),
        "rate": num.rate(accepted, decided),
        "median_days": num.number(decision_median / 24 if decision_median is not None else None),
    }
    people_section, _people_rows = _people(f, num)
    sections = [_acceptance_by_month(f, num), _with_without(f, num), _by_number(f, num), _by_group(f, num),
                hours_report.by_kind(f, num), hours_report.office_hours(f, num), hours_report.office_hours_queues(f, num, windows),
                _funnel(f, num), _speed(f, num), people_section, _coverage(f, num), _ratings(f, num), _outcomes(f, num),
                _decline_reasons(f, num)]
    return Report(filters, headline, sections)
