"""The person's e-mailed office hours links: going live, and the live page. No sign-in.

/office-hours/live/<token>   the go-live link mailed ten minutes before a window (``notify.GO_LIVE``,
                             single-use): GET shows the window and a "Go live" button (too early, it
                             says from when); POST goes live, uses the link up and opens the live page.
/office-hours/host/<token>   the live page (``notify.HOST``, never used up, until an hour after the
                             window): the timers, who is talking, who is waiting, the buttons; htmx
                             polls it every 5 s with ``?since=<stamp>`` (204 when nothing changed).
                             After the window: what happened.
/office-hours/host/<token>/<action>   one of its buttons (POST), then back to the page (303).

Both are ``auth.emailed.EmailedLinkView``s: a scanner's GET changes nothing, no Referer leaves the
page, and a link that can't be used gets the shared problem page (``office_hours/host/problem.html``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from sqlalchemy.orm import joinedload

from ...auth.emailed import EmailedLinkView, form_error
from ...auth.models import User
from ...auth.tokens import consume_token
from ...candidates.models import Candidate
from ...extensions import db
from ...forms import EmptyForm
from ...i18n import _, ngettext
from ...meetings.models import Meeting
from ...polling import unchanged_answer
from ...rendering import render, wants_fragment
from ...timeutil import utcnow
from .. import bp, notify, presence, queue, windows
from ..models import EntryStatus, HoursEntry, HoursWindow, WindowStatus
from ..windows import GO_LIVE_EARLY, HoursError
from .candidate import countdown_words, minutes_left_text

OPEN = (WindowStatus.SCHEDULED, WindowStatus.LIVE)
ACTIONS = ("live", "admit", "end", "no_show", "close", "auto_on", "auto_off")


def _contact(window: HoursWindow | None) -> User | None:
    """Whom the person can write to: whoever set these office hours up for them, if not themselves."""
    if window is None or window.created_by_id in (None, window.staff_id):
        return None
    user = db.session.get(User, window.created_by_id)
    return user if user is not None and user.active else None


def _over(window: HoursWindow, now) -> bool:
    return window.status not in OPEN or window.end_at <= now


class HoursLink(EmailedLinkView):
    """One of the person's office hours links; its problem page names the window when it can."""

    problem_template = "office_hours/host/problem.html"
    link_noun = "link"  # a key of _macros/emailed.html's link titles, not shown as it is

    def about(self, token) -> dict:
        window = notify.window_for_token(token)
        return {"window": window, "contact": _contact(window), "link_noun": self.link_noun,
                "go_live_link": self.purpose == notify.GO_LIVE,
                "skip_note": windows.skip_note(window) if window is not None and window.status == "skipped" else None}


# --- the go-live link ---------------------------------------------------------------------------


def _go_live_page(window: HoursWindow, token: str, *, status: int = 200, error: str | None = None):
    now = utcnow()
    return render("office_hours/host/go_live.html", status=status, window=window, person=window.staff,
                  token=token, form=EmptyForm(formdata=None), error=error, opens_at=window.start_at - GO_LIVE_EARLY,
                  too_early=now < window.start_at - GO_LIVE_EARLY, contact=_contact(window))


class GoLive(HoursLink):
    """Ten minutes before a window: "Go live" (once). The POST opens the live page."""

    purpose = notify.GO_LIVE
    link_noun = "go-live link"

    def get(self, link, token: str):
        return _go_live_page(notify.window_for_token(link), token)

    def post(self, link, token: str):
        window, now = notify.window_for_token(link), utcnow()
        form = EmptyForm()
        if not form.validate_on_submit():
            return _go_live_page(window, token, status=422, error=form_error(form))
        if now < window.start_at - GO_LIVE_EARLY:  # the page says from when; the link keeps working
            return _go_live_page(window, token, status=422)
        consume_token(link, now)  # of two clicks at once, one goes on; the other gets the "used" page
        try:
            windows.go_live(window, now, by=window.staff)
        except HoursError as error:
            db.session.rollback()
            return _go_live_page(db.session.get(HoursWindow, window.id), token, status=422, error=error.message)
        host = urlsplit(notify.host_link(window))
        db.session.commit()
        return redirect(host.path + (f"?{host.query}" if host.query else ""), 303)


bp.add_url_rule("/office-hours/live/<token>", view_func=GoLive.as_view("go_live"))


# --- the live page ------------------------------------------------------------------------------


