"""/recruiter/analytics: offer acceptance and the reverse interview's part in it, with CSV downloads.

Filters are a plain GET form (period as a range of months, position, team), so every view of the
page is a link someone can bookmark or send. With htmx only the report swaps and the URL follows.
"""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, request, url_for

from ..database import write_transaction
from ..rendering import render
from ..security import parse_id, role_required
from ..timeutil import utcnow
from . import bp
from .charts import chart_src
from .figures import Filters, first_month, months_between, positions_in, teams
from .report import SECTION_SLUGS, build_report
from .rollup import due_cells, refresh_due
from .sql import month_key

RECRUITERS = ("recruiter", "admin")
MONTH = re.compile(r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$")
PRESETS = (("3", "Last 3 months"), ("6", "Last 6 months"), ("12", "Last 12 months"), ("all", "All time"))


def _months_back(month: str, n: int) -> str:
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) - (n - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _filters() -> tuple[Filters, dict, list[str]]:
    """The filters from the query string, with a message for anything that was ignored."""
    args = request.args
    this_month = month_key(utcnow())
    problems: list[str] = []
    preset = args.get("period", "")
    start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if preset in ("3", "6", "12"):
        start, end = _months_back(this_month, int(preset)), this_month
    elif preset == "all":
        start, end = first_month() or this_month, this_month
    else:
        for label, value in (("From", start), ("To", end)):
            if value and not MONTH.match(value):
                problems.append(f"“{label}” must be a month like {this_month}; it was ignored.")
        start = start if MONTH.match(start) else _months_back(end if MONTH.match(end) else this_month, 12)
        end = end if MONTH.match(end) else this_month
        if start > end:
            problems.append("“From” was after “To”, so the two were swapped.")
            start, end = end, start
        if len(months_between(start, end)) > 120:
            problems.append("The period is limited to ten years; it now ends ten years after “From”.")
            end = months_between(start, end)[119]
    team = (args.get("team") or "").strip()[:120]
    all_teams = teams()
    if team and team not in all_teams:
        problems.append("That team doesn't exist; showing every team.")
        team = ""
    position_id = parse_id(args.get("position"))
    if args.get("position") and position_id is None:
        problems.append("That position doesn't exist; showing every position.")
    ids = positions_in(team, position_id)
    if position_id is not None and not ids:
        problems.append("That position isn't in the chosen team (or doesn't exist), so nothing matches.")
    values = {"from": start, "to": end, "team": team, "position": str(position_id or ""), "period": preset}
    return Filters(start, end, ids), values, problems


def _fresh() -> None:
    """Recount any cell that changed since it was counted (usually none; the worker does it too)."""
    now = utcnow()
    if due_cells(now):
        with write_transaction():
            refresh_due(now)


@bp.get("/recruiter/analytics")
@role_required(*RECRUITERS)
def index():
    _fresh()
    filters, values, problems = _filters()
    report = build_report(filters)
    from ..candidates.services import positions

    query = {k: v for k, v in values.items() if v and k != "period"}
    return render("analytics/index.html", fragment="report", report=report, values=values, problems=problems,
                  presets=PRESETS, teams=teams(), positions=positions(), chart_src=chart_src, query=query)


@bp.get("/recruiter/analytics/<slug>.csv")
@role_required(*RECRUITERS)
def download(slug: str):
    if slug not in SECTION_SLUGS:
        abort(404)
    _fresh()
    filters, values, _problems = _filters()
    section = build_report(filters).section(slug)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(section.headers)
    for row in section.rows:
        writer.writerow([_safe(cell.value) for cell in row])
    name = f"analytics-{slug}-{filters.start}-to-{filters.end}.csv"
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _safe(value):
    """Keep a spreadsheet from running a name like "=HYPERLINK(…)" as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_url(slug: str, query: dict) -> str:
    return url_for("analytics.download", slug=slug, **query)
