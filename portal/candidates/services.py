"""Candidates for recruiters: the list with its counts, creating a candidate, their page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, partial
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, load_only

from ..audit.services import record
from ..auth.models import User
from ..auth.services import AccountError, create_user
from ..auth.search import users_matching
from ..database import contains_text
from ..extensions import db
from ..forms import FieldError
from ..generations import cached
from ..i18n import _
from ..paging import PAGE_SIZE, Page, paginate, within
from ..security import RECRUITER_ROLES
from ..timeutil import utcnow
from .hooks import gather, list_counts
from .models import LIST_GENERATION, OUTCOMES, STAGES, Candidate, Position, Stage


class CandidateError(FieldError):
    """A candidate that cannot be created or changed as asked; ``field`` names the form field."""


@dataclass
class CandidateRow:
    """One line of the recruiter's list: the candidate and the counts other features add
    (``hooks.list_counts``: feedback given of asked, the message's state, questions answered)."""

    candidate: Candidate
    feedback_submitted: int = 0
    feedback_requested: int = 0
    questions_answered: int = 0
    questions_total: int = 0
    message_status: str | None = None


def count_for_candidate(model, *where):
    """``SELECT count(*) FROM model WHERE …`` for one row of the candidate list (correlated)."""
    return sa.select(sa.func.count()).select_from(model).where(*where).correlate(Candidate).scalar_subquery()


# The list's "Show" choices and sort orders (the URL's ``?show=`` and ``?sort=``; anything else is the default).
SOON = timedelta(days=7)
SHOWS = ("deadline_soon", "overdue", "undecided", "decided")
TIMED = ("deadline_soon", "overdue")  # shows whose candidates change with the clock
SORTS = ("deadline", "name", "newest")
DEFAULT_SORT = "deadline"
MAX_QUERY = 100  # characters of ``?q=`` read (the rest is ignored)
MAX_WORDS = 5


@dataclass(frozen=True)
class CandidateFilters:
    """What the recruiter asked the list for (from the URL, already made sense of: unknown values are
    empty, so they filter nothing and sort the default way)."""

    q: str = ""
    stage: str = ""
    position_id: int | None = None
    show: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def read(cls, q: str | None = "", stage: str | None = "", position_id: int | None = None,
             show: str | None = "", sort: str | None = "") -> CandidateFilters:
        return cls(q=" ".join((q or "")[:MAX_QUERY].split()), stage=stage if stage in STAGES else "",
                   position_id=position_id, show=show if show in SHOWS else "",
                   sort=sort if sort in SORTS else DEFAULT_SORT)

    @property
    def filtered(self) -> bool:
        """Some candidates may be left out (the sort order leaves nobody out)."""
        return bool(self.q or self.stage or self.position_id or self.show)

    def args(self) -> dict:
        """The URL's query for this list (page links, "Show everyone"): only what differs from the default."""
        args = {"q": self.q, "stage": self.stage, "position": self.position_id, "show": self.show,
                "sort": self.sort if self.sort != DEFAULT_SORT else None}
        return {key: value for key, value in args.items() if value}


def _where(filters: CandidateFilters, now: datetime, counting: bool = False) -> list:
    """The list's filters; ``counting``: for reading every match (its ``count(*)``, and on PostgreSQL a
    search's numbered matches: ``_among``), not the page's first ones in the list's order."""
    where = []
    if filters.stage:
        where.append(Candidate.stage == filters.stage)
    if filters.position_id:
        where.append(Candidate.position_id == filters.position_id)
    if filters.show == "deadline_soon":
        where += [Candidate.stage == Stage.OFFER, Candidate.decision_deadline >= now,
                  Candidate.decision_deadline < now + SOON]
    elif filters.show == "overdue":
        where += [Candidate.stage == Stage.OFFER, Candidate.decision_deadline < now]
    elif filters.show == "undecided":
        where.append(Candidate.stage == Stage.OFFER)
    elif filters.show == "decided":
        where.append(Candidate.stage.in_(OUTCOMES))
    for word in filters.q.split()[:MAX_WORDS]:
        # Subqueries rather than joins: the user table is read once a word, not once a candidate.
        where.append(sa.or_(
            _among(Candidate.user_id, users_matching(word), counting),
            _among(Candidate.position_id, sa.select(Position.id).where(contains_text(Position.title, word)), counting)))
    return where


def _among(column, ids: sa.Select, counting: bool):
    """``column IN (ids)``; to count on PostgreSQL, ``column = ANY(ARRAY(ids))``, the same test, which the
    planner answers from the candidates' indexes even in an OR (a bitmap OR of both): with IN the count
    read all 100,000 candidates ("silva": 19 → 11 ms). Not for the page's ids read in the list's order
    from its index until the page is full (``paginate``): there IN looks each one up in a hash, ANY scans
    the array. (A search numbering every match, ``_searched_page``, reads every match: ANY.)"""
    if counting and db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.func.array(ids.scalar_subquery()))
    return column.in_(ids)


