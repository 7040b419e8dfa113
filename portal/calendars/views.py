"""The calendar page: a person connects their own calendar (``/profile/calendar``), or a recruiter does it
for them (``/recruiter/people/<id>/calendar``); both see when it was last read and any problem in plain
words, can read it now, and disconnect. Secrets go in, never come back out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from ..forms import show_error
from ..i18n import _, _l
from ..rendering import render
from ..security import me, recruiter_required, role_required
from ..timeutil import utcnow
from .errors import CalendarError
from .forms import ConnectForm
from .services import (CONNECT_TIMEOUT, SEALED, CalendarsOff, MissingCredentials, busy_count, calendars_on, connect,
                       connection_of, disconnect, read_and_store)

PROBLEMS = {
    "unreachable": _l("We couldn't reach that server. Check the address, or try again later."),
    "timeout": _l("The calendar server took too long to answer. We'll try again later."),
    "refused_credentials": _l("The server refused the user name or the app password. Check them, or make a new "
                              "app password."),
    "not_found": _l("There's no calendar at that address. Copy the secret address again from your calendar's "
                    "settings."),
    "not_a_calendar": _l("That address doesn't lead to a calendar. Copy the secret address in iCal format (it "
                         "usually ends in .ics)."),
    "too_large": _l("That calendar is too large to read (over 5 MB)."),
    "server_error": _l("The calendar server had a problem. We'll try again later."),
    "bad_address": _l("Enter the calendar's full address, starting with https:// or webcal://."),
    "private_address": _l("That address is on a private network, which this portal doesn't read. Use the "
                          "calendar's public address, or ask your IT team."),
    SEALED: _l("The portal can no longer open this calendar's saved address, because its key was changed. "
               "Connect the calendar again."),
}
bp = Blueprint("calendars", __name__)
FIELD_OF = {"refused_credentials": "password", "unreachable": "address", "not_found": "address",
            "not_a_calendar": "address", "bad_address": "address", "too_large": "address",
            "private_address": "address"}


def problem(code: str | None) -> str:
    return str(PROBLEMS.get(code or "", PROBLEMS["server_error"])) if code else ""


def _person(user_id: int | None) -> User:
    """Whose calendar: the signed-in person's own, or (a recruiter) someone's in the directory."""
    if user_id is None:
        return me()
    user = db.session.get(User, user_id)
    if user is None or user.role == "candidate" or getattr(user, "profile", None) is None:
        abort(404)  # only people in the directory are offered to candidates
    return user


def _here(user: User, user_id: int | None, endpoint: str = "page") -> str:
    if user_id is None:
        return url_for(f"calendars.own_{endpoint}")
    return url_for(f"calendars.person_{endpoint}", user_id=user.id)


def _page(user: User, user_id: int | None, form: ConnectForm | None = None, status: int = 200):
    connection = connection_of(user.id)
    return render("calendars/page.html", status=status, person=user, own=user_id is None,
                  connection=connection, form=form or ConnectForm(formdata=None), on=calendars_on(),
                  busy=busy_count(user.id, utcnow()) if connection else 0, problem=problem,
                  here=_here(user, user_id), read_url=_here(user, user_id, "read"),
                  disconnect_url=_here(user, user_id, "disconnect"),
                  back=url_for("people.own_profile") if user_id is None else url_for("people.edit_person",
                                                                                       user_id=user.id))


def _show(user_id: int | None):
    return _page(_person(user_id), user_id)


def _connect(user_id: int | None):
    user = _person(user_id)
    form = ConnectForm()
    if not form.validate_on_submit():
        return _page(user, user_id, form, 422)
    if not form.address.data:
        show_error(form, _("Enter your calendar's address."), "address")
        return _page(user, user_id, form, 422)
    try:
        connection = connect(user, form.kind.data, form.address.data, form.username.data or "",
                             form.password.data or "", by=me(), now=utcnow())
    except CalendarsOff:
        abort(404)
    except MissingCredentials:
        db.session.rollback()
        show_error(form, _("Enter your user name and the app password you made for this portal."), "password")
        return _page(user, user_id, form, 422)
    except CalendarError as error:
        db.session.rollback()
        show_error(form, problem(error.code), FIELD_OF.get(error.code, "address"))
        return _page(user, user_id, form, 422)
    db.session.commit()
    flash(_("Your calendar is connected: candidates are offered only times it shows free.") if user_id is None else
          _("%(name)s's calendar is connected: candidates are offered only times it shows free.",
            name=user.first_name), "success")
    if connection.kind == "caldav":
        flash(_("Confirmed conversations will be added to it within a few minutes."), "info")
    return redirect(_here(user, user_id))


def _read(user_id: int | None):
    user = _person(user_id)
    connection = connection_of(user.id)
    if connection is None:
        flash(_("There's no calendar to read: connect one below."), "error")
        return redirect(_here(user, user_id))
    person_id, by_id = user.id, me().id
    worked = read_and_store(connection, utcnow(), timeout=CONNECT_TIMEOUT, full=True)  # commits
    if user_id is not None:  # a recruiter read someone's calendar: the audit trail says who
        by, person = db.session.get(User, by_id), db.session.get(User, person_id)
        record("calendar.read", f"{by.name} read the calendar of {person.name} now", actor=by, subject=person)
        db.session.commit()
    connection = connection_of(person_id)
    flash(_("Read just now.") if worked else problem(connection.error if connection else "server_error"),
          "success" if worked else "error")
    return redirect(_here(db.session.get(User, person_id), user_id))


def _disconnect(user_id: int | None):
    user = _person(user_id)
    if disconnect(user, by=me()):
        db.session.commit()
        flash(_("The calendar is disconnected, and the portal has forgotten its address and password. "
                "Conversations already added to it stay there."), "success")
    return redirect(_here(user, user_id))


@bp.get("/profile/calendar")
@role_required("staff")
def own_page():
    return _show(None)


@bp.post("/profile/calendar")
@role_required("staff")
def own_connect():
    return _connect(None)


@bp.post("/profile/calendar/read")
@role_required("staff")
def own_read():
    return _read(None)


@bp.post("/profile/calendar/disconnect")
@role_required("staff")
def own_disconnect():
    return _disconnect(None)


@bp.get("/recruiter/people/<int:user_id>/calendar")
@recruiter_required
def person_page(user_id: int):
    return _show(user_id)


@bp.post("/recruiter/people/<int:user_id>/calendar")
@recruiter_required
def person_connect(user_id: int):
    return _connect(user_id)


@bp.post("/recruiter/people/<int:user_id>/calendar/read")
@recruiter_required
def person_read(user_id: int):
    return _read(user_id)


@bp.post("/recruiter/people/<int:user_id>/calendar/disconnect")
@recruiter_required
def person_disconnect(user_id: int):
    return _disconnect(user_id)

