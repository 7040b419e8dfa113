"""The by-month chart: decided and accepted offers as bars for every month, the acceptance rate as a
marker only where enough offers were decided to mean one.

pygal draws one kind of chart per image (no bars with a line over them), so this one is drawn by
hand: plain SVG with presentation attributes (no script, no style element), the same colours and
font as the pygal charts. Every word and number is in the reader's language (Babel's month names:
"Sep", "Okt", "9月"). Month labels are short ("Sep" with the year under the first month and
under each January) and thinned to whole steps (every 2nd, 3rd, … month, starting from January) so
that they never collide; the phone-sized variant has its own width, so its text stays readable
instead of shrinking with the picture.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from babel.dates import get_month_names

from ..i18n import _, current_locale, ngettext
from ..timeutil import format_day
from .cells import decided_label, integer, percent

DECIDED_FILL, DECIDED_STROKE = "#bfdbfe", "#1d4ed8"
ACCEPTED_FILL = "#1d4ed8"
RATE_COLOUR = "#b45309"
INK, SUBTLE, GRID = "#1f2937", "#4b5563", "#e5e7eb"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
CHAR_EM = 0.62  # a generous average glyph width (in em) for the label budget
WIDE_EM = 1.0  # a Chinese or Japanese character fills its em
# Label steps, in months: every month, every other one, each quarter … then whole years.
STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60, 120, 240, 600)


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    font: int
    left: int
    right: int


WIDE = Size(720, 380, 12, 56, 56)
NARROW = Size(360, 320, 12, 44, 46)


def text_width(text: str, font: int) -> float:
    """About how wide ``text`` is drawn at ``font`` px (wide characters count a whole em)."""
    return font * sum(WIDE_EM if unicodedata.east_asian_width(c) in "WF" else CHAR_EM for c in text)


def month_name(key: str) -> str:
    """"2026-09" → "Sep 2026" ("Sept. 2026", "2026年9月"), in the reader's language."""
    year, month = key.split("-")
    return format_day(date(int(year), int(month), 1), "yMMM")


def short_months() -> list[str]:
    """The months' short names on their own, in the reader's language: "Sep", "Okt", "9月"."""
    names = get_month_names("abbreviated", context="stand-alone", locale=current_locale())
    return [names[m] for m in range(1, 13)]


def label_step(n: int, slot: float, font: int, widest: float | None = None) -> int:
    """The smallest step whose labels ("Sep" over "2026") fit side by side with a gap between;
    ``widest``: the widest label in px (four letters by default)."""
    need = (4 * CHAR_EM * font if widest is None else max(widest, 4 * CHAR_EM * font)) + 6
    return next((step for step in STEPS if step * slot >= need), STEPS[-1])


def _shown(key: str, step: int) -> bool:
    year, month = (int(part) for part in key.split("-"))
    if step <= 12:
        return (month - 1) % step == 0
    return month == 1 and year % (step // 12) == 0


def _nice_top(top: int, ticks: int) -> tuple[int, int]:
    """An axis maximum ≥ top and a whole step giving at most ``ticks`` intervals."""
    if top <= 0:
        return 1, 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return step * math.ceil(top / step), step


def _text(x, y, body, size, fill=INK, anchor="middle", weight=None, extra=""):
    bold = ' font-weight="bold"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{bold}{extra}>'
            f"{escape(body)}</text>")