# Still deciding first, soonest deadline first; then everyone who decided, by their deadline. The
# stage is written into the statement (not a parameter) so that an index on these same expressions
# can hand the rows over in this order, as it must at 100,000 candidates.
OFFER_FIRST = Candidate.stage != sa.literal_column("'offer'")


def _order(sort: str) -> list:
    """Each order ends with an id, so a row stays on its page however many share its name or deadline."""
    if sort == "name":
        return [User.name, User.id]  # one user a candidate: the user's id breaks ties as well
    if sort == "newest":
        return [Candidate.created_at.desc(), Candidate.id.desc()]
    return [OFFER_FIRST, Candidate.decision_deadline.is_(None), Candidate.decision_deadline, Candidate.id]


def list_candidates(filters: CandidateFilters, number: int = 1, now: datetime | None = None,
                    size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of the candidates ``filters`` asks for, as :class:`CandidateRow` items.

    A fixed number of statements whatever the list's length: a lean ``count(*)`` over the filters, the
    page's ids (the filters and the order, joining only the tables they name), and those rows with their
    progress counts (``hooks.list_counts``: correlated subqueries, computed for the page's rows only). The
    count is kept (``generations.py``) until what it reads changes: for the whole list until a candidate
    comes or goes; searched or filtered until a candidate comes, goes or changes stage or position, or
    a name, an address or a position's title changes (a recruiter paging through a search counts it
    once). Filters that depend on the moment (deadlines soon or passed) are counted every time. A
    search on PostgreSQL not yet counted counts and reads the page's ids in one statement
    (``_searched_page``)."""
    now = now or utcnow()
    where = _where(filters, now)
    ids = sa.select(Candidate.id).where(*where).order_by(*_order(filters.sort))
    if filters.sort == "name":
        ids = ids.join(Candidate.user)
    counting = _where(filters, now, counting=True)
    count = partial(db.session.scalar, sa.select(sa.func.count()).select_from(Candidate).where(*counting))
    searched: dict[str, Page] = {}  # a PostgreSQL search counted now: its page came with the count
    if filters.q and db.session.get_bind().dialect.name == "postgresql":
        def count_and_read() -> int:
            # What ``cached`` keeps is the count; the page read with it is this request's alone, and
            # ``cached`` calls this at most once, now, or not at all (the count was kept: paginate).
            searched["page"] = _searched_page(counting, filters.sort, number, size)
            return searched["page"].total
        count = count_and_read
    if not where:  # everyone: counting 100,000 rows is a scan on PostgreSQL
        count = partial(cached, "candidates-total", None, count, depends=("candidates",))
    elif filters.show not in TIMED:
        key = (filters.q, filters.stage, filters.position_id, filters.show)
        count = partial(cached, "candidates-counted", key, count, depends=(LIST_GENERATION,))
    total = count()
    page = searched.get("page") or paginate(ids, lambda: total, number, size, scalars=True)
    if not page.items:
        return page
    query, names = _rows_statement()
    loaded = {row[0].id: CandidateRow(row[0], **{name: row._mapping[name] for name in names})
              for row in db.session.execute(query, {"ids": page.items}).unique().all()}
    return replace(page, items=[loaded[candidate_id] for candidate_id in page.items if candidate_id in loaded])


def _searched_page(where: list, sort: str, number: int, size: int) -> Page:
    """PostgreSQL, a search: the page's ids and how many match, in one statement that finds the matches
    once (a trigram search: counting them and then reading the page's ids each searched the names
    again; "silva" at 100,000 candidates: 9 → 6 ms). The matches are numbered in the list's order; a
    page past the end is read again as the last page. (SQLite reads the page's ids from the order's
    index until the page is full, faster than numbering every match: ``paginate``.)"""
    numbered = sa.select(Candidate.id, sa.func.row_number().over(order_by=_order(sort)).label("place")).where(*where)
    if sort == "name":
        numbered = numbered.join(Candidate.user)
    matched = numbered.cte("matched").prefix_with("MATERIALIZED")  # read once, used twice
    total = sa.select(sa.func.count().label("total")).select_from(matched).subquery()

    def read(number: int) -> tuple[int, list[int]]:
        first = (number - 1) * size
        on_page = sa.and_(matched.c.place > first, matched.c.place <= first + size)
        rows = db.session.execute(sa.select(total.c.total, matched.c.id)
                                  .select_from(total.outerjoin(matched, on_page)).order_by(matched.c.place)).all()
        return rows[0].total, [row.id for row in rows if row.id is not None]

    found, ids = read(number)
    if not ids:
        number = within(number, found, size)  # page 1 when nothing matches, as ``paginate`` says
        if found:
            found, ids = read(number)
    return Page(items=ids, number=number, size=size, total=found)


@cache
def _rows_statement() -> tuple[sa.Select, tuple[str, ...]]:
    """The page's rows by id (``ids``) with the counts other features add, and those counts' names: built
    once (with its cache key), at the first list, when every feature has connected its counts. Only
    the columns the list shows are read (a row's other dates are not parsed for nothing); the page
    touches no other, so nothing is read later one row at a time (tests/test_page_query_counts.py)."""
    counts = gather(list_counts, None)
    query = (sa.select(Candidate, *(column.label(name) for name, column in counts.items()))
             .where(Candidate.id.in_(sa.bindparam("ids", expanding=True)))
             .options(load_only(Candidate.stage, Candidate.decision_deadline, Candidate.invited_at,
                                Candidate.first_signed_in_at),
                      joinedload(Candidate.user).load_only(User.name, User.email),
                      joinedload(Candidate.position).load_only(Position.title, Position.team)))
    return query, tuple(counts)


def positions() -> list[Position]:
    return list(db.session.scalars(_positions_statement()))


@cache
def _positions_statement() -> sa.Select:
    """Every position by title: built once (with its cache key); the candidate list and analytics read it."""
    return sa.select(Position).order_by(Position.title, Position.team)


def recruiters() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_(RECRUITER_ROLES), User.active.is_(True)).order_by(User.name)
    ))


def create_candidate(data: dict, by: User) -> Candidate:
    """A candidate at the offer stage: their account, their position, their recruiter."""
    if data["position_id"] == "new":
        title = (data.get("new_position_title") or "").strip()
        if not title:
            raise CandidateError(_("Enter the title of the new position."), "new_position_title")
        position = Position(title=title, team=(data.get("new_position_team") or "").strip())
        db.session.add(position)
    else:
        position = db.session.get(Position, int(data["position_id"]))
        if position is None:
            raise CandidateError(_("Choose a position from the list."), "position_id")
    owner = db.session.get(User, int(data["owner_id"]))
    if owner is None or owner.role not in RECRUITER_ROLES:
        raise CandidateError(_("Choose a recruiter from the list."), "owner_id")
    try:
        user = create_user(data["email"], data["name"], "candidate", data["timezone"],
                           locale=data.get("locale") or None)
    except AccountError as error:
        raise CandidateError(str(error), "email") from None
    candidate = Candidate(user=user, position=position, owner=owner, stage="offer",
                          decision_deadline=data.get("decision_deadline"), source=data.get("source") or "")
    db.session.add(candidate)
    db.session.flush()
    record("candidate.created", f"{by.name} added {user.name} at the offer stage for {position.title}",
           actor=by, candidate=candidate, subject=candidate)
    return candidate


def get_candidate(candidate_id: int) -> Candidate | None:
    return db.session.scalar(_candidate_statement(), {"candidate_id": candidate_id})


@cache
def _candidate_statement() -> sa.Select:
    """A candidate with their account, position and recruiter: built once (with its cache key)."""
    return (sa.select(Candidate).where(Candidate.id == sa.bindparam("candidate_id"))
            .options(joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner)))


def candidate_or_404(candidate_id: int) -> Candidate:
    """The candidate for a recruiter's page (with user, position and owner loaded), or 404."""
    candidate = get_candidate(candidate_id)
    if candidate is None:
        abort(404)
    return candidate


def note_sign_in(user: User, now: datetime) -> None:
    """The first sign-in of a candidate is a milestone on their timeline (and in the funnel)."""
    candidacy = user.candidacy if user.role == "candidate" else None
    if candidacy is not None and candidacy.first_signed_in_at is None:
        candidacy.first_signed_in_at = now
        record("candidate.first_sign_in", f"{user.name} signed in for the first time", actor=user,
               candidate=candidacy)
