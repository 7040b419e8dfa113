"""A person keeps their own profile, topics, availability and time off up to date."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import refresh
from flask_login import current_user

from ...calendars.services import connection_of
from ...extensions import db
from ...forms import show_error
from ...i18n import _, current_language
from ...rendering import redirect_after_post, render, wants_fragment
from ...security import role_required
from ...timeutil import to_zone, utcnow
from .. import bp
from ..forms import OwnProfileForm, TimeOffForm, WindowForm
from ..models import AvailabilityWindow, TimeOff
from ..photos import PhotoRejected, remove_photo, save_photo
from ..services import PeopleError, add_time_off, add_window, delete_owned, update_profile


def _own_profile():
    profile = current_user.profile
    if profile is None:
        abort(404)
    return profile


def _page(profile, status=200, fragment=None, profile_form=None, window_form=None, time_off_form=None,
          notice=None):
    if profile_form is None:
        profile_form = OwnProfileForm(obj=profile, data={"timezone": profile.user.timezone,
                                                         "language": current_language()})
    return render(
        "people/own.html",
        fragment=fragment,
        status=status,
        profile=profile,
        profile_form=profile_form,
        window_form=window_form or WindowForm(),
        time_off_form=time_off_form or TimeOffForm(),
        today=to_zone(utcnow(), profile.user.timezone).date(),
        notice=notice,
        calendar=connection_of(profile.user_id),
    )


@bp.get("/profile")
@role_required("staff")
def own_profile():
    """Your profile as candidates see it, and the forms to change it."""
    return _page(_own_profile())


@bp.post("/profile")
@role_required("staff")
def update_own_profile():
    profile = _own_profile()
    form = OwnProfileForm(data={"language": current_language()})  # a POST without the field keeps the language
    if form.validate_on_submit():
        before = current_language()
        try:
            update_profile(profile, form.data, by_recruiter=False)
            apply_photo(profile, form)
        except PhotoRejected as error:
            db.session.rollback()
            show_error(form, error, "photo")
        else:
            db.session.commit()
            refresh()  # the language may have changed: say so in the new one
            flash(_("Your profile is saved. Candidates see the changes right away."), "success")
            return redirect_after_post(url_for("people.own_profile"), whole_page=current_language() != before)
    return _page(profile, status=422, fragment="profile_form", profile_form=form)


def apply_photo(profile, form) -> None:
    """Store a new photo or remove the old one, as the form asks (raises PhotoRejected)."""
    if form.remove_photo.data and profile.photo_filename:
        remove_photo(profile)
    elif form.photo.data and getattr(form.photo.data, "filename", ""):
        save_photo(profile, form.photo.data)


@bp.post("/profile/windows")
@role_required("staff")
def add_own_window():
    profile = _own_profile()
    form = WindowForm()
    if form.validate_on_submit():
        try:
            add_window(profile, int(form.weekday.data), form.start.data, form.end.data)
        except PeopleError as error:
            db.session.rollback()
            show_error(form, error, "start")
        else:
            db.session.commit()
            return _after_availability_change(profile, _("Window added."))
    return _page(profile, status=422, fragment="availability", window_form=form)


@bp.post("/profile/windows/<int:window_id>/delete")
@role_required("staff")
def delete_own_window(window_id: int):
    profile = _own_profile()
    if not delete_owned(AvailabilityWindow, window_id, profile):
        abort(404)
    db.session.commit()
    return _after_availability_change(profile, _("Window removed."))


@bp.post("/profile/time-off")
@role_required("staff")
def add_own_time_off():
    profile = _own_profile()
    form = TimeOffForm()
    if form.validate_on_submit():
        try:
            today = to_zone(utcnow(), profile.user.timezone).date()
            add_time_off(profile, form.start_date.data, form.end_date.data, form.note.data or "", today)
        except PeopleError as error:
            db.session.rollback()
            show_error(form, error, "end_date")
        else:
            db.session.commit()
            return _after_availability_change(profile, _("Time off added. No one can book you on those days."))
    return _page(profile, status=422, fragment="availability", time_off_form=form)


@bp.post("/profile/time-off/<int:entry_id>/delete")
@role_required("staff")
def delete_own_time_off(entry_id: int):
    profile = _own_profile()
    if not delete_owned(TimeOff, entry_id, profile):
        abort(404)
    db.session.commit()
    return _after_availability_change(profile, _("Time off removed."))


def _after_availability_change(profile, message: str):
    """htmx: the refreshed availability section saying what changed; without JavaScript: a
    redirect back to the page with the same message (post/redirect/get)."""
    if wants_fragment():
        return _page(profile, fragment="availability", notice=message)
    flash(message, "success")
    return redirect(url_for("people.own_profile") + "#availability")