def render(title: str, months: tuple[str, ...], decided: tuple[int, ...], accepted: tuple[int, ...],
           rates: tuple[float | None, ...], rate_min: int, size: Size = WIDE) -> str:
    w, h, font = size.width, size.height, size.font
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'font-family="{FONT}" role="img"><title>{escape(title)}</title>'),
           f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
           _text(w / 2, 22, title, font + 3, INK, weight=True)]

    # Legend: flows onto a second row when the chart is narrow.
    items = [("decided", decided_label()), ("accepted", _("Accepted")),
             ("rate", _("Acceptance rate (months with %(num)d+ decided)", num=rate_min) if rate_min > 1
              else _("Acceptance rate"))]
    x, y = 12.0, 44.0
    for kind, label in items:
        width = 20 + text_width(label, font)
        if x + width > w - 12 and x > 12:
            x, y = 12.0, y + font + 8
        if kind == "rate":
            out.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 14:.1f}" y2="{y - 4:.1f}" '
                       f'stroke="{RATE_COLOUR}" stroke-width="2"/>'
                       f'<circle cx="{x + 7:.1f}" cy="{y - 4:.1f}" r="4" fill="{RATE_COLOUR}" stroke="#ffffff"/>')
        else:
            fill = DECIDED_FILL if kind == "decided" else ACCEPTED_FILL
            out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{fill}" '
                       f'stroke="{DECIDED_STROKE}"/>')
        out.append(_text(x + 18, y, label, font, INK, anchor="start"))
        x += width + 14

    top_y, bottom_y = y + 22, h - 50
    left_x, right_x = size.left, w - size.right
    plot_h, plot_w = bottom_y - top_y, right_x - left_x
    n = max(len(months), 1)
    axis_top, step = _nice_top(max(decided, default=0), 5 if plot_h > 200 else 4)

    def y_count(v):
        return bottom_y - plot_h * v / axis_top

    def y_rate(v):
        return bottom_y - plot_h * v / 100

    # Grid and the two value axes: counts on the left, the rate on the right.
    for v in range(0, axis_top + 1, step):
        yy = y_count(v)
        out.append(f'<line x1="{left_x}" y1="{yy:.1f}" x2="{right_x}" y2="{yy:.1f}" stroke="{GRID}"/>')
        out.append(_text(left_x - 6, yy + 4, integer(v), font - 1, SUBTLE, anchor="end"))
    for v in (0, 25, 50, 75, 100):
        out.append(_text(right_x + 6, y_rate(v) + 4, percent(v, 0), font - 1, RATE_COLOUR, anchor="start"))
    middle = (top_y + bottom_y) / 2
    out.append(_text(12, middle, _("Offers"), font, SUBTLE, extra=f' transform="rotate(-90 12 {middle:.1f})"'))
    out.append(_text(w - 8, middle, _("Acceptance rate"), font, RATE_COLOUR,
                     extra=f' transform="rotate(90 {w - 8} {middle:.1f})"'))
    out.append(f'<line x1="{left_x}" y1="{bottom_y}" x2="{right_x}" y2="{bottom_y}" stroke="{SUBTLE}"/>')

    slot = plot_w / n
    bar = min(24.0, slot * 0.36)
    centres = [left_x + slot * (i + 0.5) for i in range(len(months))]

    # The rate line joins neighbouring months that both have a rate; a gap means "too few to rate".
    points = [(cx, y_rate(r)) if r is not None else None for cx, r in zip(centres, rates)]
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(run))
                out.append(f'<path d="{path}" fill="none" stroke="{RATE_COLOUR}" stroke-width="2"/>')
            run = []
        else:
            run.append(point)

    shorts = short_months()
    step_months = label_step(n, slot, font, max(text_width(s, font) for s in shorts))
    last_year = None
    for key, cx, d, a, r in zip(months, centres, decided, accepted, rates):
        name = month_name(key)
        why = _("%(rate)s accepted", rate=percent(r)) if r is not None else (
            _("none decided") if d == 0 else _("too few decided to rate (under %(num)d)", num=rate_min))
        about = ngettext("%(month)s: %(decided)s decided, %(accepted)s accepted; %(why)s",
                         "%(month)s: %(decided)s decided, %(accepted)s accepted; %(why)s", d,
                         month=name, decided=integer(d), accepted=integer(a), why=why)
        out.append(f'<g class="month" data-month={quoteattr(key)}>'
                   f"<title>{escape(about)}</title>")
        for kind, v, x0 in (("decided", d, cx - bar), ("accepted", a, cx)):
            if v:
                yy = y_count(v)
                fill = DECIDED_FILL if kind == "decided" else ACCEPTED_FILL
                out.append(f'<rect class="{kind}" x="{x0:.1f}" y="{yy:.1f}" width="{bar:.1f}" '
                           f'height="{bottom_y - yy:.1f}" fill="{fill}" stroke="{DECIDED_STROKE}"/>')
        if r is not None:
            yy = y_rate(r)
            out.append(f'<circle class="rate" cx="{cx:.1f}" cy="{yy:.1f}" r="4.5" fill="{RATE_COLOUR}" '
                       f'stroke="#ffffff" stroke-width="1.5"/>')
            if slot >= 4 * CHAR_EM * (font - 1) + 4:
                out.append(_text(cx, yy - 9, percent(r, 0), font - 1, RATE_COLOUR, weight=True,
                                 extra=' class="rate-label" stroke="#ffffff" stroke-width="3" paint-order="stroke"'))
        if _shown(key, step_months):
            year = key[:4]
            out.append(f'<line x1="{cx:.1f}" y1="{bottom_y}" x2="{cx:.1f}" y2="{bottom_y + 4}" stroke="{SUBTLE}"/>')
            if step_months > 12:
                out.append(_text(cx, bottom_y + 18, year, font, INK, extra=' class="x-label"'))
            else:
                out.append(_text(cx, bottom_y + 18, shorts[int(key[5:7]) - 1], font, INK, extra=' class="x-label"'))
                if year != last_year:
                    out.append(_text(cx, bottom_y + 32, year, font, SUBTLE, extra=' class="x-year"'))
            last_year = year
        out.append("</g>")
    out.append(_text((left_x + right_x) / 2, h - 6, _("Month of offer (UTC)"), font - 1, SUBTLE))
    out.append("</svg>")
    return "".join(out)
