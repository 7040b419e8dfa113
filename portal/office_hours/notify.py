"""Office hours e-mails and the person's links. Every function flushes (outbox rows), never commits,
and queues each mail once (deterministic dedupe keys).

- ``go_live_mail``: ten minutes before a window, the person gets a single-use "Go live" link
  (``GO_LIVE``; the GET shows a button, the POST goes live) — the worker sends it.
- ``host_link``: the person's live page for one window (``HOST``: works until the window is over,
  not used up, so the page can poll and act).
- ``queue_closed``: a candidate still waiting when the window ended is told kindly, with the next
  window and a way to ask for a scheduled conversation.
- ``watchers_told``: candidates who asked to hear when this person next goes live.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..auth.models import ActionToken
from ..auth.tokens import issue_token, link_rule
from ..candidates.models import Candidate
from ..extensions import db
from ..mail.services import queue_mail
from ..templating import absolute_url
from ..timeutil import utcnow
from .models import HoursEntry, HoursWatch, HoursWindow, WindowStatus

GO_LIVE = "hours_go_live"
HOST = "hours_host"
HOST_GRACE = timedelta(hours=1)  # the live page still shows the summary a while after the end


def window_for_token(token: ActionToken | None) -> HoursWindow | None:
    if token is None or token.subject_type != HoursWindow.__name__:
        return None
    return db.session.get(HoursWindow, token.subject_id)


@link_rule(GO_LIVE)
def go_live_link_problem(token: ActionToken) -> str | None:
    """A go-live link is its person's while the window exists, is theirs and hasn't ended or been
    called off (``closed``)."""
    window = window_for_token(token)
    if window is None or window.staff_id != token.user_id:
        return "moved"
    if window.status not in (WindowStatus.SCHEDULED, WindowStatus.LIVE):
        return "closed"
    return None


@link_rule(HOST)
def host_link_problem(token: ActionToken) -> str | None:
    """The live page is its person's while the window exists and is theirs (after the end it shows
    the summary until the link expires)."""
    window = window_for_token(token)
    if window is None or window.staff_id != token.user_id:
        return "moved"
    if window.status in (WindowStatus.CANCELLED, WindowStatus.SKIPPED):
        return "closed"
    return None


def host_link(window: HoursWindow) -> str:
    """A fresh link to the person's live page for ``window`` (raw token in the URL). Flushed."""
    raw, token = issue_token(HOST, window.end_at + HOST_GRACE - utcnow(), user=window.staff, subject=window)
    token.expires_at = window.end_at + HOST_GRACE
    db.session.flush()
    return absolute_url("office_hours.host", token=raw)


def go_live_mail(window: HoursWindow) -> None:
    """The "Go live" e-mail for a scheduled window (once per window)."""
    person = window.staff
    raw, token = issue_token(GO_LIVE, window.end_at - utcnow(), user=person, subject=window)
    token.expires_at = window.end_at
    db.session.flush()
    queue_mail("hours_go_live", person.email, f"hours_go_live:{window.id}", recipient=person, window=window,
               link=absolute_url("office_hours.go_live", token=raw))


def queue_closed(entry: HoursEntry, following: HoursWindow | None) -> None:
    """Tell a candidate still waiting that the window ended before their turn."""
    user = entry.candidate.user
    if user is None or not user.active:
        return
    queue_mail("hours_queue_closed", user.email, f"hours_queue_closed:{entry.id}", recipient=user,
               window=entry.window, person=entry.window.staff, following=following)


def watchers_told(window: HoursWindow) -> int:
    """E-mail everyone who asked to hear when this person next goes live, once; their wish is used up."""
    watches = list(db.session.scalars(sa.select(HoursWatch).where(HoursWatch.staff_id == window.staff_id)))
    told = 0
    for watch in watches:
        candidate = db.session.get(Candidate, watch.candidate_id)
        user = candidate.user if candidate else None
        if user is not None and user.active and candidate.in_offer_process:
            queue_mail("hours_live_now", user.email, f"hours_live_now:{window.id}:{candidate.id}", recipient=user,
                       window=window, person=window.staff)
            told += 1
        db.session.delete(watch)
    db.session.flush()
    return told