def _summary(current: queue.WindowState) -> dict:
    """What happened in a window that is over: its talks (with no-shows) and who was still waiting.
    Two queries however many talks: the entries with their candidates, then the talks."""
    entries = list(db.session.scalars(
        sa.select(HoursEntry).where(HoursEntry.window_id == current.window.id)
        .options(joinedload(HoursEntry.candidate).joinedload(Candidate.user)).order_by(HoursEntry.position)))
    ids = [entry.meeting_id for entry in entries if entry.meeting_id is not None]
    meetings = {talk.id: talk for talk in db.session.scalars(sa.select(Meeting).where(Meeting.id.in_(ids)))} \
        if ids else {}
    talks = [(entry, meetings.get(entry.meeting_id)) for entry in entries if entry.meeting_id is not None]
    return {"talks": talks, "no_shows": sum(1 for _, talk in talks if talk and talk.status == "no_show"),
            "missed": [entry for entry in entries if entry.status == EntryStatus.CLOSED]}


def _host_page(link, token: str, *, status: int = 200, error: str | None = None, stamp: str | None = None):
    window, now = notify.window_for_token(link), utcnow()
    current = queue.state(window)
    over = _over(window, now)
    return render("office_hours/host/live.html", fragment="live", status=status, window=window,
                  person=window.staff, zone=window.staff.timezone, token=token, state=current, now=now, over=over,
                  summary=_summary(current) if over else None, can_go_live=windows.can_go_live(window, now),
                  opens_at=window.start_at - GO_LIVE_EARLY, expires_at=link.expires_at, error=error,
                  stamp=stamp or presence.current_stamp(now), contact=_contact(window), minutes_left=minutes_left_text,
                  countdown_words=countdown_words)


class Host(HoursLink):
    """The person's live page; htmx asks again every 5 s with the stamp it was drawn at."""

    purpose = notify.HOST

    def get(self, link, token: str):
        stamp = presence.current_stamp(utcnow())  # lets due timers act first
        if wants_fragment() and (unchanged := unchanged_answer(stamp)) is not None:
            return unchanged
        return _host_page(link, token, stamp=stamp)


def _talking(window: HoursWindow):
    """The talk under way that the pressed button was drawn for (a stale page doesn't end the next one)."""
    talking = queue.state(window).talking
    if talking is None or request.form.get("entry") != str(talking.id):
        raise HoursError(_("That talk has already ended: the page now shows who is talking."))
    return talking


def _act(action: str, window: HoursWindow, now) -> str:
    """Do what the button says; what to tell the person."""
    person = window.staff
    if action == "live":
        windows.go_live(window, now, by=person)
        return _("You're live: candidates can join your queue now.")
    if window.status not in OPEN:
        raise HoursError(_("These office hours are over."))
    if action == "admit":
        entry = queue.admit_next(window, now, person)
        return (_("You're talking with %(name)s: the video link is on this page.", name=entry.candidate.user.name)
                if entry else _("Nobody is waiting right now."))
    if action in ("end", "no_show"):
        entry = _talking(window)
        queue.end_talk(entry, now, person, no_show=action == "no_show")
        name = entry.candidate.user.name
        return (_("Noted: %(name)s didn't come.", name=name) if action == "no_show"
                else _("Your talk with %(name)s has ended.", name=name))
    if action == "close":
        if request.form.get("confirm") != "yes":
            raise HoursError(_("Tick the box to confirm that you want to close your office hours now."), "confirm")
        waiting = queue.close_window(window, now, person)
        if not waiting:
            return _("Your office hours are closed; the rest of the time is free for conversations again.")
        return ngettext("Your office hours are closed; the rest of the time is free for conversations again. "
                        "The candidate still waiting has been told, kindly.",
                        "Your office hours are closed; the rest of the time is free for conversations again. "
                        "The %(num)d still waiting have been told, kindly.", waiting)
    queue.set_auto_admit(window, action == "auto_on", now, person)
    return (_("Automatic admission is on: the next candidate is let in as soon as a talk ends.")
            if action == "auto_on" else _("Automatic admission is off: you let each candidate in."))


class HostAction(HoursLink):
    """One button of the live page, at its own URL (POST only; a GET goes back to the page)."""

    purpose = notify.HOST

    def dispatch_request(self, token: str, action: str):
        self.action = action
        return super().dispatch_request(token)

    def get(self, link, token: str):
        return redirect(url_for("office_hours.host", token=token), 303)

    def post(self, link, token: str):
        form = EmptyForm()
        if not form.validate_on_submit():
            return _host_page(link, token, status=422, error=form_error(form))
        window = notify.window_for_token(link)
        try:
            notice = _act(self.action, window, utcnow())
        except HoursError as error:
            db.session.rollback()
            return _host_page(self.read(token), token, status=422, error=error.message)
        db.session.commit()
        flash(notice, "success")
        return redirect(url_for("office_hours.host", token=token), 303)


bp.add_url_rule("/office-hours/host/<token>", view_func=Host.as_view("host"))
bp.add_url_rule(f"/office-hours/host/<token>/<any({', '.join(ACTIONS)}):action>",
                view_func=HostAction.as_view("host_action"))
