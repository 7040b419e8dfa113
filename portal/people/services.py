"""People: the directory query, profile changes and availability editing (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..auth.services import AccountError, create_user, find_user_by_email, mail_sign_in, normalize_email
from ..auth.tokens import end_links
from ..extensions import db
from ..forms import FieldError
from ..generations import bump, cached
from ..i18n import _, known_language
from ..security import acting_user
from ..timeutil import utcnow
from .hooks import person_changed
from .models import APPROVAL_BY_DEFAULT, GROUPS, AvailabilityWindow, StaffProfile, TimeOff

PAGE_SIZE = 24
GROUP_ORDER = sa.case({group: n for n, group in enumerate(GROUPS)}, value=StaffProfile.group)

# Common abbreviations people type when looking for someone senior.
ALIASES = {
    "ceo": "chief executive",
    "cto": "chief technology",
    "cfo": "chief financial",
    "coo": "chief operating",
    "cpo": "chief product",
    "vp": "vice president",
    "em": "engineering manager",
    "vc": "ventures",
}
MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=12)
MAX_TIME_OFF = timedelta(days=366)


class PeopleError(FieldError):
    """A change that cannot be made; ``field`` names the form field the message belongs to."""


@dataclass
class DirectoryPage:
    profiles: list[StaffProfile]
    total: int
    page: int
    has_more: bool
    group_counts: dict[str, int]
    teams: list[str]


def _search_clause(q: str):
    """Every word must appear in the name, title, team, group or topics (case-insensitive)."""
    fields = [User.name, StaffProfile.title, StaffProfile.team, StaffProfile.topics, StaffProfile.group]
    clauses = []
    for word in q.lower().split()[:8]:
        options = [word] + ([ALIASES[word]] if word in ALIASES else [])
        clauses.append(sa.or_(*(sa.func.lower(f).contains(o, autoescape=True) for f in fields for o in options)))
    return sa.and_(*clauses)


def directory(q: str = "", group: str = "", team: str = "", page: int = 1, *, include_hidden: bool = False,
              cumulative: bool = False) -> DirectoryPage:
    """One page of the directory, leadership first. A bounded number of queries at any size.

    ``cumulative`` returns pages 1..page together (the no-JavaScript "load more": the link
    reloads the page with more people on it; htmx fetches just the next page instead).
    """
    page = max(1, min(page, 1000))
    # Who is on the page, in order, and the tabs' counts and teams are the same for every reader: kept
    # by the process until a profile or a company account changes (generations.py); the page's
    # profiles are then read by id, fresh.
    found = cached("directory-page", (q.strip(), group, team, page, include_hidden, cumulative),
                   lambda: _directory_ids(q.strip(), group, team, page, include_hidden, cumulative),
                   depends=("people",))
    loaded = {profile.user_id: profile for profile in db.session.scalars(_profiles_statement(), {"ids": found.ids})
              } if found.ids else {}
    return DirectoryPage(
        profiles=[loaded[user_id] for user_id in found.ids if user_id in loaded],
        total=found.total,
        page=page,
        has_more=found.has_more,
        group_counts=dict(found.group_counts),
        teams=list(found.teams),
    )


@cache
def _profiles_statement() -> sa.Select:
    """Profiles by user id (``ids``) with their accounts: built once (with its cache key)."""
    return (sa.select(StaffProfile).where(StaffProfile.user_id.in_(sa.bindparam("ids", expanding=True)))
            .options(joinedload(StaffProfile.user)))


@dataclass(frozen=True)
class _Found:
    ids: tuple[int, ...]
    total: int
    has_more: bool
    group_counts: tuple[tuple[str, int], ...]
    teams: tuple[str, ...]


def _directory_ids(q: str, group: str, team: str, page: int, include_hidden: bool, cumulative: bool) -> _Found:
    base = sa.select(StaffProfile).join(StaffProfile.user).where(User.active.is_(True))
    if not include_hidden:
        base = base.where(StaffProfile.visible.is_(True))
    filtered = base
    if q:
        filtered = filtered.where(_search_clause(q))
    if team:
        filtered = filtered.where(StaffProfile.team == team)
    counted = filtered  # group counts ignore the group filter, so every tab shows its number
    if group in GROUPS:
        filtered = filtered.where(StaffProfile.group == group)

    offset = 0 if cumulative else (page - 1) * PAGE_SIZE
    limit = PAGE_SIZE * (page if cumulative else 1)
    ids = db.session.scalars(
        filtered.with_only_columns(StaffProfile.user_id)
        .order_by(GROUP_ORDER, StaffProfile.sort_order, User.name)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    group_counts = dict(
        db.session.execute(
            counted.with_only_columns(StaffProfile.group, sa.func.count()).group_by(StaffProfile.group)
        ).all()
    )
    total = sum(group_counts.values()) if group not in GROUPS else group_counts.get(group, 0)
    teams = db.session.scalars(
        base.with_only_columns(StaffProfile.team).where(StaffProfile.team != "").distinct().order_by(StaffProfile.team)
    ).all()
    return _Found(tuple(ids[:limit]), total, len(ids) > limit, tuple(group_counts.items()), tuple(teams))


def get_profile(user_id: int, *, include_hidden: bool = False) -> StaffProfile | None:
    profile = db.session.get(StaffProfile, user_id, options=[joinedload(StaffProfile.user)])
    if profile is None or not profile.user.active or (not profile.visible and not include_hidden):
        return None
    return profile


# --- profiles ---------------------------------------------------------------------------------

PROFILE_FIELDS = ("title", "team", "bio", "topics", "off_limits", "weekly_cap", "accepting_requests")
RECRUITER_FIELDS = PROFILE_FIELDS + ("group", "needs_approval", "visible")


def _tidy_list(text: str) -> str:
    return ", ".join(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


def update_profile(profile: StaffProfile, data: dict, *, by_recruiter: bool) -> StaffProfile:
    """Apply the allowed fields only (a person cannot make themselves visible or skip approval)."""
    data = dict(data)
    if data.get("needs_approval") in ("default", "yes", "no"):
        choice = data["needs_approval"]
        group = data.get("group") or profile.group
        data["needs_approval"] = (group in APPROVAL_BY_DEFAULT) if choice == "default" else choice == "yes"
    for field in RECRUITER_FIELDS if by_recruiter else PROFILE_FIELDS:
        if field in data:
            value = data[field]
            if field in ("topics", "off_limits"):
                value = _tidy_list(value)
            elif isinstance(value, str):
                value = value.strip()
            elif value is None and isinstance(StaffProfile.__table__.c[field].type, sa.String):
                value = ""  # a text field left out of a hand-made POST: empty, as a browser sends it
            setattr(profile, field, value)
    if "timezone" in data:
        profile.user.timezone = data["timezone"]
    if "language" in data:  # the form offers only ours; "" (the recruiter's "their browser's"): none chosen
        profile.user.locale = known_language(data["language"])
    if by_recruiter:
        if "name" in data:
            profile.user.name = data["name"].strip()
        if "email" in data:
            email = normalize_email(data["email"])
            other = find_user_by_email(email)
            if other is not None and other.id != profile.user_id:
                raise PeopleError(_("%(email)s already belongs to %(name)s.", email=email, name=other.name), "email")
            if email != profile.user.email:
                # Links mailed to the old address (a typo's stranger, a mailbox they left) end here.

                end_links(user=profile.user)
            profile.user.email = email
    db.session.flush()
    if by_recruiter:
        by = acting_user()
        record("person.updated", f"{profile.user.name}'s profile edited" + (f" by {by.name}" if by else ""),
               actor=by, subject=profile.user)
    person_changed.send(profile, now=utcnow())
    return profile


def create_person(data: dict) -> StaffProfile:
    """Add someone to the directory; they get a staff account to keep their profile up to date."""
    try:
        user = create_user(data["email"], data["name"], "staff", data.get("timezone") or "UTC",
                           locale=data.get("language"))
    except AccountError as error:
        raise PeopleError(str(error), "email") from None
    last = db.session.scalar(sa.select(sa.func.max(StaffProfile.sort_order)).where(StaffProfile.group == data["group"]))
    profile = StaffProfile(user=user, group=data["group"], title=data["title"].strip(),
                           sort_order=(last or 0) + 10, needs_approval=data["group"] in APPROVAL_BY_DEFAULT)
    db.session.add(profile)
    update_profile(profile, {k: v for k, v in data.items() if k not in ("email", "name")}, by_recruiter=True)
    return profile


def set_visibility(profile: StaffProfile, visible: bool) -> None:
    profile.visible = visible
    db.session.flush()
    by = acting_user()
    record("person.shown" if visible else "person.hidden",
           f"{profile.user.name} {'shown in' if visible else 'hidden from'} the directory"
           + (f" by {by.name}" if by else ""), actor=by, subject=profile.user)
    person_changed.send(profile, now=utcnow())


class OrderChanged(PeopleError):
    """The group's order changed while a move was being made (someone else moved a person too)."""


