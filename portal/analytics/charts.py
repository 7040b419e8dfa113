"""Server-rendered SVG charts (pygal), shown as images at their own URLs: no script or inline style
reaches the page.

A chart is a pure function of its numbers and the reader's language (its titles, legends and number
formats), so rendered charts are memoised by both: the same figures in the same language never cost a
second render in this process.
"""

from __future__ import annotations

import sys
from functools import lru_cache

import pygal
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from pygal.style import Style

# pygal appends an old-style import hook (for its map plugins, unused here) to sys.meta_path that
# makes every later import that reaches it warn on Python 3.11+; take it out again at once.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

from ..i18n import _, current_language, language_of  # noqa: E402
from . import month_chart  # noqa: E402
from .cells import integer, percent  # noqa: E402
from .report import Chart  # noqa: E402

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#6b7280",
    colors=("#1d4ed8", "#0f766e", "#b45309", "#7c3aed"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
)


def _render(kind: str, title: str, x_title: str, y_title: str, labels: tuple[str, ...],
            series: tuple[tuple[str, tuple[float | None, ...]], ...]) -> str:
    common = {"style": STYLE, "js": (), "disable_xml_declaration": True, "pretty_print": False, "no_prefix": True,
              "show_legend": len(series) > 1, "width": 720, "height": 360, "print_values": len(labels) <= 12,
              "margin": 12, "truncate_label": -1, "include_x_axis": True,
              "no_data_text": _("No data")}
    percent_axis = kind in ("bar", "hbar_rate")
    # Values and axes the language's way (``language`` keys the cache; the formatting reads the locale).
    formatter = (lambda v: percent(v, 0) if v is not None else "") if percent_axis else (
        lambda v: integer(round(v)) if v is not None else "")
    if kind == "bar":
        chart = pygal.Bar(range=(0, 100), value_formatter=formatter,
                          x_label_rotation=-45 if len(labels) > 12 else 0, **common)
    else:
        chart = pygal.HorizontalBar(value_formatter=formatter, **common)
        if percent_axis:
            chart.range = (0, 100)
    if not percent_axis:
        top = max((v for _name, values in series for v in values if v is not None), default=0)
        if top <= 10:  # whole numbers only on a small axis (no "0 0 0 1 1 1")
            chart.y_labels = list(range(int(top) + 1)) or [0]
    chart.title = title
    chart.x_title = x_title
    chart.y_title = y_title
    chart.x_labels = list(labels)
    if kind == "bar" and len(labels) > 18:
        chart.x_labels_major_every = 3
        chart.show_minor_x_labels = False
    for name, values in series:
        chart.add(name, list(values))
    return chart.render(is_unicode=True)


@lru_cache(maxsize=512)
def _svg(spec: tuple) -> str:
    """The drawing for a chart's ``spec`` (``_spec``), in the language it names; memoised: the same
    figures in the same language are drawn once in this process."""
    with language_of(spec[1]):
        if spec[0] == "months":
            _kind, _language, title, months, decided, accepted, rates, rate_min, narrow = spec
            return month_chart.render(title, months, decided, accepted, rates, rate_min,
                                      month_chart.NARROW if narrow else month_chart.WIDE)
        kind, _language, title, x_title, y_title, labels, series = spec
        return _render(kind, title, x_title, y_title, labels, series)


def _spec(chart: Chart, title: str, narrow: bool) -> tuple:
    """Everything a chart's drawing depends on (nested tuples of text and numbers): its figures,
    its titles in the reader's language, and that language (for month names and number formats)."""
    language = current_language()
    if chart.kind == "months":
        (_d, decided), (_a, accepted), (_r, rates) = chart.series
        return ("months", language, title, tuple(chart.labels), tuple(decided), tuple(accepted), tuple(rates),
                chart.rate_min, bool(narrow))
    labels = tuple(chart.labels)
    # Horizontal bars read top to bottom in the table's order.
    series = tuple((name, tuple(values)) for name, values in chart.series)
    if chart.kind.startswith("hbar"):
        labels = labels[::-1]
        series = tuple((name, values[::-1]) for name, values in series)
    return (chart.kind, language, title, chart.x_title, chart.y_title, labels, series)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="analytics-chart")


def _frozen(value):
    """JSON's lists back to the tuples ``_svg`` is memoised by."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def chart_src(chart: Chart, title: str, narrow: bool = False) -> str:
    """An ``<img src>`` for the chart: its own URL, ``/recruiter/analytics/chart/<spec>.svg``, where the
    spec (``_spec``: the figures, titles and language) is compressed and signed with the app's key.
    The page carries a few hundred bytes a chart instead of the drawing (12 drawings were 212 of the
    page's 245 KB), and the browser keeps each drawing: the same URL is always the same picture.
    ``narrow``: the phone-sized drawing, for the charts that have one (``has_narrow``)."""
    return url_for("analytics.chart", spec=_signer().dumps(list(_spec(chart, title, narrow))))


def svg_for(signed: str) -> str | None:
    """The drawing behind a ``chart_src`` URL's spec, or None when the spec isn't one we signed."""
    try:
        spec = _frozen(_signer().loads(signed))
    except BadSignature:
        return None
    if not isinstance(spec, tuple) or len(spec) not in (7, 9) or not isinstance(spec[1], str):
        return None
    return _svg(spec)


def chart_svg(chart: Chart, title: str, narrow: bool = False) -> str:
    """The SVG text itself (tests read titles and labels from it)."""
    return _svg(_spec(chart, title, narrow))
