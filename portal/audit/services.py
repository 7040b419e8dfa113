"""Write audit events (flush only; they commit with the change they describe)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..database import write_transaction
from ..extensions import db
from ..timeutil import utcnow
from .models import AuditEvent


def record(action: str, summary: str, *, actor=None, candidate=None, subject=None, **details) -> AuditEvent:
    """Append one event. ``summary`` is what a timeline shows, e.g. "Riley asked Tom for feedback"."""
    event = AuditEvent(
        action=action,
        summary=summary[:300],
        actor_id=getattr(actor, "id", None),
        candidate_id=getattr(candidate, "id", None),
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event


VIEW_EVENT_EVERY = timedelta(minutes=30)


def record_view(candidate, viewer) -> bool:
    """A recruiter opened the candidate's page: one event per viewer and candidate per half hour.

    Runs in its own short write transaction (the page itself is a GET) and commits it.
    """
    since = utcnow() - VIEW_EVENT_EVERY
    recent = db.session.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.action == "candidate.viewed", AuditEvent.candidate_id == candidate.id,
        AuditEvent.actor_id == viewer.id, AuditEvent.at >= since).limit(1))
    if recent is not None:
        return False
    candidate_id, viewer_id, name = candidate.id, viewer.id, viewer.name
    with write_transaction():
        db.session.add(AuditEvent(action="candidate.viewed", summary=f"{name} opened the candidate's page",
                                  actor_id=viewer_id, candidate_id=candidate_id, subject_type="Candidate",
                                  subject_id=candidate_id, details={}))
    return True


# Who opened a candidate's page is for the audit trail (/recruiter/audit), not the candidate's story.
NOT_IN_THE_STORY = ("candidate.viewed",)


def timeline(candidate_id: int, limit: int = 200) -> list[AuditEvent]:
    """What happened to a candidate, newest first (``NOT_IN_THE_STORY`` stays in the audit trail)."""
    return list(db.session.scalars(_timeline_statement(), {"candidate_id": candidate_id, "limit": limit}))


@cache
def _timeline_statement() -> sa.Select:
    """``timeline``'s statement, built once (with its cache key): every candidate's page reads it."""
    return (sa.select(AuditEvent).where(AuditEvent.candidate_id == sa.bindparam("candidate_id"),
                                        AuditEvent.action.not_in(NOT_IN_THE_STORY))
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(sa.bindparam("limit")))


# --- the audit trail (/recruiter/audit) -----------------------------------------------------------

PAGE = 50
SORTS = ("newest", "oldest")
MAX_WORDS = 8


@dataclass(frozen=True)
class EventFilter:
    """Which events the audit trail shows (every one by default), in which order, from where."""

    action: str = ""  # the start of the action, e.g. "meeting." or "meeting.requested"
    who: str = ""  # part of the actor's name or e-mail address, any case
    q: str = ""  # words that must each appear in the summary or the actor's name, any case
    candidate_id: int | None = None
    start: date | None = None  # the first day, in the viewer's zone
    end: date | None = None  # the last day, in the viewer's zone
    sort: str = "newest"  # or "oldest"
    before: int | None = None  # only events older than this one (a page further back)
    after: int | None = None  # only events newer than this one (a page forward in time)


@dataclass(frozen=True)
class EventPage:
    """One page of the trail in the order asked for, and the events to page on from, if any may match
    beyond it (keyset paging: no count, so a page costs the same a million events in)."""

    events: list[AuditEvent]
    older: int | None = None  # the id for ``before=``: older events (may) match
    newer: int | None = None  # the id for ``after=``: newer events (may) match
    searched_to: datetime | None = None  # a search that stopped at its reach: the last time it read
    cursor_gone: bool = False  # the event the link paged from is no longer in the trail


# A search for words, a person or an action reads at most this many events a page (no index finds a
# word inside a text): past them the page ends, says how far it looked, and links on from there.
SEARCH_REACH = 10_000


def _action_clause(action: str):
    """``meeting.`` (a group: a range on the action, which an index on it can serve) or one action."""
    if action.endswith("."):
        return sa.and_(AuditEvent.action >= action, AuditEvent.action < action[:-1] + "/")  # "/" follows "."
    return AuditEvent.action == action


def _matching(filters: EventFilter, zone: ZoneInfo) -> tuple[list, list]:
    """The WHERE clauses of ``filters`` (without the page's position): those an index serves (the
    candidate, the days) and those read event by event (words, who, what)."""
    indexed, read = [], []
    if filters.action:
        read.append(_action_clause(filters.action))
    if filters.who:
        who = filters.who.lower()
        actors = sa.select(User.id).where(sa.or_(sa.func.lower(User.name).contains(who, autoescape=True),
                                                 sa.func.lower(User.email).contains(who, autoescape=True)))
        read.append(AuditEvent.actor_id.in_(actors))
    for word in filters.q.lower().split()[:MAX_WORDS]:
        named = sa.select(User.id).where(sa.func.lower(User.name).contains(word, autoescape=True))
        read.append(sa.or_(sa.func.lower(AuditEvent.summary).contains(word, autoescape=True),
                           AuditEvent.actor_id.in_(named)))
    if filters.candidate_id is not None:
        indexed.append(AuditEvent.candidate_id == filters.candidate_id)
    if filters.start:
        indexed.append(AuditEvent.at >= datetime.combine(filters.start, time(0), tzinfo=zone))
    if filters.end:
        day_after = filters.end + timedelta(days=1)
        indexed.append(AuditEvent.at < datetime.combine(day_after, time(0), tzinfo=zone))
    return indexed, read


def _beyond(at: datetime, event_id: int, older: bool, inclusive: bool = False):
    """Events past (at, id) in time order, towards older ones or newer ones: the keyset (at, id),
    which the index on ``at`` serves (SQLite's index rows end with the id)."""
    last = (AuditEvent.id <= event_id if older else AuditEvent.id >= event_id) if inclusive else \
        (AuditEvent.id < event_id if older else AuditEvent.id > event_id)
    # The plain bound on ``at`` first: what lets either database read the index from the cursor on.
    if older:
        return sa.and_(AuditEvent.at <= at, sa.or_(AuditEvent.at < at, sa.and_(AuditEvent.at == at, last)))
    return sa.and_(AuditEvent.at >= at, sa.or_(AuditEvent.at > at, sa.and_(AuditEvent.at == at, last)))


def _in_time_order(older: bool):
    return (AuditEvent.at.desc(), AuditEvent.id.desc()) if older else (AuditEvent.at.asc(), AuditEvent.id.asc())


def find_events(filters: EventFilter, zone: ZoneInfo, limit: int = PAGE, reach: int = SEARCH_REACH) -> EventPage:
    """Up to ``limit`` events that match, in the order of ``filters.sort``, from the start of that
    order or from ``before``/``after``; and where to page on. At most four small queries, each reading
    from an index end or a cursor: a search reads no more than ``reach`` events."""
    indexed, read = _matching(filters, zone)
    newest_first = filters.sort != "oldest"
    cursor_id = filters.before if filters.before is not None else filters.after
    cursor = None
    if cursor_id is not None:
        cursor = db.session.execute(sa.select(AuditEvent.at, AuditEvent.id).where(AuditEvent.id == cursor_id)).first()
        if cursor is None:  # erased with its candidate: start again from the top
            fresh = find_events(replace(filters, before=None, after=None), zone, limit, reach)
            return replace(fresh, cursor_gone=True)
    # Which way to read: towards older events (newest first, or paging back), or towards newer ones.
    going_older = filters.before is not None if cursor is not None else newest_first
    position = [_beyond(cursor.at, cursor.id, going_older)] if cursor is not None else []
    edge = None  # a search reads as far as the event ``reach`` along, and no further this page
    if read:
        edge = db.session.execute(sa.select(AuditEvent.at, AuditEvent.id).where(*indexed, *position)
                                  .order_by(*_in_time_order(going_older)).offset(reach - 1).limit(1)).first()
        if edge is not None:
            position.append(_beyond(edge.at, edge.id, not going_older, inclusive=True))
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor)).where(*indexed, *read, *position)
    rows = list(db.session.scalars(query.order_by(*_in_time_order(going_older)).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    on_from = rows[-1].id if more else (edge.id if edge is not None else None)  # where the next page starts
    # Back towards the list's start: nothing when reading from it; after a search, perhaps (asking
    # could read the whole trail); else ask (one event will do).
    back = None
    if cursor is not None and rows and (read or db.session.scalar(sa.select(AuditEvent.id).where(
            *indexed, _beyond(rows[0].at, rows[0].id, not going_older)).limit(1)) is not None):
        back = rows[0].id
    oldest_first = rows[::-1] if going_older else rows
    older, newer = (on_from, back) if going_older else (back, on_from)
    return EventPage(events=oldest_first[::-1] if newest_first else oldest_first, older=older, newer=newer,
                     searched_to=edge.at if edge is not None and not more else None)


def event_actions() -> list[str]:
    """Every action the trail holds, in order (the filter's choices), always current. Read by
    skipping through ``ix_audit_event_action_at`` from one action to the next (a recursive query:
    one index seek per action), not by reading the whole trail, which ``DISTINCT`` would."""
    return list(db.session.scalars(_actions_statement()))


@cache
def _actions_statement() -> sa.Select:
    """``event_actions``' statement, built once (with its cache key): every view of the trail reads it."""
    first = sa.select(sa.func.min(AuditEvent.action).label("action")).cte("actions", recursive=True)
    following = sa.select(sa.select(sa.func.min(AuditEvent.action)).where(AuditEvent.action > first.c.action)
                          .scalar_subquery()).where(first.c.action.is_not(None))
    actions = first.union_all(following)
    return sa.select(actions.c.action).where(actions.c.action.is_not(None)).order_by(actions.c.action)
