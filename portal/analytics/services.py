"""What the analytics page asks for: a rollup brought up to date, and the report for the filters."""

from __future__ import annotations

from ..database import write_transaction
from ..generations import cached
from ..i18n import current_locale
from ..timeutil import utcnow
from .figures import KEPT_UNTIL, Filters, positions_in
from .hours import window_totals
from .report import Report, build_report
from .rollup import due_cells, refresh_due


def refresh_rollup() -> None:
    """Recount any cell that changed since it was counted (usually none: the worker does it too), in a
    short write transaction of its own that this commits (the page itself is a GET)."""
    now = utcnow()
    if due_cells(now):
        with write_transaction():
            refresh_due(now)


def analytics_report(start: str, end: str, team: str = "", position_id: int | None = None) -> Report:
    """The figures for offers made from ``start`` to ``end`` ("YYYY-MM", both included), for one team
    and/or one position (neither: every position)."""
    filters = Filters(start, end, positions_in(team, position_id))
    # Windows are read from the office hours themselves each time (one small query): their counts are
    # part of the key. Worded in the reader's language: kept per language, as long as the figures are.
    windows = window_totals(filters.starts_at, filters.ends_at, filters.position_ids)
    return cached("analytics-report", (filters.key, str(current_locale()), windows),
                  lambda: build_report(filters, windows), depends=KEPT_UNTIL)
