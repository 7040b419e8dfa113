"""The pieces every analytics section is made of: a table cell (the number a spreadsheet gets and the
text the page shows), a chart of the same numbers, and the section holding both."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class Cell:
    value: object  # what the CSV gets: an int, a float, a string, or "" for "not shown"
    text: str  # what the page shows

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int | float)


def count(n: int) -> Cell:
    return Cell(int(n), f"{int(n):,}")


def text(value: str) -> Cell:
    return Cell(value, value)


def number(value: float | None, digits: int = 1) -> Cell:
    if value is None:
        return Cell("", "—")
    value = round(float(value), digits)
    return Cell(value, f"{value:,.{digits}f}")


def rate(part: int, whole: int) -> Cell:
    """A percentage, unless the count behind it is too small to mean one: then "3 of 5"."""
    minimum = current_app.config["ANALYTICS_MIN_FOR_RATE"]
    if whole == 0:
        return Cell("", "—")
    if whole < minimum:
        return Cell("", f"{part} of {whole}")
    value = round(100 * part / whole, 1)
    return Cell(value, f"{value:.1f}%")


def rate_value(part: int, whole: int) -> float | None:
    """The chart's bar: missing when the table shows counts instead of a percentage."""
    cell = rate(part, whole)
    return cell.value if cell.numeric else None


@dataclass
class Chart:
    kind: str  # "bar" (rates, 0–100), "hbar_rate" (rates with long labels), "hbar" (counts),
    #            "months" (decided and accepted bars by "YYYY-MM" month, the rate as a marker)
    x_title: str
    y_title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    rate_min: int = 0  # "months": the fewest decided that get a rate

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
