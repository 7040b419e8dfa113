"""Setting office hours up: the person at /office-hours/mine, a recruiter for them at
/recruiter/people/<id>/office-hours (one page template, ``office_hours/manage/page.html``).

Recurring office hours (a series) become windows four weeks ahead in the series' zone; a window can
be called off before it starts; the person can go live now and open their live page. Each POST
works without JavaScript (303 back to the page, or to the live page) and with htmx (the ``hours``
section swapped in place); a refused change is a 422 with the message next to its field and nothing
stored. Another person's series, windows and links are a 404. Shareable links: ``links.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ...auth.models import User
from ...extensions import db
from ...forms import error_on_field_or_page
from ...i18n import _, ngettext
from ...people.availability import local_to_utc, window_end_utc
from ...people.models import StaffProfile
from ...rendering import render, wants_fragment
from ...security import me, recruiter_required, role_required
from ...timeutil import format_datetime, to_zone, utcnow, zone_label
from .. import bp, links, notify, windows
from ..forms import LiveNowForm, OneOffForm, SeriesForm, ShareLinkForm
from ..models import HoursSeries, HoursWindow, WindowStatus

SHOWN_WEEKS = windows.WEEKS_AHEAD
SHOWN_LIMIT = 60  # windows listed on the page


# --- whose office hours ------------------------------------------------------------------------


def own_person() -> User:
    """The signed-in person, who has a profile (a staff account without one has no office hours)."""
    if current_user.profile is None:
        abort(404)
    return me()


def person_or_404(user_id: int) -> User:
    """Someone in the directory, for a recruiter."""
    profile = db.session.get(StaffProfile, user_id)
    if profile is None:
        abort(404)
    return profile.user


def page_url(person: User, own: bool) -> str:
    return url_for("office_hours.mine") if own else url_for("office_hours.manage_person", user_id=person.id)


def hours_url(person: User, own: bool):
    """``url('add_series')``: the endpoint for this page's audience (``person_…`` for a recruiter)."""

    def url(name: str, **values) -> str:
        if own:
            return url_for(f"office_hours.{name}", **values)
        return url_for(f"office_hours.person_{name}", user_id=person.id, **values)

    return url


# --- the page ------------------------------------------------------------------------------------


def window_list(staff_id: int, now: datetime) -> list[HoursWindow]:
    """The person's windows ahead (series make them ``WEEKS_AHEAD`` weeks ahead): scheduled, and
    skipped ones (with why), soonest first."""
    return list(db.session.scalars(
        sa.select(HoursWindow).where(HoursWindow.staff_id == staff_id,
                                     HoursWindow.status.in_((WindowStatus.SCHEDULED, WindowStatus.SKIPPED)),
                                     HoursWindow.end_at > now,
                                     HoursWindow.start_at < now + timedelta(weeks=SHOWN_WEEKS, days=1))
        .order_by(HoursWindow.start_at).limit(SHOWN_LIMIT)))


def window_label(zone: str):
    def label(window: HoursWindow) -> str:
        start = format_datetime(window.start_at, zone)
        local_end = to_zone(window.end_at, zone)  # the end's clock and zone: the day is the start's
        end = f"{local_end:%H:%M} {zone_label(local_end)}" + (f" ({zone})" if local_end.tzname() != zone else "")
        if window.status == WindowStatus.LIVE:
            return _("%(start)s until %(end)s (live now)", start=start, end=end)
        return _("%(start)s until %(end)s", start=start, end=end)

    return label


def link_form_for(person: User, live: HoursWindow | None, upcoming: list[HoursWindow], now: datetime,
                  form: ShareLinkForm | None = None) -> ShareLinkForm:
    form = form or ShareLinkForm()
    shareable = ([live] if live is not None and live.end_at > now else []) + [
        window for window in upcoming if window.status == WindowStatus.SCHEDULED]
    form.set_choices(shareable, links.positions(), links.candidates_for(me(), person), window_label(me().timezone))
    return form


