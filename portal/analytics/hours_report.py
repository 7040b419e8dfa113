"""The analytics sections about kinds of conversation and office hours (counted in ``hours.py``)."""

from __future__ import annotations

from flask import current_app

from ..meetings.models import KINDS
from .cells import Cell, Chart, Section, count, number, rate, rate_value, text
from .figures import Figures, median
from .hours import percentile, window_totals

SLUGS = ("by-kind", "office-hours", "office-hours-queues")


def by_kind(f: Figures) -> Section:
    held_total = sum(f.get("kind_held", kind) for kind in KINDS)
    rows = []
    for kind, label in KINDS.items():
        held = f.get("kind_held", kind)
        share = round(100 * held / held_total, 1) if held_total else None
        rows.append([text(label), count(f.get("kind_all", kind)), count(held),
                     Cell(share, f"{share:.1f}%") if share is not None else Cell("", "—")])
    return Section(
        "by-kind", "Conversations by kind",
        "Every conversation candidates asked for or had, by kind, and those that took place. An office hours "
        "talk is a conversation of its own kind.",
        ["Kind", "Conversations", "Held", "Share of held"], rows,
        Chart("hbar", "Conversations held", "Kind", list(KINDS.values()),
              [("Held", [f.get("kind_held", kind) for kind in KINDS])]),
        alt="Horizontal bar chart of how many conversations of each kind took place.")


def office_hours(f: Figures) -> Section:
    labels = {"with": "Had an office hours talk", "without": "No office hours talk"}
    rows, values = [], []
    for key, label in labels.items():
        decided, accepted = f.get("hours_decided", key), f.get("hours_accepted", key)
        rows.append([text(label), count(decided), count(accepted), rate(accepted, decided)])
        values.append(rate_value(accepted, decided))
    return Section(
        "office-hours", "With and without office hours",
        "Acceptance of decided candidates who had at least one office hours talk, against those who had none. "
        "Few candidates may have had one: the counts say how much the rate rests on.",
        ["Candidates", "Decided", "Accepted", "Acceptance rate"], rows,
        Chart("bar", "Candidates", "Acceptance rate (%)", list(labels.values()), [("Acceptance rate", values)]),
        alt="Bar chart comparing the acceptance rate of candidates who had an office hours talk with those who "
            "had none.")


def office_hours_queues(f: Figures) -> Section:
    minimum = current_app.config["ANALYTICS_MIN_FOR_RATE"]
    waits = f.histogram("hours_wait")
    talks = sum(waits.values())
    windows = window_totals(f.filters.starts_at, f.filters.ends_at, f.filters.position_ids)
    p90 = percentile(waits, 0.9) if talks >= minimum else None
    per_talk = f"{talks:,} talk{'' if talks == 1 else 's'}"
    rows = [
        [text("Waiting before a talk, median (minutes)"), number(median(waits)), text(per_talk)],
        [text("Waiting before a talk, 90th percentile (minutes)"), number(p90), text(per_talk)],
        [text("Windows held"), count(windows.held), text("Went live, now closed")],
        [text("Talks in those windows"), count(windows.talks), text(f"{windows.held:,} windows")],
        [text("Talks per window (average)"), number(windows.per_window), text(f"{windows.held:,} windows")],
    ]
    section = Section(
        "office-hours-queues", "Office hours queues",
        "How long candidates waited in a queue before their talk (from joining to being let in, in whole "
        "minutes; candidates counted by the month of their offer), and how many talks a window held (windows by "
        "the month they took place).",
        ["Measure", "Value", "Based on"], rows)
    if talks and p90 is None:
        section.notes.append(f"The 90th percentile needs at least {minimum} talks.")
    if f.filters.position_ids is not None:
        section.notes.append("Windows are open to every candidate: all windows held in the period are counted, "
                             "and only the talks with candidates of the chosen team or position.")
    return section