# Within a group the directory lists people by these (the list's order, so a move matches what is seen).
ORDER_IN_GROUP = (StaffProfile.sort_order, User.name, StaffProfile.user_id)


def move_profile(profile: StaffProfile, direction: str) -> None:
    """Swap places with the neighbour above or below within the same group (first and last: nothing).

    Two rows change: the two sort orders are exchanged by one ``UPDATE`` that also checks both still
    hold the numbers read, so a move made at the same moment by someone else (whose swap would have
    left two people on one number) is refused with :class:`OrderChanged` instead, changing nothing. Only where a number
    is shared (new data: everyone at 100; someone moved in from another group) is the group numbered
    10, 20, … first, once, since a swap of shared numbers would change nothing."""
    if direction not in ("up", "down"):
        raise PeopleError(_("Move up or down."))
    neighbour = _neighbour(profile, direction)
    if neighbour is None:
        return
    mine, theirs = profile.sort_order, neighbour.sort_order
    shared = db.session.scalar(sa.select(sa.func.count()).select_from(StaffProfile).where(
        StaffProfile.group == profile.group, StaffProfile.sort_order.in_({mine, theirs})))
    if mine == theirs or shared > 2:
        _number_group(profile.group)
        neighbour = _neighbour(profile, direction)
        mine, theirs = profile.sort_order, neighbour.sort_order
    savepoint = db.session.begin_nested()  # a refused swap leaves everything as it was
    swapped = db.session.execute(
        sa.update(StaffProfile)
        .where(sa.or_(sa.and_(StaffProfile.user_id == profile.user_id, StaffProfile.sort_order == mine),
                      sa.and_(StaffProfile.user_id == neighbour.user_id, StaffProfile.sort_order == theirs)))
        .values(sort_order=sa.case((StaffProfile.user_id == profile.user_id, theirs), else_=mine))
        .execution_options(synchronize_session=False)).rowcount
    for user_id in (profile.user_id, neighbour.user_id):  # the session's copies read the new numbers
        loaded = db.session.identity_map.get(db.session.identity_key(StaffProfile, user_id))
        if loaded is not None:
            db.session.expire(loaded, ["sort_order"])
    if swapped != 2:
        savepoint.rollback()
        raise OrderChanged(_("Someone else changed this order at the same time, so %(name)s stayed where they "
                             "were. Here is the order now.", name=profile.user.name))
    bump(db.session.connection(), "people")  # written round the ORM: the kept directory order is old
    savepoint.commit()


