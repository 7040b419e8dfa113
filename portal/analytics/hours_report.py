"""The analytics sections about kinds of conversation and office hours (counted in ``hours.py``)."""

from __future__ import annotations


from ..i18n import _, ngettext
from ..meetings.models import KINDS
from .cells import Cell, Chart, Numbers, Section, decided_label, text
from .figures import Figures, median
from .hours import WindowTotals, percentile

SLUGS = ("by-kind", "office-hours", "office-hours-queues")


def by_kind(f: Figures, num: Numbers) -> Section:
    held_total = sum(f.get("kind_held", kind) for kind in KINDS)
    rows = []
    for kind, label in KINDS.items():
        held = f.get("kind_held", kind)
        share = round(100 * held / held_total, 1) if held_total else None
        rows.append([text(label), num.count(f.get("kind_all", kind)), num.count(held),
                     Cell(share, num.percent(share)) if share is not None else Cell("", "—")])
    return Section(
        "by-kind", _("Conversations by kind"),
        _("Every conversation candidates asked for or had, by kind, and those that took place. An office hours "
          "talk is a conversation of its own kind."),
        [_("Kind"), _("Conversations"), _("Held"), _("Share of held")], rows,
        Chart("hbar", _("Conversations held"), _("Kind"), list(KINDS.values()),
              [(_("Held"), [f.get("kind_held", kind) for kind in KINDS])]),
        alt=_("Horizontal bar chart of how many conversations of each kind took place."))


def office_hours(f: Figures, num: Numbers) -> Section:
    labels = {"with": _("Had an office hours talk"), "without": _("No office hours talk")}
    rows, values = [], []
    for key, label in labels.items():
        decided, accepted = f.get("hours_decided", key), f.get("hours_accepted", key)
        rows.append([text(label), num.count(decided), num.count(accepted), num.rate(accepted, decided)])
        values.append(num.rate_value(accepted, decided))
    return Section(
        "office-hours", _("With and without office hours"),
        _("Acceptance of decided candidates who had at least one office hours talk, against those who had none. "
          "Few candidates may have had one: the counts say how much the rate rests on."),
        [_("Candidates"), decided_label(), _("Accepted"), _("Acceptance rate")], rows,
        Chart("bar", _("Candidates"), _("Acceptance rate (%)"), list(labels.values()),
              [(_("Acceptance rate"), values)]),
        alt=_("Bar chart comparing the acceptance rate of candidates who had an office hours talk with those who "
              "had none."))


def office_hours_queues(f: Figures, num: Numbers, windows: WindowTotals) -> Section:
    """``windows``: ``hours.window_totals`` for the filters, read from the windows themselves (not the rollup)."""
    minimum = num.rate_min
    waits = f.histogram("hours_wait")
    talks = sum(waits.values())
    p90 = percentile(waits, 0.9) if talks >= minimum else None
    per_talk = ngettext("%(count)s talk", "%(count)s talks", talks, count=num.integer(talks))
    per_window = ngettext("%(count)s window", "%(count)s windows", windows.held, count=num.integer(windows.held))
    rows = [
        [text(_("Waiting before a talk, median (minutes)")), num.number(median(waits)), text(per_talk)],
        [text(_("Waiting before a talk, 90th percentile (minutes)")), num.number(p90), text(per_talk)],
        [text(_("Windows held")), num.count(windows.held), text(_("Went live, now closed"))],
        [text(_("Talks in those windows")), num.count(windows.talks), text(per_window)],
        [text(_("Talks per window (average)")), num.number(windows.per_window), text(per_window)],
    ]
    section = Section(
        "office-hours-queues", _("Office hours queues"),
        _("How long candidates waited in a queue before their talk (from joining to being let in, in whole "
          "minutes; candidates counted by the month of their offer), and how many talks a window held (windows by "
          "the month they took place)."),
        [_("Measure"), _("Value"), _("Based on")], rows)
    if talks and p90 is None:
        section.notes.append(ngettext("The 90th percentile needs at least %(num)d talk.",
                                      "The 90th percentile needs at least %(num)d talks.", minimum))
    if f.filters.position_ids is not None:
        section.notes.append(_("Windows are open to every candidate: all windows held in the period are counted, "
                               "and only the talks with candidates of the chosen team or position."))
    return section
