"""Recruiters manage the directory: add, edit, hide, order, and invite people to their profiles."""

from __future__ import annotations

import sqlalchemy as sa
from babel import Locale
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from ...auth.models import User
from ...extensions import db
from ...forms import EmptyForm, show_error
from ...i18n import LANGUAGES, _, _l, current_locale, known_language
from ...paging import PAGE_SIZE, page_number, paginate
from ...rendering import render
from ...security import recruiter_required
from .. import bp
from ..forms import PersonForm
from ..models import GROUP_LABELS, GROUPS, AvailabilityWindow, StaffProfile
from ..photos import PhotoRejected
from ..services import (GROUP_ORDER, PeopleError, create_person, invite_to_profile, move_profile, set_visibility,
                        update_profile)
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


def _search(q: str):
    """Every word in the name, e-mail address, title or team (any case)."""
    fields = (User.name, User.email, StaffProfile.title, StaffProfile.team)
    return [sa.or_(*(sa.func.lower(f).contains(word, autoescape=True) for f in fields))
            for word in q.lower().split()[:MAX_WORDS]]


@bp.get("/recruiter/people")
@recruiter_required
def manage():
    """Everyone in the directory, hidden people included: in the order candidates see them (by group,
    with buttons to change it), by name or newest first; searched, filtered and 50 a page."""
    state = list_state(request.args)
    sort = state.get("sort", "order")
    clauses = _search(state.get("q", ""))
    if "group" in state:
        clauses.append(StaffProfile.group == state["group"])
    if "status" in state:
        clauses.append(STATUSES[state["status"]])
    # Where each person stands in their group (of those listed): the first and last can't move further.
    place = sa.func.row_number().over(partition_by=StaffProfile.group, order_by=SORTS["order"][1:])
    in_group = sa.func.count().over(partition_by=StaffProfile.group)
    has_hours = sa.exists().where(AvailabilityWindow.user_id == StaffProfile.user_id)
    rows = (sa.select(StaffProfile, place.label("place"), in_group.label("in_group"), has_hours.label("has_hours"))
            .join(StaffProfile.user).options(contains_eager(StaffProfile.user)).where(*clauses)
            .order_by(*SORTS[sort]))
    count = sa.select(sa.func.count()).select_from(StaffProfile).where(*clauses)
    if "q" in state:
        count = count.join(StaffProfile.user)
    page = paginate(rows, count, page_number(state.get("page")), PAGE_SIZE)
    args = {key: value for key, value in state.items() if key != "page"}
    if page.number > 1:
        state["page"] = str(page.number)  # a page past the end showed the last one: its buttons return there
    # Ordering buttons only where the list is the group's whole order (a search or a status filter
    # would hide the neighbour a person swaps places with).
    ordering = sort == "order" and not ({"q", "status"} & state.keys())
    sections = _by_group(page.items) if sort == "order" else []
    if ordering and page.pages == 1 and not state.keys() - {"group"}:  # the whole directory: empty groups too
        sections = [(group, dict(sections).get(group, [])) for group in GROUPS]
    return render("people/manage.html", fragment="people_table", page=page, sections=sections, ordering=ordering,
                  state=state, args=args, action_form=EmptyForm(), group_labels=GROUP_LABELS,
                  statuses=STATUS_LABELS, sorts=SORT_LABELS, language_names=language_names())


STATUS_LABELS = {"visible": _l("Shown to candidates"), "hidden": _l("Hidden"),
                 "accepting": _l("Accepting requests"), "not_accepting": _l("Not accepting requests")}
SORT_LABELS = {"order": _l("Directory order"), "name": _l("Name A–Z"), "recent": _l("Recently added")}


def _by_group(rows) -> list[tuple[str, list]]:
    """The page's rows (in directory order) as (group, rows) in that order."""
    sections: list[tuple[str, list]] = []
    for row in rows:
        if not sections or sections[-1][0] != row.StaffProfile.group:
            sections.append((row.StaffProfile.group, []))
        sections[-1][1].append(row)
    return sections


def language_names() -> dict[str, str]:
    """Each language we ship, named in the reader's language (``de``: "German" to an English reader)."""
    return {code: Locale.parse(code).get_display_name(current_locale()) for code in LANGUAGES}


def _person_form_page(form, profile=None, status=200):
    return render("people/person_form.html", fragment="person_form", status=status, form=form, profile=profile)


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