def _neighbour(profile: StaffProfile, direction: str):
    """(user_id, sort_order) of the person just above or below ``profile`` in its group, or None."""
    here = sa.tuple_(*ORDER_IN_GROUP)
    mark = sa.tuple_(sa.literal(profile.sort_order), sa.literal(profile.user.name), sa.literal(profile.user_id))
    if direction == "up":  # the sort order alone as well, so the index on (group, sort_order) finds the range
        where, order = (here < mark, StaffProfile.sort_order <= profile.sort_order), [c.desc() for c in ORDER_IN_GROUP]
    else:
        where, order = (here > mark, StaffProfile.sort_order >= profile.sort_order), ORDER_IN_GROUP
    return db.session.execute(
        sa.select(StaffProfile.user_id, StaffProfile.sort_order).join(StaffProfile.user)
        .where(StaffProfile.group == profile.group, *where).order_by(*order).limit(1)).first()


def _number_group(group: str) -> None:
    """Number a group 10, 20, … in its present order (once, where numbers are shared)."""
    members = db.session.scalars(sa.select(StaffProfile).join(StaffProfile.user).where(StaffProfile.group == group)
                                 .order_by(*ORDER_IN_GROUP).with_for_update(of=StaffProfile)).all()
    for n, member in enumerate(members):
        member.sort_order = (n + 1) * 10
    db.session.flush()


