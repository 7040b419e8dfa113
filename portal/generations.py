"""Figures many requests share, kept in the process until the data under them changes.

Some pages read the same shared data on every request although it changes a few times a day: the
directory's texts that suggest people for a candidate's questions, the analytics figures of a period.
Each such kind of data has a **generation**, a counter in ``cache_generation`` that every change
moves on in the same transaction as the change:

* ORM writes are watched (``watch``): after a flush that added, removed or changed a watched class
  (only the named attributes, when named), the generation moves on;
* writers that go round the ORM (the analytics rollup's Core statements) call ``bump`` themselves.

``cached(kind, key, build, depends=…)`` reads the generations it depends on (one indexed query) and
returns what ``build()`` made for the same key at the same generations, in this process, or builds it.
What is kept is never someone's own data, only figures everyone with access to the page sees alike;
it is kept per app (tests make many apps, each with its own database). A value is made from data read
after the generations were: it can only be newer than its key, never older, so no request sees
figures older than the change it could see. A transaction that moved a generation itself (not yet
committed) keeps nothing and is served nothing kept: what it reads may still be rolled back.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from threading import Lock
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

T = TypeVar("T")
_MISSING = object()
_MOVED = "generations_moved"  # session.info: this transaction moved a generation on (not yet committed)
KEPT = 64  # values per kind and app (each a few hundred KB at most): the least recently used goes first


class CacheGeneration(db.Model):
    __tablename__ = "cache_generation"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@dataclass(frozen=True)
class _Watch:
    kind: str
    cls: type
    attributes: tuple[str, ...] | None  # None: any change
    ignore: Callable[[object], bool] | None  # e.g. a candidate's own account for the people generation


_WATCHES: list[_Watch] = []


def watch(kind: str, cls: type, attributes: Iterable[str] | None = None,
          ignore: Callable[[object], bool] | None = None) -> None:
    """Move ``kind`` on whenever a flush adds, deletes or changes a ``cls`` (one of ``attributes``)
    for which ``ignore`` (given the object) is not true."""
    entry = _Watch(kind, cls, tuple(attributes) if attributes is not None else None, ignore)
    if entry not in _WATCHES:
        _WATCHES.append(entry)
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)
        sa.event.listen(Session, "after_transaction_end", _transaction_ended)


def _changed(obj, entry: _Watch, session: Session) -> bool:
    if entry.attributes is None:
        return session.is_modified(obj, include_collections=False)
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in entry.attributes)


def _after_flush(session: Session, _context) -> None:
    kinds: set[str] = set()
    for entry in _WATCHES:
        if entry.kind in kinds:
            continue
        for bucket, dirty in ((session.new, False), (session.deleted, False), (session.dirty, True)):
            if any(isinstance(obj, entry.cls) and (entry.ignore is None or not entry.ignore(obj))
                   and (not dirty or _changed(obj, entry, session)) for obj in bucket):
                kinds.add(entry.kind)
                break
    if kinds:
        bump(session.connection(), *sorted(kinds))


def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_MOVED, None)


def bump(connection: sa.Connection, *kinds: str) -> None:
    """Move each of ``kinds`` on, in ``connection``'s transaction (its row is made the first time).
    Until that transaction ends, ``cached`` neither keeps nor serves anything for the request: what it
    would read includes changes that may still be rolled back."""
    if has_app_context():
        db.session().info[_MOVED] = True
    table = CacheGeneration.__table__
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    connection.execute(insert.values([{"name": kind, "n": 1} for kind in kinds])
                       .on_conflict_do_update(index_elements=["name"], set_={"n": table.c.n + 1}))


def current(*kinds: str) -> tuple[int, ...]:
    """The generations of ``kinds`` as this request's transaction sees them (0: never moved)."""
    found = dict(db.session.execute(_current_statement(kinds)).all())
    return tuple(found.get(kind, 0) for kind in kinds)


@functools.cache
def _current_statement(kinds: tuple[str, ...]) -> sa.Select:
    """Built once for each set of kinds (every view of a kept page reads them)."""
    return sa.select(CacheGeneration.name, CacheGeneration.n).where(CacheGeneration.name.in_(kinds))


class _Store:
    def __init__(self):
        self.values: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key, default):
        with self.lock:
            value = self.values.get(key, default)
            if value is not default:
                self.values.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.values[key] = value
            while len(self.values) > KEPT:
                self.values.popitem(last=False)


def _store(kind: str) -> _Store:
    """The kind's own store (searches typed into the directory never push out the analytics figures)."""
    stores = current_app.extensions.setdefault("portal.generations", {})
    store = stores.get(kind)
    if store is None:
        store = stores.setdefault(kind, _Store())
    return store


def cached(kind: str, key, build: Callable[[], T], *, depends: tuple[str, ...]) -> T:
    """What ``build()`` returns for (``kind``, ``key``) at the current generations of ``depends``,
    made once per process and app until one of them moves on. Callers must not change it."""
    if db.session().info.get(_MOVED):  # this transaction changed what is kept: build from it, keep nothing
        return build()
    full = (key, current(*depends))
    store = _store(kind)
    value = store.get(full, _MISSING)
    if value is _MISSING:
        value = build()
        store.put(full, value)
    return value
