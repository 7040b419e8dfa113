"""The candidate's side of office hours: who is live now (on the directory, profiles and home), a
window's page (queue, wait, the talk's link and timer), joining, leaving, and "tell me when they
next go live".

Presence reaches pages this feature sits above (people, main) through one template global,
``hours_presence(view, person_id)``: the people feature never imports office hours (tests/test_layers.py),
its templates just include ``office_hours/_presence.html`` with what the global returns (None for
anyone but a candidate, and the fragment renders nothing then).

Pages poll cheaply (``portal/polling.py``): ``?since=<stamp>`` (htmx, every 5 s) gets a 204 when
the stamp (``presence.current_stamp``) hasn't moved, before anything else is read; ``If-None-Match``
gets a 304. Otherwise the fresh
fragment, carrying the new stamp (and the stamp as its ETag).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import get_translations
from flask_login import current_user

from ...auth.emailed import FORM_EXPIRED, form_error
from ...extensions import db
from ...forms import EmptyForm
from ...i18n import _, _l, ngettext
from ...people.services import get_profile
from ...polling import unchanged_answer, with_stamp
from ...rendering import render, wants_fragment
from ...security import parse_id, role_required
from ...timeutil import utcnow
from .. import bp, presence, queue, windows
from ..models import EntryStatus, HoursEntry, HoursSeries, HoursWatch, HoursWindow, WindowStatus
from ..watches import is_watching, set_watch

POLL_SECONDS = 5
VIEWS = ("directory", "home", "profile")


def minutes_left_text(end: datetime | None, now: datetime) -> str:
    """``12 min left``; ``under a minute left``; ``time's up`` (static/app.js ticks the same words)."""
    seconds = (end - now).total_seconds() if end else 0
    if seconds <= 0:
        return _("time's up")
    if seconds < 60:
        return _("under a minute left")
    return ngettext("%(num)d min left", "%(num)d min left", int(seconds // 60))


def countdown_words() -> str:
    """The words of ``minutes_left_text`` for static/app.js, which ticks the countdown each second
    (JSON for a data-words attribute: "{n}" for the minutes, the one form and the other)."""
    forms = get_translations()

    def minutes(n: int) -> str:
        return forms.ngettext("%(num)d min left", "%(num)d min left", n).replace("%(num)d", "{n}")

    return json.dumps({"up": _("time's up"), "under": _("under a minute left"), "min": [minutes(1), minutes(2)]},
                      ensure_ascii=False)


# --- presence: who is live now ----------------------------------------------------------------------


@dataclass
class Presence:
    """What ``_presence.html`` shows one candidate on one page (``view``: directory, home, profile)."""

    view: str
    now: datetime
    stamp: str
    zone: str
    person_id: int | None = None
    live: list[presence.LiveNow] = field(default_factory=list)
    upcoming: list[HoursWindow] = field(default_factory=list)
    mine: HoursEntry | None = None
    can_join: bool = False
    watching: bool = False
    has_hours: bool = False
    first_name: str = ""

    @property
    def poll_url(self) -> str:
        return url_for("office_hours.presence", view=self.view, person=self.person_id, since=self.stamp)

    def joinable(self, live: presence.LiveNow) -> bool:
        """A Join that can work: room, time, and not talking with someone (waiting elsewhere is fine:
        joining gives up that place, and the button says so)."""
        talking = self.mine is not None and self.mine.status == "talking"
        return (self.can_join and not talking and not live.full
                and live.window.end_at - self.now >= windows.MIN_LEFT_TO_ADMIT)

    def in_window(self, window: HoursWindow) -> bool:
        return self.mine is not None and self.mine.window_id == window.id


def anyone_live(stamp: str) -> bool:
    """Whether any window is live, read off the stamp (``clock.stamp_of`` adds the minute then)."""
    return "." in stamp


def build_presence(view: str, person_id: int | None, now: datetime, stamp: str) -> Presence:
    """Presence for the signed-in candidate; the stamp is read first, so a change made meanwhile shows
    at the next poll."""
    if view == "directory" and not anyone_live(stamp):  # the directory's cost while nobody is live: the clock
        return Presence(view=view, now=now, stamp=stamp, zone=current_user.timezone)
    candidacy = current_user.candidacy
    if view == "profile" and (person_id is None or get_profile(person_id) is None):
        return Presence(view=view, now=now, stamp=stamp, zone=current_user.timezone, person_id=person_id)
    info = Presence(view=view, now=now, stamp=stamp, zone=current_user.timezone,
                    person_id=person_id if view == "profile" else None,
                    can_join=bool(candidacy and candidacy.in_offer_process))
    if anyone_live(stamp):  # a candidate waits or talks only in a live window
        info.live = presence.live_now(now, staff_id=info.person_id)
        if candidacy is not None:
            info.mine = queue.open_entry(candidacy)
    if view == "home":
        info.upcoming = windows.upcoming(now, days=7, visible_only=True)
    elif view == "profile":
        info.upcoming = windows.upcoming(now, person_id, days=7)
        info.first_name = get_profile(person_id).user.first_name
        info.watching, hosts = db.session.execute(_watching_and_hosting(), {
            "candidate": candidacy.id if candidacy is not None else None, "person": person_id}).one()
        info.has_hours = bool(info.live or info.upcoming or hosts)
    return info


@functools.cache
def _watching_and_hosting() -> sa.Select:
    """Built once, one query for a profile: whether the candidate watches the person's office hours, and
    whether the person has any (a series or a window, past ones included)."""
    person = sa.bindparam("person")
    return sa.select(
        sa.exists().where(HoursWatch.candidate_id == sa.bindparam("candidate"), HoursWatch.staff_id == person),
        sa.or_(sa.exists().where(HoursSeries.staff_id == person), sa.exists().where(HoursWindow.staff_id == person)))


@bp.app_template_global("hours_presence")
def hours_presence(view: str = "directory", person_id: int | None = None) -> Presence | None:
    """For pages of lower features (people, main): presence for the signed-in candidate, else None."""
    if not current_user.is_authenticated or current_user.role != "candidate":
        return None
    now = utcnow()
    return build_presence(view if view in VIEWS else "directory", person_id, now, presence.current_stamp(now))


@bp.get("/office-hours/presence", endpoint="presence")
@role_required("candidate")
def presence_poll():
    """The presence block again, or 204 when nothing changed (the cheap path: the clock row only)."""
    now = utcnow()
    stamp = presence.current_stamp(now)
    if (unchanged := unchanged_answer(stamp)) is not None:
        return unchanged
    view = request.args.get("view", "directory")
    view = view if view in VIEWS else "directory"
    info = build_presence(view, parse_id(request.args.get("person")), now, stamp)
    response = render("office_hours/_presence.html", presence=info)
    return with_stamp(response, stamp)



# --- one window: wait, talk, leave --------------------------------------------------------------------


def _candidacy():
    candidacy = current_user.candidacy
    if candidacy is None:
        abort(404)
    return candidacy


def _person_open(window: HoursWindow) -> bool:
    """Can candidates see the window's person (visible in the directory, account active)?"""
    return get_profile(window.staff_id) is not None


def _my_entry(candidacy, window: HoursWindow) -> HoursEntry | None:
    """The candidate's latest place in this window's queue (waiting, talking, or how it ended)."""
    return db.session.scalar(sa.select(HoursEntry).where(HoursEntry.window_id == window.id,
                                                         HoursEntry.candidate_id == candidacy.id)
                             .order_by(HoursEntry.id.desc()).limit(1))


def _window_or_404(window_id: int, candidacy) -> HoursWindow:
    """A window of a person the candidate can see (visible, active), or one whose queue they are or
    were in: hidden or deactivated meanwhile, its page still opens and they can leave or end their
    talk (joining is refused). Else 404."""
    window = db.session.get(HoursWindow, window_id)
    if window is None or (not _person_open(window) and _my_entry(candidacy, window) is None):
        abort(404)
    return window


def _window_page(candidacy, window: HoursWindow, stamp: str, *, status: int = 200, error: str | None = None,
                 notice: str | None = None):
    now = utcnow()
    state = queue.state(window)
    mine = _my_entry(candidacy, window)
    elsewhere = queue.open_entry(candidacy)
    if elsewhere is not None and elsewhere.window_id == window.id:
        elsewhere = None
    # Only the admitted candidate's own talk: its link is never read for anyone else.
    talk = state.talk if mine is not None and mine.status == EntryStatus.TALKING and state.talking is not None \
        and state.talking.id == mine.id else None
    person_open = _person_open(window)
    response = render(
        "office_hours/candidate/window.html", fragment="window", status=status, window=window,
        person_open=person_open,
        person=window.staff, profile=window.staff.profile, state=state, mine=mine, talk=talk,
        elsewhere=elsewhere, now=now, zone=candidacy.user.timezone, stamp=stamp, error=error, notice=notice,
        can_join=candidacy.in_offer_process and person_open, minutes_left=minutes_left_text,
        countdown_words=countdown_words,
        wait=state.wait_minutes(mine, now) if mine is not None and mine.status == EntryStatus.WAITING else None,
        ahead=sum(1 for other in state.waiting if mine is not None and other.position < mine.position),
        too_late=window.end_at - now < windows.MIN_LEFT_TO_ADMIT,
        polling=window.status in (WindowStatus.SCHEDULED, WindowStatus.LIVE))
    return with_stamp(response, stamp)


@bp.get("/office-hours/<int:window_id>", endpoint="window")
@role_required("candidate")
def window_page(window_id: int):
    """A window as the candidate sees it; polled with ``?since=`` (204 while nothing changed)."""
    now = utcnow()
    stamp = presence.current_stamp(now)
    if (unchanged := unchanged_answer(stamp)) is not None:  # nothing read but the clock row
        return unchanged
    candidacy = _candidacy()
    window = db.session.get(HoursWindow, window_id)
    if window is not None and not _person_open(window) and _my_entry(candidacy, window) is None:
        # A window they could see a moment ago (a watcher's "they're live" mail, a shared link, an
        # open tab), whose person was hidden or deactivated since: say so, not "not found".
        return render("office_hours/candidate/gone.html", status=410)
    return _window_page(candidacy, _window_or_404(window_id, candidacy), stamp,
                        notice=NOTICES.get(request.args.get("done", "")))


NOTICES = {"joined": _l("You're in the queue. This page shows your place and tells you when it's your turn."),
           "left": _l("Done: you're no longer in the queue.")}


GONE = _l("These office hours are no longer open.")


def _act(window_id: int, action, success: str, *, joining: bool = False):
    """Run ``action(candidacy, window, now)``; 303 to the window page (or its fresh block for htmx),
    or the page with the message and 422, nothing changed (an expired form too: CSRFProtect refuses
    one first with its "This form has expired" page; this is the same answer should it let one by)."""
    candidacy = _candidacy()
    window = _window_or_404(window_id, candidacy)
    form = EmptyForm()
    if not form.validate_on_submit():
        return _window_page(candidacy, window, presence.current_stamp(utcnow()), status=422,
                            error=form_error(form) or FORM_EXPIRED)
    now = utcnow()
    try:
        if joining and not _person_open(window):
            raise windows.HoursError(str(GONE))
        action(candidacy, window, now)
    except windows.HoursError as problem:
        db.session.rollback()
        window = _window_or_404(window_id, candidacy)
        return _window_page(candidacy, window, presence.current_stamp(utcnow()), status=422, error=problem.message)
    db.session.commit()
    if wants_fragment():
        return _window_page(candidacy, window, presence.current_stamp(now), notice=NOTICES[success])
    # The notice sits in the polled block (not a flash above it), so it goes with the next change:
    # "You're in the queue" doesn't stay on the page once it's the candidate's turn.
    return redirect(url_for("office_hours.window", window_id=window.id, done=success), 303)


@bp.post("/office-hours/<int:window_id>/join", endpoint="join")
@role_required("candidate")
def join(window_id: int):
    return _act(window_id, lambda candidacy, window, now: queue.join(candidacy, window, now), "joined",
                joining=True)


def _leave(candidacy, window, now):
    entry = queue.open_entry(candidacy)
    if entry is not None and entry.window_id == window.id:  # leaving twice changes nothing
        queue.leave(candidacy, entry, now)


@bp.post("/office-hours/<int:window_id>/leave", endpoint="leave")
@role_required("candidate")
def leave(window_id: int):
    return _act(window_id, _leave, "left")


# --- "tell me when they next go live" -------------------------------------------------------------------


@bp.post("/people/<int:user_id>/office-hours/watch", endpoint="watch")
@role_required("candidate")
def watch(user_id: int):
    """Start or stop watching a person (``watch=on``/``off``; without it, the opposite of now)."""
    candidacy = _candidacy()
    profile = get_profile(user_id)
    if profile is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("watch")
    on = wanted == "on" if wanted in ("on", "off") else not is_watching(candidacy, user_id)
    first = profile.user.first_name
    try:
        watching = set_watch(candidacy, profile.user, on, utcnow())
    except windows.HoursError as problem:
        db.session.rollback()
        return render("office_hours/candidate/refused.html", status=422, message=problem.message,
                      person=profile.user)
    db.session.commit()
    flash(_("We'll e-mail you when %(name)s next goes live.", name=first) if watching
          else _("Done: we won't e-mail you when %(name)s goes live.", name=first), "success")
    return redirect(url_for("people.show", user_id=user_id) + "#hours-presence", 303)
