"""Recruiters manage the directory: add, edit, hide, order, and invite people to their profiles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from babel import Locale
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from sqlalchemy.orm import contains_eager

from ...auth.models import User
from ...database import contains_text
from ...calendars.services import connection_of
from ...extensions import db
from ...forms import show_error
from ...generations import cached
from ...i18n import LANGUAGES, _, _l, current_locale, known_language
from ...paging import PAGE_SIZE, Page, page_number, within
from ...rendering import render
from ...security import recruiter_required
from .. import bp
from ..forms import PersonForm
from ..models import GROUP_LABELS, GROUPS, AvailabilityWindow, StaffProfile
from ..photos import PhotoRejected
from ..services import (GROUP_ORDER, OrderChanged, PeopleError, create_person, invite_to_profile, move_profile,
                        set_visibility, update_profile)
from .own import apply_photo


def _profile_or_404(user_id: int) -> StaffProfile:
    profile = db.session.get(StaffProfile, user_id)
    if profile is None:
        abort(404)
    return profile


# The list's state in its URL (and in the URL of each row's buttons, so an action comes back to it).
LIST_ARGS = ("q", "group", "status", "sort", "page")
STATUSES = {
    "visible": StaffProfile.visible.is_(True),
    "hidden": StaffProfile.visible.is_(False),
    "accepting": StaffProfile.accepting_requests.is_(True),
    "not_accepting": StaffProfile.accepting_requests.is_(False),
}
# Directory order (the default) keeps the groups and the ordering buttons; the others are one list.
SORTS = {
    "order": (GROUP_ORDER, StaffProfile.sort_order, User.name, StaffProfile.user_id),
    "name": (sa.func.lower(User.name), StaffProfile.user_id),
    "recent": (User.created_at.desc(), StaffProfile.user_id.desc()),
}
MAX_WORDS = 8


def list_state(args) -> dict[str, str]:
    """The list's filters, order and page from a query string; anything unknown is left out."""
    state = {"q": (args.get("q") or "").strip()[:100], "group": args.get("group") or "",
             "status": args.get("status") or "", "sort": args.get("sort") or ""}
    if state["group"] not in GROUPS:
        state["group"] = ""
    if state["status"] not in STATUSES:
        state["status"] = ""
    if state["sort"] not in SORTS or state["sort"] == "order":
        state["sort"] = ""
    number = page_number(args.get("page"))
    if number > 1:
        state["page"] = str(number)
    return {key: value for key, value in state.items() if value}


def _search(q: str) -> list:
    """Every word in the name, e-mail address, title or team (any case). SQLite's LIKE already ignores
    case (ASCII letters, as its lower() does) and reads each person's user row by its key; PostgreSQL
    finds the names and addresses through their trigram indexes (ILIKE in a subquery) rather than
    lower-casing every user's (as the candidate list does: portal/candidates/services.py)."""
    clauses = []
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for word in q.lower().split()[:MAX_WORDS]:
        if sqlite:
            name, email, title, team = (contains_text(f, word)
                                        for f in (User.name, User.email, StaffProfile.title, StaffProfile.team))
            clauses.append(sa.or_(name, email, title, team))
            continue
        users = sa.select(User.id).where(sa.or_(contains_text(User.name, word), contains_text(User.email, word)))
        clauses.append(sa.or_(StaffProfile.user_id.in_(users), contains_text(StaffProfile.title, word),
                              contains_text(StaffProfile.team, word)))
    return clauses


@dataclass(frozen=True)
class _Listed:
    """Who a page of the list shows, in order, and how many there are in each group."""
    in_group: dict[str, int]
    number: int  # the page shown: the last one for a number past the end
    ids: tuple[int, ...]
    starts: dict[str, int]  # where each group begins in the whole list (directory order only)


def _listed(state: dict[str, str], sort: str) -> _Listed:
    """Two statements: how many in each group (the headings' numbers, their sum the total), then the
    page's 50 ids in one narrow sort (in directory order only the groups the page reaches are sorted)."""
    clauses = _search(state.get("q", ""))
    if "group" in state:
        clauses.append(StaffProfile.group == state["group"])
    if "status" in state:
        clauses.append(STATUSES[state["status"]])
    counted = sa.select(StaffProfile.group, sa.func.count()).where(*clauses).group_by(StaffProfile.group)
    if "q" in state and db.session.get_bind().dialect.name == "sqlite":  # the search reads the user row
        counted = counted.join(StaffProfile.user)
    in_group = dict(db.session.execute(counted).all())
    number = within(page_number(state.get("page")), sum(in_group.values()))
    offset, order, starts = (number - 1) * PAGE_SIZE, SORTS[sort], {}
    if sort == "order":  # only the groups this page reaches, from the place on it the first one starts
        before = 0
        for group in GROUPS:
            starts[group], before = before, before + in_group.get(group, 0)
        reached = [g for g in GROUPS if in_group.get(g) and starts[g] < offset + PAGE_SIZE and starts[g] + in_group[g] > offset]
        if reached:
            clauses.append(StaffProfile.group.in_(reached))
            offset -= starts[reached[0]]
            order = order if len(reached) > 1 else order[1:]  # one group: its index gives the sort order
    ids = db.session.scalars(sa.select(StaffProfile.user_id).join(StaffProfile.user).where(*clauses)
                             .order_by(*order).limit(PAGE_SIZE).offset(offset))
    return _Listed(in_group, number, tuple(ids), starts)


