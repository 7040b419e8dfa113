"""The few SQL expressions the analytics need that SQLite and PostgreSQL spell differently, and month keys."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement):
    """'YYYY-MM' of a UTC timestamp."""

    type = sa.String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return "strftime('%Y-%m', " + compiler.process(element.clauses, **kw) + ")"


@compiles(month_of, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


class hours_between(FunctionElement):
    """Whole hours from the first timestamp to the second (floored)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    end_sql, start_sql = compiler.process(end, **kw), compiler.process(start, **kw)
    return (f"((CAST(strftime('%s', {end_sql}) AS INTEGER) - CAST(strftime('%s', {start_sql}) AS INTEGER))"
            " / 3600)")


@compiles(hours_between, "postgresql")
def _hours_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    later, earlier = compiler.process(end, **kw), compiler.process(start, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600) AS INTEGER)"


class minutes_between(FunctionElement):
    """Whole minutes from the first timestamp to the second (floored)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    end_sql, start_sql = compiler.process(end, **kw), compiler.process(start, **kw)
    return (f"((CAST(strftime('%s', {end_sql}) AS INTEGER) - CAST(strftime('%s', {start_sql}) AS INTEGER))"
            " / 60)")


@compiles(minutes_between, "postgresql")
def _minutes_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    later, earlier = compiler.process(end, **kw), compiler.process(start, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 60) AS INTEGER)"


class week_start(FunctionElement):
    """The Monday (UTC) of a timestamp's week, as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_pg(element, compiler, **kw):
    return f"to_char(date_trunc('week', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD')"


def month_key(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    year, mon = (int(part) for part in month.split("-"))
    return datetime(year, mon, 1, tzinfo=UTC)


def next_month(month: str) -> str:
    year, mon = (int(part) for part in month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
