"""The analytics rollup: counts per (month of the offer, position), kept fresh cell by cell.

Every figure on the analytics page is a sum of counts, so it can be read from small pre-counted
cells instead of scanning every candidate, conversation and question on each page view.
``position_id = 0`` holds the all-positions total of a month (the unfiltered page reads 36 rows
per metric for three years). A cell is recomputed from the real tables when something in it
changes (``AnalyticsRefresh`` marks it due) or when a confirmed conversation in it ends.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime

ALL_POSITIONS = 0


class AnalyticsCell(db.Model):
    __tablename__ = "analytics_cell"

    # Primary key order = how the page reads: one position (or 0 = all), one metric, a range of
    # months. On SQLite the table *is* that key (WITHOUT ROWID), so a read never leaves it.
    position_id: Mapped[int] = mapped_column(primary_key=True)  # 0 = every position
    metric: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # "2026-11": month of the offer (UTC)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True, default="")
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        # PostgreSQL keeps rows apart from the key: the same key with ``n`` in it lets a read stay in
        # the index (an index-only scan) instead of visiting thousands of scattered table pages.
        sa.Index("ix_analytics_cell_read", "position_id", "metric", "month", "key",
                 postgresql_include=["n"]).ddl_if(dialect="postgresql"),
        {"sqlite_with_rowid": False},
    )


class AnalyticsRefresh(db.Model):
    """A cell to recompute once ``due_at`` has passed (now for a change; later for a conversation's end)."""

    __tablename__ = "analytics_refresh"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    position_id: Mapped[int] = mapped_column(primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