@bp.get("/recruiter/people")
@recruiter_required
def manage():
    """Everyone in the directory, hidden people included: in the order candidates see them (by group,
    with buttons to change it), by name or newest first; searched, filtered and 50 a page.

    Who is on the page and the groups' numbers are kept by the process until a profile or a company
    account changes (``_listed``, generations.py). A view reads the generations, the page's people by
    id with whether they have hours (not a profile's change: read each time) and the session's user;
    the first view after a change reads the groups' numbers and the page's ids too. Where each person stands in their group (the first and last can't move
    further) follows from the page's offset and the groups before it, not from numbering every row."""
    state = list_state(request.args)
    sort = state.get("sort", "order")
    listed = cached("people-management", (tuple(sorted(state.items())), sort), lambda: _listed(state, sort),
                    depends=("people",))
    in_group, number, total = listed.in_group, listed.number, sum(listed.in_group.values())
    found = {profile.user_id: (profile, hours)
             for profile, hours in db.session.execute(_page_statement(), {"ids": list(listed.ids)}).all()}
    items = [found[user_id] for user_id in listed.ids if user_id in found]
    page = Page(items=items, number=number, size=PAGE_SIZE, total=total)
    args = {key: value for key, value in state.items() if key != "page"}
    if page.number > 1:
        state["page"] = str(page.number)  # a page past the end showed the last one: its buttons return there
    # Ordering buttons only where the list is the group's whole order (a search or a status filter
    # would hide the neighbour a person swaps places with).
    ordering = sort == "order" and not ({"q", "status"} & state.keys())
    if sort == "order":
        sections = _by_group(items, (number - 1) * PAGE_SIZE, listed.starts)
    else:  # one list, each row saying its group
        sections = [(None, [Row(profile, has_hours, 0) for profile, has_hours in items])] if items else []
    if ordering and page.pages == 1 and not state.keys() - {"group"}:  # the whole directory: empty groups too
        sections = [(group, dict(sections).get(group, [])) for group in GROUPS]
    return render("people/manage.html", fragment="people_table", page=page, sections=sections, ordering=ordering,
                  in_group=in_group, state=state, args=args, row_urls=_row_urls(state), csrf=generate_csrf(),
                  group_labels=GROUP_LABELS, statuses=STATUS_LABELS, sorts=SORT_LABELS, language_lines=_language_lines())


STATUS_LABELS = {"visible": _l("Shown to candidates"), "hidden": _l("Hidden"),
                 "accepting": _l("Accepting requests"), "not_accepting": _l("Not accepting requests")}
SORT_LABELS = {"order": _l("Directory order"), "name": _l("Name A–Z"), "recent": _l("Recently added")}


@cache
def _page_statement() -> sa.Select:
    """The page's people by user id (``ids``), each with their account and whether they have hours: built
    once (with its cache key)."""
    has_hours = sa.exists().where(AvailabilityWindow.user_id == StaffProfile.user_id)
    return (sa.select(StaffProfile, has_hours.label("has_hours")).join(StaffProfile.user)
            .where(StaffProfile.user_id.in_(sa.bindparam("ids", expanding=True)))
            .options(contains_eager(StaffProfile.user)))


@dataclass(frozen=True)
class Row:
    profile: StaffProfile
    has_hours: bool
    place: int  # from 1, in the group (directory order only)


def _by_group(rows, first: int, starts: dict[str, int]) -> list[tuple[str | None, list[Row]]]:
    """The page's rows (in directory order, the first at position ``first`` of the whole list, from 0)
    as (group, rows) in that order, each knowing its place in its group (``starts``: where each group
    begins in the list)."""
    sections: list[tuple[str | None, list[Row]]] = []
    for n, (profile, has_hours) in enumerate(rows):
        if not sections or sections[-1][0] != profile.group:
            sections.append((profile.group, []))
        sections[-1][1].append(Row(profile, has_hours, first + n - starts[profile.group] + 1))
    return sections


