"""/recruiter/analytics: offer acceptance and the reverse interview's part in it, with CSV downloads.

Filters are a plain GET form (``forms.py``), so every view of the page is a link someone can
bookmark or send. With htmx only the report swaps and the URL follows.
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from ..candidates.services import positions
from ..rendering import render
from ..security import recruiter_required
from ..timeutil import utcnow
from . import bp
from .charts import chart_src, svg_for
from .figures import first_month, teams
from .forms import PRESETS, AnalyticsFilterForm
from .report import SECTION_SLUGS, Report
from .services import analytics_report, refresh_rollup
from .sql import month_key


def _report() -> tuple[AnalyticsFilterForm, Report]:
    """The filter form read from the query string, and the report for what it cleaned."""
    refresh_rollup()
    form = AnalyticsFilterForm(request.args, teams=teams(), positions=positions())
    return form, analytics_report(**form.cleaned(month_key(utcnow()), first_month))


@bp.get("/recruiter/analytics")
@recruiter_required
def index():
    form, report = _report()
    query = form.query()
    # The sections (most of the page) are the same HTML for everyone who asks for these figures in this
    # language: written once, kept with the report (as long as it is) by the query its links carry.
    key = tuple(sorted(query.items()))
    sections = report.html.get(key)
    if sections is None:
        sections = report.html[key] = Markup(render_block("analytics/index.html", "sections", report=report,
                                                          query=query, chart_src=chart_src))
    return render("analytics/index.html", fragment="report", form=form, report=report, problems=form.problems,
                  presets=PRESETS, query=query, sections=sections)


@bp.get("/recruiter/analytics/chart/<spec>.svg")
@recruiter_required
def chart(spec: str):
    """A chart of the page (``charts.chart_src``): the URL names the figures, so the picture never
    changes and the browser keeps it. A spec we didn't sign is not found."""
    svg = svg_for(spec)
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml", headers={
        "Cache-Control": "private, max-age=31536000, immutable",
        # Opened on its own, the drawing may use its presentation styles and nothing else.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"})


@bp.get("/recruiter/analytics/<slug>.csv")
@recruiter_required
def download(slug: str):
    if slug not in SECTION_SLUGS:
        abort(404)
    _form, report = _report()
    section = report.section(slug)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(section.headers)
    for row in section.rows:
        writer.writerow([_safe(cell.value) for cell in row])
    name = f"analytics-{slug}-{report.filters.start}-to-{report.filters.end}.csv"
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _safe(value):
    """Keep a spreadsheet from running a name like "=HYPERLINK(…)" as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
