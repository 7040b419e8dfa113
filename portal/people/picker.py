"""Choosing a person: the one piece every "who?" field uses (a question's person, interviewers to
ask, whom to pass a request to).

A company of any size costs a fixed number of queries: a small one (at most ``SMALL_LIST`` people
in the field's scope) gets a plain ``<select>`` of everyone, loaded in one bounded query; a large
one gets a text box whose ``<datalist>`` htmx fills with the few people matching what was typed
(``search``, at most ``MATCHES``). Without JavaScript the text is sent as typed and ``resolve``
turns it into one person: the "Name · Title" the list offered, an e-mail address, a person's id
(what the ``<select>`` sends), or words that match one name only; otherwise ``PickProblem`` says
that no one or several people match (with the matches to offer), and nothing changes.

Each scope is who a field may choose, the same rule for the list, the search and the check of what
was sent:
- ``directory``: shown in the directory and active (what candidates see; anyone signed in may search it);
- ``requests``: as ``directory``, and accepting requests (recruiters);
- ``interviewers``: active staff with a profile, hidden ones too (recruiters).
"""

from __future__ import annotations

import re
from functools import cache
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ..auth.models import User
from ..extensions import db
from ..i18n import _
from .models import StaffProfile

SMALL_LIST = 60  # up to this many people a field is a <select> of everyone
MATCHES = 20  # people offered for what was typed
MAX_TEXT = 300
MAX_WORDS = 5
SHOWN_IN_PROBLEM = 5
SEPARATOR = " · "


def _directory():
    return [StaffProfile.visible.is_(True), User.active.is_(True)]


def _requests():
    return [*_directory(), StaffProfile.accepting_requests.is_(True)]


def _interviewers():
    return [User.active.is_(True), User.role == "staff"]


SCOPES = {"directory": _directory, "requests": _requests, "interviewers": _interviewers}
RECRUITER_SCOPES = frozenset({"requests", "interviewers"})


def may_search(user, scope: str) -> bool:
    """Candidates and staff may search only whom the directory shows them; recruiters any scope."""
    return scope in SCOPES and (scope not in RECRUITER_SCOPES or user.is_recruiter)


def label(profile: StaffProfile) -> str:
    """How a person is offered and typed back: "Name · Title"."""
    return f"{profile.user.name}{SEPARATOR}{profile.title}" if profile.title else profile.user.name


def scope_query(scope: str, exclude=()):
    """``select(StaffProfile)`` (with the user) of the people ``scope`` lets be chosen, minus ``exclude``.

    An outer join (every profile has its user, so the same rows): it makes SQLite start from the
    profiles; with an inner join and no planner statistics it scanned every user, candidates
    included (40-60 ms at 100,000 candidates instead of under 2)."""
    query = (sa.select(StaffProfile).outerjoin(StaffProfile.user).where(*SCOPES[scope]())
             .options(contains_eager(StaffProfile.user)))
    exclude = [i for i in exclude if i is not None]
    if exclude:
        query = query.where(StaffProfile.user_id.not_in(exclude))
    return query


def small_list(scope: str, *, exclude=(), order_by=None) -> list[StaffProfile] | None:
    """Everyone in ``scope`` (minus ``exclude``) when they are few enough for a ``<select>``, else
    None (the field is a search). Two queries at most: how many (counting no further than
    ``SMALL_LIST + 1``), then, only if they are few, the people (not 61 loaded to learn there are more)."""
    order = order_by if order_by is not None else (User.name, StaffProfile.user_id)
    some, count = _some_of(scope)
    params = {"exclude": [i for i in exclude if i is not None]}
    if db.session.scalar(count, params) > SMALL_LIST:
        return None
    return list(db.session.scalars(scope_query(scope).where(StaffProfile.user_id.in_(some)).order_by(*order), params))


