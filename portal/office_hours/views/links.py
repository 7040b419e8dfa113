"""Shareable links to a window of office hours: made and revoked by the person (/office-hours/mine)
or a recruiter (/recruiter/people/<id>/office-hours), opened by candidates at /office-hours/join/<token>.

A link is a shortcut with an audience and a deadline, not an access gate: a visible person's windows
are open to every candidate still deciding (presence shows them) with or without a link, so a link
only brings its audience to the window until its deadline, and never to a hidden or inactive person's.

The new link's URL is shown once, in the answer to the POST that made it (only its hash is kept),
so that answer is the page itself (201), not a redirect. Opening a link: signed-in candidates only
(anyone else signs in first and comes back); a candidate outside its audience gets a 403 page, a
link we never made (or revoked) a 404 for anyone, one past its deadline or whose window is over a 410 page
saying when it stopped working, one to a person hidden since a 410 page saying these office hours are
no longer open; otherwise a 303 to the window's page.
"""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user

from ...candidates.models import Candidate, Position
from ...extensions import db, login_manager
from ...people.availability import window_end_utc, zone_info
from ...forms import error_on_field_or_page
from ...i18n import _
from ...rendering import render
from ...security import me, no_referrer, recruiter_required, role_required
from ...templating import absolute_url
from ...timeutil import utcnow
from .. import bp, links, windows
from ..forms import ShareLinkForm
from ..models import HoursWindow
from ..windows import HoursError
from .manage import done, hours_page, link_form_for, own_person, person_or_404, window_list


def _deadline_utc(form: ShareLinkForm, zone: str):
    """The deadline typed in the viewer's zone, in UTC (None: the window's end)."""
    local = form.deadline.data
    if local is None:
        return None
    try:
        return window_end_utc(local.replace(tzinfo=None), zone_info(zone))
    except (OverflowError, ValueError):  # a date at the calendar's edge (9999-12-31T23:59 in Los Angeles)
        raise HoursError(_("Choose a deadline no later than the window's end."), "deadline") from None


def _audience(form: ShareLinkForm) -> links.Audience | None:
    choice = form.audience_choice()
    if choice is None:
        return None
    kind, ident = choice
    if kind == "position":
        position = db.session.get(Position, ident)
        return links.Audience(position=position) if position else None
    candidate = db.session.get(Candidate, ident)
    return links.Audience(candidate=candidate) if candidate else None


def _create(person, own: bool):
    form = ShareLinkForm()
    page_error = None
    now = utcnow()
    # The choices the page offered (the form refuses anything else): the person's open windows,
    # positions with candidates deciding, and the candidates this viewer may name.
    link_form_for(person, windows.live_window(person.id), window_list(person.id, now), now, form)
    if form.validate_on_submit():
        window = db.session.get(HoursWindow, form.window_id.data)
        audience = _audience(form)
        if window is None or window.staff_id != person.id:
            abort(404)
        try:
            if audience is None:
                raise HoursError(_("Choose who the link is for."), "audience")
            raw, link = links.create_link(window, audience, now, me(), _deadline_utc(form, me().timezone))
        except HoursError as refused:
            db.session.rollback()
            page_error = error_on_field_or_page(form, refused)
        else:
            new_link = {"url": absolute_url("office_hours.shared", token=raw), "audience": audience.label,
                        "expires_at": link.expires_at, "window": window}
            db.session.commit()
            return hours_page(person, own, status=201, fragment="hours", new_link=new_link,
                              notice=_("Link made. Copy it now: for safety it isn't shown again."))
    return hours_page(person, own, status=422, fragment="hours", link_form=form, error=page_error)


def _revoke(person, own: bool, link_id: int):
    link = links.link_of(person.id, link_id)
    if link is None:
        abort(404)
    label = links.audience_of(link).label
    links.revoke_link(link, me())
    db.session.commit()
    return done(person, own, _("The link for %(audience)s was revoked: it no longer opens anything.", audience=label))


@bp.post("/office-hours/mine/links")
@role_required("staff")
def create_link():
    return _create(own_person(), True)


@bp.post("/office-hours/mine/links/<int:link_id>/revoke")
@role_required("staff")
def revoke_link(link_id: int):
    return _revoke(own_person(), True, link_id)


@bp.post("/recruiter/people/<int:user_id>/office-hours/links")
@recruiter_required
def person_create_link(user_id: int):
    return _create(person_or_404(user_id), False)


@bp.post("/recruiter/people/<int:user_id>/office-hours/links/<int:link_id>/revoke")
@recruiter_required
def person_revoke_link(user_id: int, link_id: int):
    return _revoke(person_or_404(user_id), False, link_id)


@bp.get("/office-hours/join/<token>")
def shared(token: str):
    """A shared link: the window's page while it works, else a page saying why not. A link we never
    made is a 404 for anyone; a real one asks who is opening it: signed-in candidates only."""
    no_referrer()
    now = utcnow()
    link = links.find_link(token)
    if link is None:
        return render("office_hours/manage/link_problem.html", status=404, reason="invalid", link=None)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # sign in, then back here
    if not current_user.has_role("candidate"):
        abort(403)
    person = link.window.staff
    if not links.person_open(person):  # hidden from the directory (or gone) since the link was made
        return render("office_hours/manage/link_problem.html", status=410, reason="gone", link=link, person=person)
    candidate = current_user.candidacy
    if candidate is None or not links.is_for(link, candidate):
        return render("office_hours/manage/link_problem.html", status=403, reason="not_for_you", link=link,
                      person=person)
    stopped = links.stopped_at(link, now)
    if stopped is not None:
        return render("office_hours/manage/link_problem.html", status=410, reason="stopped", link=link,
                      person=person, stopped=stopped)
    return redirect(url_for("office_hours.window", window_id=link.window_id), 303)
