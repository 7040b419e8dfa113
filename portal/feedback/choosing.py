"""Whom a recruiter can ask for feedback: the people of the directory who may be asked, the choices
the candidate's page offers (everyone in a small company; in a large one the likely interviewers, kept
until the people change, and a search box), and the ids a request form sends back. Reads only."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db
from ..generations import cached
from ..i18n import _
from ..people import picker
from ..people.models import GROUP_LABELS, StaffProfile
from ..people.services import GROUP_ORDER
from .errors import FeedbackError

INTERVIEWERS = "interviewers"  # people.picker's scope: active staff with a profile (shown or hidden)
MAX_AT_ONCE = 50


def is_interviewer(user: User | None) -> bool:
    """Interviewers come from the directory: active staff with a profile (shown or hidden)."""
    return picker.allows(INTERVIEWERS, user)


LIKELY = 12  # likely interviewers offered as boxes to tick when the directory is too large to list


def interviewer_choices(exclude: set[int] | frozenset[int] = frozenset()) -> dict[str, list[StaffProfile]] | None:
    """Active directory people (hidden ones too), by group label, minus ``exclude``; None when there
    are too many for a list of boxes (``people.picker.small_list``: one bounded query)."""
    people = picker.small_list(INTERVIEWERS, exclude=exclude,
                               order_by=(GROUP_ORDER, StaffProfile.sort_order, User.name, StaffProfile.user_id))
    if people is None:
        return None
    grouped: dict[str, list[StaffProfile]] = {}
    for profile in people:
        grouped.setdefault(str(GROUP_LABELS[profile.group]), []).append(profile)
    return grouped


def likely_interviewers(candidate: Candidate, exclude=frozenset()) -> list[StaffProfile]:
    """Who probably interviewed ``candidate`` in a large company: the position's hiring manager,
    then people of its team (at most ``LIKELY``, minus ``exclude``). Who they are, in order, is kept
    by the process for the position's manager and team until the people change (``generations.py``:
    matching the team's name in every profile was most of a candidate's page's SQL); their profiles
    are then read by id, in one query."""
    position = candidate.position
    manager_id, team = position.hiring_manager_id, (position.team or "").lower()
    ordered = cached("likely-interviewers", (manager_id, team), lambda: _likely_ids(manager_id, team),
                     depends=("people",))
    return _interviewers_in_order([user_id for user_id in ordered if user_id not in exclude][:LIKELY])


def _likely_ids(manager_id: int | None, team: str) -> tuple[int, ...]:
    """Everyone who may be asked who is the manager or of the team (lower-cased), the manager first."""
    manager = StaffProfile.user_id == manager_id if manager_id else sa.false()
    of_team = sa.func.lower(StaffProfile.team) == team if team else sa.false()
    query = (picker.scope_query(INTERVIEWERS).where(sa.or_(manager, of_team))
             .with_only_columns(StaffProfile.user_id)
             .order_by(sa.case((manager, 0), else_=1), GROUP_ORDER, StaffProfile.sort_order, User.name))
    return tuple(db.session.scalars(query))


def chosen_interviewers(ids, exclude=frozenset()) -> list[StaffProfile]:
    """The people behind ``ids`` who may be asked (ticked ones, kept when the form comes back)."""
    return _interviewers_in_order([i for i in ids if i not in exclude][:MAX_AT_ONCE])


def _interviewers_in_order(ids: list[int]) -> list[StaffProfile]:
    """The profiles of ``ids`` who may be asked, in the order of ``ids`` (one query; none for none)."""
    if not ids:
        return []
    found = {p.user_id: p for p in db.session.scalars(_interviewers_statement(), {"ids": ids})}
    return [found[i] for i in ids if i in found]


@cache
def _interviewers_statement() -> sa.Select:
    """Who may be asked among ``ids`` (a parameter), with their accounts: built once (with its cache key)."""
    return picker.scope_query(INTERVIEWERS).where(StaffProfile.user_id.in_(sa.bindparam("ids", expanding=True)))


def more_interviewers_field(overview: dict, form=None, offered=(), focus: bool = False) -> picker.Picker | None:
    """The "Someone else" search box of a large directory (``people.picker``), or None (a small
    one lists everyone). ``form``: the request form sent back; ``offered``: people to suggest."""
    if overview["choices"] is not None:
        return None
    errors = form.more.errors if form is not None else []
    return picker.picker("more", INTERVIEWERS, id="more-interviewers", people=None,
                         text=(form.more.data or "") if form is not None else "", offered=list(offered),
                         error=" ".join(map(str, errors)) or None, focus=focus)


def load_interviewers(ids: list[int]) -> list[User]:
    """The users behind the submitted ids, in that order; unknown ids raise FeedbackError."""
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_(ids)).options(joinedload(User.profile)))}
    missing = [i for i in ids if i not in users]
    if missing:
        raise FeedbackError(_("Choose people from the list."), "interviewers")
    return [users[i] for i in ids]