@cache
def _some_of(scope: str) -> tuple[sa.Select, sa.Select]:
    """The first SMALL_LIST + 1 ids of ``scope`` but ``exclude`` (a parameter), in no order, and how many
    they are: built once (with the count's cache key: every queue and candidate's page asks). Sorted
    only once known to be few: ordering the whole scope by name made SQLite (no statistics) scan every
    user, candidates included, to sort them."""
    some = (sa.select(StaffProfile.user_id).outerjoin(StaffProfile.user).where(*SCOPES[scope]())
            .where(StaffProfile.user_id.not_in(sa.bindparam("exclude", expanding=True)))
            .limit(SMALL_LIST + 1))
    return some, sa.select(sa.func.count()).select_from(some.subquery())


def _words(text: str) -> list[str]:
    # lower(), not casefold(): the database compares with SQL lower() ("ß" stays "ß", not "ss")
    return [w for w in re.split(r"[\s·,;()]+", text.lower()) if w][:MAX_WORDS]


def _is_id(text: str) -> bool:
    """A ``<select>``'s value: ASCII digits only ("²" is a digit to Python, and no id)."""
    return text.isascii() and text.isdigit()


def _like(column, word: str):
    return sa.func.lower(column).contains(word, autoescape=True)


def search(scope: str, text: str, *, exclude=(), limit: int = MATCHES, names_only: bool = False
           ) -> list[StaffProfile]:
    """People in ``scope`` with every typed word in their name, title, team or e-mail address
    (``names_only``: in their name), names starting with the first word first. One query."""
    words = _words((text or "")[:MAX_TEXT])
    if not words:
        return []
    fields = [User.name] if names_only else [User.name, StaffProfile.title, StaffProfile.team]
    if scope in RECRUITER_SCOPES and not names_only:  # the directory never shows addresses to candidates,
        fields.append(User.email)  # so their searches don't match on them (no guessing one letter by letter)
    query = scope_query(scope, exclude).where(*(sa.or_(*(_like(f, w) for f in fields)) for w in words))
    starts = sa.case((sa.func.lower(User.name).startswith(words[0], autoescape=True), 0), else_=1)
    return list(db.session.scalars(query.order_by(starts, User.name, StaffProfile.user_id).limit(limit)))


def get(scope: str, user_id: int | None) -> StaffProfile | None:
    """The person with ``user_id`` if ``scope`` lets them be chosen (the check of every choice sent)."""
    if not isinstance(user_id, int) or not 0 < user_id < 2**63:
        return None
    return db.session.scalar(scope_query(scope).where(StaffProfile.user_id == user_id))


class PickProblem(ValueError):
    """What was typed is not one person: ``matches`` are the people to offer instead (none, or several)."""

    def __init__(self, message: str, text: str, matches: list[StaffProfile]):
        super().__init__(message)
        self.text = text
        self.matches = matches


def _exact(scope: str, wanted: str, exclude) -> StaffProfile | None:
    """"Name · Title" as offered, or an e-mail address, compared without case or extra spaces."""
    if "@" in wanted and " " not in wanted:
        if scope not in RECRUITER_SCOPES:
            return None
        return db.session.scalar(scope_query(scope, exclude).where(sa.func.lower(User.email) == wanted))
    name, _sep, title = wanted.partition(SEPARATOR.strip())
    query = scope_query(scope, exclude).where(sa.func.lower(User.name) == " ".join(name.split()))
    if title.strip():
        query = query.where(sa.func.lower(StaffProfile.title) == " ".join(title.split()))
    rows = list(db.session.scalars(query.limit(2)))
    return rows[0] if len(rows) == 1 else None


