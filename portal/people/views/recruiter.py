"""Recruiters manage the directory: add, edit, hide, order, and invite people to their profiles."""

from __future__ import annotations

import sqlalchemy as sa
from babel import Locale
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ...auth.models import User
from ...extensions import db
from ...forms import EmptyForm, show_error
from ...i18n import LANGUAGES, _, current_locale, known_language
from ...rendering import render
from ...security import recruiter_required
from .. import bp
from ..forms import PersonForm
from ..models import GROUP_LABELS, GROUPS, StaffProfile
from ..photos import PhotoRejected
from ..services import (GROUP_ORDER, PeopleError, create_person, invite_to_profile, move_profile, set_visibility,
                        update_profile)
from .own import apply_photo


def _profile_or_404(user_id: int) -> StaffProfile:
    profile = db.session.get(StaffProfile, user_id)
    if profile is None:
        abort(404)
    return profile


@bp.get("/recruiter/people")
@recruiter_required
def manage():
    """Everyone in the directory, hidden people included, in the order candidates see them."""
    profiles = db.session.scalars(
        sa.select(StaffProfile).join(StaffProfile.user)
        .options(joinedload(StaffProfile.user), selectinload(StaffProfile.windows))
        .order_by(GROUP_ORDER, StaffProfile.sort_order, User.name)
    ).all()
    by_group = {group: [p for p in profiles if p.group == group] for group in GROUPS}
    return render("people/manage.html", fragment="people_table", by_group=by_group, action_form=EmptyForm(),
                  group_labels=GROUP_LABELS, language_names=language_names())


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
    flash(message, "success")
    return redirect(url_for("people.manage"))


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