def hours_page(person: User, own: bool, *, status: int = 200, fragment: str | None = None,
               series_form: SeriesForm | None = None, live_form: LiveNowForm | None = None,
               once_form: OneOffForm | None = None,
               link_form: ShareLinkForm | None = None, new_link: dict | None = None, notice: str | None = None,
               error: str | None = None, live_error: str | None = None):
    now = utcnow()
    live = windows.live_window(person.id)
    upcoming = window_list(person.id, now)
    following = next((window for window in upcoming if window.status == WindowStatus.SCHEDULED), None)
    return render(
        "office_hours/manage/page.html", fragment=fragment, status=status, person=person, own=own, now=now,
        series=windows.series_of(person.id), upcoming=upcoming, live=live, following=following,
        links=links.links_of(person.id, now),
        series_form=series_form or SeriesForm(data={"zone": person.timezone}),
        live_form=live_form or LiveNowForm(),
        once_form=once_form or OneOffForm(),
        link_form=link_form_for(person, live, upcoming, now, link_form),
        new_link=new_link, notice=notice, error=error, live_error=live_error, url=hours_url(person, own),
        page_url=page_url(person, own), zone=me().timezone, audience_of=links.audience_of,
        stopped_at=links.stopped_at, skip_note=windows.skip_note)


def done(person: User, own: bool, message: str, category: str = "success"):
    """After a change: the refreshed section for htmx, else back to the page (post/redirect/get)."""
    if wants_fragment():
        return hours_page(person, own, fragment="hours",
                          **({"notice": message} if category == "success" else {"error": message, "status": 409}))
    flash(message, category)
    return redirect(page_url(person, own), 303)


@bp.get("/office-hours/mine")
@role_required("staff")
def mine():
    """Your office hours: recurring ones, the windows ahead, going live now and links to share."""
    return hours_page(own_person(), True)


@bp.get("/recruiter/people/<int:user_id>/office-hours")
@recruiter_required
def manage_person(user_id: int):
    """A person's office hours, as a recruiter sets them up for them."""
    return hours_page(person_or_404(user_id), False)


# --- recurring office hours ----------------------------------------------------------------------


def _add_series(person: User, own: bool):
    form = SeriesForm()
    if form.validate_on_submit():
        data = windows.SeriesData(weekday=form.weekday.data, start_time=form.start_time.data,
                                  end_time=form.end_time.data, zone=form.zone.data,
                                  talk_minutes=form.talk_minutes.data, cap=form.cap.data,
                                  auto_admit=form.auto_admit.data)
        try:
            series = windows.add_series(person, data, utcnow(), me())
        except windows.HoursError as refused:
            db.session.rollback()
            page_error = error_on_field_or_page(form, refused)
        else:
            db.session.commit()
            skipped = sum(1 for window in window_list(person.id, utcnow())
                          if window.series_id == series.id and window.status == WindowStatus.SKIPPED)
            times = {"days": series.every_week, "start": f"{data.start_time:%H:%M}", "end": f"{data.end_time:%H:%M}",
                     "zone": data.zone}
            if skipped == 1:
                message = _("Office hours added: %(days)s %(start)s–%(end)s (%(zone)s). One week clashes with a "
                            "booked conversation and is skipped.", **times)
            elif skipped:
                message = ngettext("Office hours added: %(days)s %(start)s–%(end)s (%(zone)s). %(num)d week clashes "
                                   "with a booked conversation and is skipped.",
                                   "Office hours added: %(days)s %(start)s–%(end)s (%(zone)s). %(num)d weeks clash "
                                   "with booked conversations and are skipped.", skipped, **times)
            else:
                message = _("Office hours added: %(days)s %(start)s–%(end)s (%(zone)s).", **times)
            return done(person, own, message)
    else:
        page_error = None
    return hours_page(person, own, status=422, fragment="hours", series_form=form, error=page_error)


def _add_window(person: User, own: bool):
    """Office hours once: the date and times are wall-clock times in the person's zone."""
    form = OneOffForm()
    page_error = None
    if form.validate_on_submit():
        zone = ZoneInfo(person.timezone)
        try:
            try:
                start = local_to_utc(datetime.combine(form.day.data, form.start_time.data), zone)
                end = window_end_utc(datetime.combine(form.day.data, form.end_time.data), zone)
            except (OverflowError, ValueError):  # a date at the calendar's edge (9999-12-31 22:00 in New York)
                raise windows.HoursError(_("Choose a date within the next 90 days."), "day") from None
            if start is None:
                raise windows.HoursError(_("That time doesn't exist in %(zone)s: the clocks change then.",
                                           zone=person.timezone), "start_time")
            window = windows.add_window(person, start, end, utcnow(), me(), talk_minutes=form.talk_minutes.data,
                                        cap=form.cap.data, auto_admit=form.auto_admit.data)
        except windows.HoursError as refused:
            db.session.rollback()
            page_error = error_on_field_or_page(form, refused)
        else:
            db.session.commit()
            return done(person, own, _("Office hours added: %(when)s.",
                                       when=format_datetime(window.start_at, me().timezone)))
    return hours_page(person, own, status=422, fragment="hours", once_form=form, error=page_error)