def resolve(scope: str, text: str | None, *, exclude=()) -> StaffProfile | None:
    """The one person ``text`` names in ``scope``; None for an empty text; PickProblem otherwise.

    An id (a ``<select>``'s value) must be someone in scope; words must match exactly one name
    (a name typed in full wins over longer names that contain it)."""
    text = " ".join((text or "")[:MAX_TEXT].split())
    if not text:
        return None
    if _is_id(text):
        profile = get(scope, int(text)) if len(text) < 19 else None
        if profile is None or profile.user_id in exclude:
            raise PickProblem(_("That person can't be chosen here. Choose someone from the list."), text, [])
        return profile
    wanted = text.lower()
    profile = _exact(scope, wanted, exclude)
    if profile is not None:
        return profile
    matches = search(scope, text, exclude=exclude, limit=SHOWN_IN_PROBLEM + 1, names_only=True)
    named = [p for p in matches if p.user.name.lower() == wanted]
    if len(matches) == 1 or len(named) == 1:
        return named[0] if len(named) == 1 else matches[0]
    if not matches:
        # Offer what the words find elsewhere (a title, a team, a recruiter's e-mail address) to choose from.
        message = (_("No one matches “%(text)s”. Check the spelling, or type part of their name or "
                     "e-mail address and choose from the list.", text=text) if scope in RECRUITER_SCOPES else
                   _("No one matches “%(text)s”. Check the spelling, or type part of their name and choose "
                     "from the list.", text=text))
        raise PickProblem(message, text, search(scope, text, exclude=exclude, limit=SHOWN_IN_PROBLEM))
    names = "; ".join(label(p) for p in matches[:SHOWN_IN_PROBLEM])
    if len(matches) > SHOWN_IN_PROBLEM:
        names += " …"
    raise PickProblem(_("Several people match “%(text)s”: %(names)s. Type more of the name, or choose one "
                        "from the list.", text=text, names=names), text, matches[:SHOWN_IN_PROBLEM])


@dataclass
class Picker:
    """What the ``person_picker`` macro (templates/people/_picker.html) shows for one field.

    ``everyone`` set: a ``<select>`` of (value, text) with ``selected``'s value chosen; None: a
    text box holding ``text`` with ``offered`` in its list. ``empty``: the first option / what an
    empty box means ("Anyone"); ``error``: the message shown under the field."""

    name: str
    scope: str
    id: str = ""
    text: str = ""
    selected: str = ""
    everyone: list[tuple[str, str]] | None = None
    offered: list[StaffProfile] = field(default_factory=list)
    empty: str | None = None
    error: str | None = None
    focus: bool = False  # autofocus the box (htmx moves focus there after a swap)

    def __post_init__(self):
        self.id = self.id or self.name

    @property
    def list_id(self) -> str:
        return f"{self.id}-choices"


def picker(name: str, scope: str, *, people: list[StaffProfile] | None, text: str | None,
           current: StaffProfile | None = None, extra: tuple[str, str] | None = None, option_label=label,
           **kwargs) -> Picker:
    """A field for ``scope``: a ``<select>`` of ``people`` (``small_list``) or, with None, a text box.

    ``text``: what was sent (kept after a problem), None when nothing was (the field shows
    ``current``, the person chosen so far, or ``extra``); ``extra``: one more (value, text) option,
    for someone no longer in scope who is still chosen."""
    if people is not None:
        everyone = [(str(p.user_id), option_label(p)) for p in people]
        if extra is not None and all(value != extra[0] for value, _text in everyone):
            everyone.append(extra)
        if text is None:
            selected = str(current.user_id) if current is not None else (extra[0] if extra else "")
        else:
            selected = text if _is_id(text) else ""
        return Picker(name, scope, everyone=everyone, selected=selected, **kwargs)
    if text is None:
        text = label(current) if current is not None else (extra[1] if extra else "")
    return Picker(name, scope, text=text, **kwargs)


def allows(scope: str, user) -> bool:
    """``SCOPES`` in Python, for a User already loaded with their profile (no query)."""
    if user is None or not user.active or user.profile is None:
        return False
    if scope == "interviewers":
        return user.role == "staff"
    return user.profile.visible and (scope == "directory" or user.profile.accepting_requests)


def in_scope(scope: str, user_ids) -> set[int]:
    """Which of ``user_ids`` ``scope`` lets be chosen (one query; none for no ids)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(db.session.scalars(
        sa.select(StaffProfile.user_id).outerjoin(StaffProfile.user).where(*SCOPES[scope](),
                                                                           StaffProfile.user_id.in_(ids))))
