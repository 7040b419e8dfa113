"""Server-rendered SVG charts (pygal), embedded as images so no script or inline style reaches the page.

A chart is a pure function of its numbers and the reader's language (its titles, legends and number
formats), so rendered charts are memoised by both: the same figures in the same language never cost a
second render in this process.
"""

from __future__ import annotations

import base64
import sys
from functools import lru_cache

import pygal
from pygal.style import Style

# pygal appends an old-style import hook (for its map plugins, unused here) to sys.meta_path that
# makes every later import that reaches it warn on Python 3.11+; take it out again at once.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

from ..i18n import _, current_language  # noqa: E402
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
def _data_uri(language, kind, title, x_title, y_title, labels, series) -> str:
    svg = _render(kind, title, x_title, y_title, labels, series)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@lru_cache(maxsize=512)
def _month_uri(language, title, months, decided, accepted, rates, rate_min, narrow) -> str:
    svg = month_chart.render(title, months, decided, accepted, rates, rate_min,
                             month_chart.NARROW if narrow else month_chart.WIDE)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def chart_src(chart: Chart, title: str, narrow: bool = False) -> str:
    """An ``<img src>`` for the chart: an SVG data URI. ``narrow``: the phone-sized drawing, for the
    charts that have one (``has_narrow``); the others scale their one drawing."""
    if chart.kind == "months":
        (_d, decided), (_a, accepted), (_r, rates) = chart.series
        return _month_uri(current_language(), title, tuple(chart.labels), tuple(decided), tuple(accepted), tuple(rates),
                          chart.rate_min, narrow)
    labels = tuple(chart.labels)
    # Horizontal bars read top to bottom in the table's order.
    series = tuple((name, tuple(values)) for name, values in chart.series)
    if chart.kind.startswith("hbar"):
        labels = labels[::-1]
        series = tuple((name, values[::-1]) for name, values in series)
    return _data_uri(current_language(), chart.kind, title, chart.x_title, chart.y_title, labels, series)


def chart_svg(chart: Chart, title: str, narrow: bool = False) -> str:
    """The SVG text itself (tests read titles and labels from it)."""
    return base64.b64decode(chart_src(chart, title, narrow).split(",", 1)[1]).decode()
