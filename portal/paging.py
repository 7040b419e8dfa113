"""Pages of a long list: the one way recruiter lists (candidates, people, …) are split into pages.

A list's view builds two statements from the same filters: the rows (ordered, with whatever they
load) and a lean count (``SELECT count(*) … WHERE <the same filters>``, no joins it doesn't need, no
per-row subqueries). :func:`paginate` runs the count, keeps the page number inside the pages there
are (a bookmarked ``?page=40`` of a list that has shrunk shows its last page, not an empty one) and
fetches that page's rows. The page number comes from the URL (``?page=N``), so every page is a link
that works without JavaScript; ``templates/_macros/paging.html`` draws the links.

Offsets, not keysets: a recruiter jumps to a page by number and sorts by any column, and counting a
filtered list of 100,000 rows on an index is cheap. A list read by scrolling only (the audit trail,
newest first) can page by key instead and needs no count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

import sqlalchemy as sa

from .extensions import db

PAGE_SIZE = 50
MAX_PAGE = 100_000  # a page number beyond any list: read as the last page


def page_number(raw: str | None) -> int:
    """``?page=`` as a page number from 1; anything else (missing, "abc", "-3", "1e9") is page 1, or
    the last possible page when it is a number too large to mean anything."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 9:
        return MAX_PAGE if text.isdigit() else 1
    return min(max(int(text), 1), MAX_PAGE)


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    number: int  # from 1
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list (from 1; 0 when it is empty)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.items)

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers to offer: the first, the last and ``around`` either side of this one;
        None where numbers are left out (drawn as "…")."""
        wanted = sorted({1, self.pages, *range(max(1, self.number - around), min(self.pages, self.number + around) + 1)})
        shown: list[int | None] = []
        for n in wanted:
            if shown and n - shown[-1] > 1:  # type: ignore[operator]
                shown.append(None if n - shown[-1] > 2 else n - 1)  # type: ignore[operator]
            shown.append(n)
        return shown


def within(number: int, total: int, size: int = PAGE_SIZE) -> int:
    """``number`` kept inside the pages ``total`` rows make (a page past the end is the last one)."""
    return min(number, max(1, ceil(total / size)))


def paginate(rows: sa.Select, count: sa.Select | Callable[[], int], number: int, size: int = PAGE_SIZE,
             scalars: bool = False, unique: bool = False) -> Page:
    """Page ``number`` of ``rows`` (``size`` a page); ``count`` is ``SELECT count(*)`` over the same
    filters (or what gives that number: a count kept until the list changes). ``scalars``: the items
    are the rows' first column (``select(Model)``); ``unique``: rows that joined-eager-load
    collections (de-duplicated by identity)."""
    total = (count() if callable(count) else db.session.scalar(count)) or 0
    number = within(number, total, size)
    result = db.session.execute(rows.limit(size).offset((number - 1) * size))
    if unique:
        result = result.unique()
    if scalars:
        result = result.scalars()
    return Page(items=result.all(), number=number, size=size, total=total)