# --- availability ---------------------------------------------------------------------------------


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def add_window(profile: StaffProfile, weekday: int, start: time, end: time) -> AvailabilityWindow:
    """A weekly window in the person's zone: ends after it starts, 15 min to 12 h, no overlaps."""
    if not 0 <= weekday <= 6:
        raise PeopleError(_("Choose a day of the week."), "weekday")
    if _minutes(end) <= _minutes(start):
        raise PeopleError(_("The end must be after the start."), "end")
    length = timedelta(minutes=_minutes(end) - _minutes(start))
    if length < MIN_WINDOW:
        raise PeopleError(_("A window needs at least 15 minutes, enough for one short conversation."), "end")
    if length > MAX_WINDOW:
        raise PeopleError(_("A window can be at most 12 hours long."), "end")
    for window in profile.windows:
        if window.weekday == weekday and window.start_time < end and start < window.end_time:
            raise PeopleError(
                _("This overlaps your %(day)s window %(start)s–%(end)s. Change or remove that one first.",
                  day=window.weekday_name, start=f"{window.start_time:%H:%M}", end=f"{window.end_time:%H:%M}"),
                "start",
            )
    window = AvailabilityWindow(profile=profile, weekday=weekday, start_time=start, end_time=end,
                                zone=profile.user.timezone)
    db.session.add(window)
    db.session.flush()
    return window


def add_time_off(profile: StaffProfile, start: date, end: date, note: str, today: date) -> TimeOff:
    if end < start:
        raise PeopleError(_("The last day can't be before the first day."), "end_date")
    if end < today:
        raise PeopleError(_("That time off is already over."), "end_date")
    if end - start > MAX_TIME_OFF:
        raise PeopleError(_("Time off can be at most a year at a time."), "end_date")
    entry = TimeOff(profile=profile, start_date=start, end_date=end, note=note.strip())
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_owned(model, item_id: int, profile: StaffProfile) -> bool:
    """Delete a window or time-off entry only if it belongs to ``profile``."""
    item = db.session.get(model, item_id)
    if item is None or item.user_id != profile.user_id:
        return False
    db.session.delete(item)
    db.session.flush()
    db.session.expire(profile, ["windows", "time_off"])
    return True


def local_now(profile: StaffProfile, now: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(profile.user.timezone))


PROFILE_INVITE_DAYS = 7


def invite_to_profile(profile: StaffProfile, invited_by: User) -> None:
    """Mail the person a sign-in link that opens their profile editor.

    Unlike a link asked for on the sign-in page (10 minutes), an invitation waits in someone's
    inbox, so it lasts 7 days; it is still single-use and only signs in that one person.
    """
    mail_sign_in(profile.user, "profile_invite", timedelta(days=PROFILE_INVITE_DAYS), next_path="/profile",
                 invited_by=invited_by, days=PROFILE_INVITE_DAYS)
