"""The pieces every analytics section is made of: a table cell (the number a spreadsheet gets and the
text the page shows), a chart of the same numbers, and the section holding both."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import current_app
from markupsafe import Markup, escape

from ..i18n import _, current_locale, pgettext


def decided_label() -> str:
    """"Decided": how many candidates decided (as a column or a legend; elsewhere "Decided" heads a date)."""
    return pgettext("analytics: how many decided", "Decided")


def integer(n: int) -> str:
    """``1,234`` (``1.234`` in German): a count in the reader's language."""
    return _integer(int(n), str(current_locale()))


def decimal(value: float, digits: int = 1) -> str:
    """``1,234.5``: a number with ``digits`` decimals in the reader's language."""
    return _decimal(value, digits, str(current_locale()))


def percent(value: float, digits: int = 1) -> str:
    """``45.0%`` (of 45.0): a percentage the language's way (``45,0 %`` in German, ``45.0%`` in Japanese),
    with ``digits`` decimals."""
    return _percent(value, digits, str(current_locale()))


# Babel takes ~50 µs a number and the page shows a few hundred, mostly the same from one view to the
# next. Each is a pure function of its arguments (the locale's name included), so a bounded memo can
# only ever return what Babel itself would.
@lru_cache(maxsize=4096, typed=True)
def _integer(n: int, locale: str) -> str:
    return format_decimal(n, locale=locale)


@lru_cache(maxsize=4096, typed=True)
def _decimal(value: float, digits: int, locale: str) -> str:
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)


@lru_cache(maxsize=4096, typed=True)
def _percent(value: float, digits: int, locale_name: str) -> str:
    locale = Locale.parse(locale_name)
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    if digits:
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    return format_percent(Decimal(str(value)) / 100, format=pattern, locale=locale, decimal_quantization=True)


@dataclass(frozen=True)
class Cell:
    value: object  # what the CSV gets: an int, a float, a string, or "" for "not shown"
    text: str  # what the page shows

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int | float)


def text(value) -> Cell:
    """A text cell; a label given lazily is made text now, in the reader's language."""
    value = str(value)
    return Cell(value, value)


class Numbers:
    """Numbers in one language, looked up once per report: the report formats a few hundred, and asking
    Flask-Babel for the locale and writing out its name on each (three context lookups) cost more than
    the memoised formatting itself. ``Numbers.here()``: the reader's, for the request being answered."""

    def __init__(self, locale: str, rate_min: int):
        self.locale = locale  # Babel's name for it, "de"
        self.rate_min = rate_min  # the fewest counted that get a percentage (ANALYTICS_MIN_FOR_RATE)

    @classmethod
    def here(cls) -> Numbers:
        return cls(str(current_locale()), current_app.config["ANALYTICS_MIN_FOR_RATE"])

    def integer(self, n: int) -> str:
        return _integer(int(n), self.locale)

    def decimal(self, value: float, digits: int = 1) -> str:
        return _decimal(value, digits, self.locale)

    def percent(self, value: float, digits: int = 1) -> str:
        return _percent(value, digits, self.locale)

    def count(self, n: int) -> Cell:
        return Cell(int(n), _integer(int(n), self.locale))

    def number(self, value: float | None, digits: int = 1) -> Cell:
        if value is None:
            return Cell("", "—")
        value = round(float(value), digits)
        return Cell(value, _decimal(value, digits, self.locale))

    def rate(self, part: int, whole: int) -> Cell:
        """A percentage, unless the count behind it is too small to mean one: then "3 of 5"."""
        if whole == 0:
            return Cell("", "—")
        if whole < self.rate_min:
            return Cell("", _("%(part)d of %(whole)d", part=part, whole=whole))
        value = round(100 * part / whole, 1)
        return Cell(value, _percent(value, 1, self.locale))

    def rate_value(self, part: int, whole: int) -> float | None:
        """The chart's bar: missing when the table shows counts instead of a percentage (as ``rate``,
        without formatting the text)."""
        if whole == 0 or whole < self.rate_min:
            return None
        return round(100 * part / whole, 1)


@dataclass
class Chart:
    kind: str  # "bar" (rates, 0–100), "hbar_rate" (rates with long labels), "hbar" (counts),
    #            "months" (decided and accepted bars by "YYYY-MM" month, the rate as a marker)
    x_title: str
    y_title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    rate_min: int = 0  # "months": the fewest decided that get a rate

    def __post_init__(self) -> None:  # labels given lazily become text in the reader's language now
        self.x_title, self.y_title = str(self.x_title), str(self.y_title)
        self.labels = [str(label) for label in self.labels]
        self.series = [(str(name), values) for name, values in self.series]

    @property
    def has_narrow(self) -> bool:
        """A phone-sized drawing of its own (readable labels at 375 px, not the wide one shrunk)."""
        return self.kind == "months"


@dataclass
class Section:
    slug: str
    title: str
    intro: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: Chart | None = None
    alt: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:  # as Chart: text now, in the reader's language (the CSV's headers too)
        self.title, self.intro, self.alt = str(self.title), str(self.intro), str(self.alt)
        self.headers = [str(header) for header in self.headers]

    def html_rows(self) -> list[Markup]:
        """Each row as the page's ``<tr>``: the first cell heads the row, numbers (and the dash or the
        counts shown instead of a number) get ``class="num"``. Written here rather than cell by cell in
        the template (a few hundred cells a page), each text escaped as the template would."""
        out = []
        for first, *cells in self.rows:
            parts = ['<tr><th scope="row">', escape(first.text), "</th>"]
            for cell in cells:
                shown = cell.text
                parts += ('<td class="num">' if cell.numeric or shown == "—" or (cell.value == "" and shown)
                          else "<td>", escape(shown), "</td>")
            parts.append("</tr>")
            out.append(Markup("".join(parts)))
        return out