def _row_urls(state: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each row's links and buttons as (before, after) the person's id: built once a page, not once a
    row (a page has 50 rows of five). The buttons' URLs carry the list's state, so they come back to it."""
    urls = {"show": url_for("people.show", user_id=0), "edit": url_for("people.edit_person", user_id=0),
            "visibility": url_for("people.toggle_visibility", user_id=0, **state),
            "move": url_for("people.move_person", user_id=0, **state),
            "invite": url_for("people.invite_person", user_id=0, **state)}
    # Escaped here once (an "&" between parameters); the template puts "/" and the id between the two.
    return {name: tuple(escape(url).split("/0", 1)) for name, url in urls.items()}


def _language_lines() -> dict[str | None, str]:
    """"Language: German" for each language we ship (None: not chosen), translated once a page."""
    lines: dict[str | None, str] = {code: _("Language: %(language)s", language=name)
                                    for code, name in language_names().items()}
    lines[None] = _("Language: not chosen yet (e-mails in English)")
    return lines


def language_names() -> dict[str, str]:
    """Each language we ship, named in the reader's language (``de``: "German" to an English reader)."""
    return {code: Locale.parse(code).get_display_name(current_locale()) for code in LANGUAGES}


def _person_form_page(form, profile=None, status=200):
    return render("people/person_form.html", fragment="person_form", status=status, form=form, profile=profile,
                  calendar=connection_of(profile.user_id) if profile is not None else None)


@bp.route("/recruiter/people/new", methods=["GET", "POST"])
@recruiter_required
def new_person():
    form = PersonForm()
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.weekly_cap.data = 3
        form.accepting_requests.data = True
        form.visible.data = True
        return _person_form_page(form)
    if form.validate_on_submit():
        saved = _save_person(form, lambda: create_person(form.data),
                             lambda name: _("%(name)s is in the directory.", name=name))
        if saved:
            return saved
    return _person_form_page(form, status=422)


@bp.route("/recruiter/people/<int:user_id>/edit", methods=["GET", "POST"])
@recruiter_required
def edit_person(user_id: int):
    profile = _profile_or_404(user_id)
    if request.method == "GET":
        form = PersonForm(obj=profile, data={"name": profile.user.name, "email": profile.user.email,
                                             "timezone": profile.user.timezone,
                                             "language": known_language(profile.user.locale) or ""})
        form.needs_approval.data = "yes" if profile.needs_approval else "no"  # obj's bool would win otherwise
        return _person_form_page(form, profile)
    form = PersonForm(data={"language": known_language(profile.user.locale) or ""})  # kept when not posted
    if form.validate_on_submit():
        # The details first (they may refuse the e-mail address), then the photo.
        saved = _save_person(form, lambda: update_profile(profile, form.data, by_recruiter=True),
                             lambda name: _("Saved %(name)s's profile.", name=name))
        if saved:
            return saved
    return _person_form_page(form, profile, status=422)


def _save_person(form, change, done):
    """Apply ``change`` (returns the profile), then the form's photo; commit and go back to the list,
    or roll back and put the refusal on its field (None: the caller shows the form again). ``done(name)``
    is the message saying it worked."""
    try:
        profile = change()
        apply_photo(profile, form)
    except (PeopleError, PhotoRejected) as error:
        db.session.rollback()
        show_error(form, error, "photo")
        return None
    db.session.commit()
    flash(done(profile.user.name), "success")
    return redirect(url_for("people.manage"))


def _back_to_list(message: str):
    """Back to the list as it was (its filters, order and page ride in the button's URL)."""
    flash(message, "success")
    return redirect(url_for("people.manage", **list_state(request.args)))


@bp.post("/recruiter/people/<int:user_id>/visibility")
@recruiter_required
def toggle_visibility(user_id: int):
    profile = _profile_or_404(user_id)
    set_visibility(profile, not profile.visible)
    db.session.commit()
    name = profile.user.name
    return _back_to_list(_("%(name)s is now shown to candidates.", name=name) if profile.visible
                         else _("%(name)s is now hidden from candidates.", name=name))


@bp.post("/recruiter/people/<int:user_id>/move")
@recruiter_required
def move_person(user_id: int):
    profile = _profile_or_404(user_id)
    try:
        move_profile(profile, request.form.get("direction", ""))
    except OrderChanged as error:  # someone else's move came first: nothing changed, the list shows theirs
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("people.manage", **list_state(request.args)))
    except PeopleError as error:
        abort(400, str(error))
    db.session.commit()
    name = profile.user.name
    return _back_to_list(_("Moved %(name)s up.", name=name) if request.form["direction"] == "up"
                         else _("Moved %(name)s down.", name=name))


@bp.post("/recruiter/people/<int:user_id>/invite")
@recruiter_required
def invite_person(user_id: int):
    profile = _profile_or_404(user_id)
    invite_to_profile(profile, invited_by=current_user)
    db.session.commit()
    return _back_to_list(_("We e-mailed %(name)s a link to update their profile and availability.",
                           name=profile.user.name))