def _remove_series(person: User, own: bool, series_id: int):
    series = db.session.get(HoursSeries, series_id)
    if series is None or series.staff_id != person.id:
        abort(404)
    day = series.weekday_name
    called_off = windows.delete_series(series, utcnow(), me())
    db.session.commit()
    return done(person, own, ngettext("%(day)s office hours removed; %(num)d window ahead called off.",
                                      "%(day)s office hours removed; %(num)d windows ahead called off.",
                                      called_off, day=day))


def _call_off(person: User, own: bool, window_id: int):
    window = db.session.get(HoursWindow, window_id)
    if window is None or window.staff_id != person.id:
        abort(404)
    try:
        windows.cancel_window(window, utcnow(), me())
    except windows.HoursError as refused:
        db.session.rollback()
        return done(person, own, refused.message, "error")
    db.session.commit()
    return done(person, own, _("Office hours on %(when)s called off: that time is free again.",
                               when=format_datetime(window.start_at, me().timezone)))


@bp.post("/office-hours/mine/series")
@role_required("staff")
def add_series():
    return _add_series(own_person(), True)


@bp.post("/office-hours/mine/windows")
@role_required("staff")
def add_window():
    return _add_window(own_person(), True)


@bp.post("/office-hours/mine/series/<int:series_id>/remove")
@role_required("staff")
def remove_series(series_id: int):
    return _remove_series(own_person(), True, series_id)


@bp.post("/office-hours/mine/windows/<int:window_id>/call-off")
@role_required("staff")
def call_off(window_id: int):
    return _call_off(own_person(), True, window_id)


@bp.post("/recruiter/people/<int:user_id>/office-hours/series")
@recruiter_required
def person_add_series(user_id: int):
    return _add_series(person_or_404(user_id), False)


@bp.post("/recruiter/people/<int:user_id>/office-hours/windows")
@recruiter_required
def person_add_window(user_id: int):
    return _add_window(person_or_404(user_id), False)


@bp.post("/recruiter/people/<int:user_id>/office-hours/series/<int:series_id>/remove")
@recruiter_required
def person_remove_series(user_id: int, series_id: int):
    return _remove_series(person_or_404(user_id), False, series_id)


@bp.post("/recruiter/people/<int:user_id>/office-hours/windows/<int:window_id>/call-off")
@recruiter_required
def person_call_off(user_id: int, window_id: int):
    return _call_off(person_or_404(user_id), False, window_id)


# --- going live now, and the live page -----------------------------------------------------------


def live_path(window: HoursWindow) -> str:
    """A fresh link to the person's live page (``notify.host_link``), as a path on this site."""
    return urlsplit(notify.host_link(window)).path


@bp.post("/office-hours/mine/live")
@role_required("staff")
def go_live_now():
    """Go live from now: a window opens at once and the person lands on their live page."""
    person = own_person()
    form = LiveNowForm()
    live_error = None
    if form.validate_on_submit():
        try:
            window = windows.go_live_now(person, form.minutes.data, utcnow(), person,
                                         talk_minutes=form.talk_minutes.data, cap=form.cap.data,
                                         auto_admit=form.auto_admit.data)
        except windows.HoursError as refused:
            db.session.rollback()
            live_error = error_on_field_or_page(form, refused)
        else:
            path = live_path(window)
            db.session.commit()
            return redirect(path, 303)
    return hours_page(person, True, status=422, fragment="live", live_form=form, live_error=live_error)


def live_page_window(staff_id: int, now: datetime) -> HoursWindow | None:
    """The window whose live page "Open your live page" opens: the one live now, else the next one
    ahead (its live page says when it starts and has the Go live button from 10 minutes before)."""
    live = windows.live_window(staff_id)
    if live is not None and live.end_at > now:
        return live
    ahead = windows.upcoming(now, staff_id, days=7 * windows.WEEKS_AHEAD + 1, limit=1)
    return ahead[0] if ahead else None


@bp.post("/office-hours/mine/live/open")
@role_required("staff")
def open_live():
    """The live page of the window the person is live in now, or of their next one (a fresh link
    each time)."""
    person = own_person()
    window = live_page_window(person.id, utcnow())
    if window is None:
        flash(_("You're not live and have no office hours ahead. Go live now, or add weekly office hours."),
              "error")
        return redirect(url_for("office_hours.mine"), 303)
    path = live_path(window)
    db.session.commit()
    return redirect(path, 303)


from . import links as _links  # noqa: E402,F401  (sharing a window: views/links.py)
