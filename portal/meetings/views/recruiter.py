"""The approval queue at /recruiter/requests: approve, reject with a reason, or redirect.

With htmx each action swaps the refreshed queue section in place (and the section polls every
30 s, so requests handled elsewhere disappear: the poll carries the section's stamp, ``queue_stamp``,
and gets a 204 without anything being loaded or drawn while nothing it shows changed; ``polling``);
without JavaScript the browser comes back to the queue page (post/redirect/get), and a decision that
needs another look is shown with a 422.
When someone else acted first (TransitionRefused), nothing changes and the queue says so.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from ...extensions import db
from ...i18n import _, _l
from ...polling import unchanged_answer, with_stamp
from ...rendering import render, wants_fragment
from ...security import me, recruiter_required
from ...timeutil import utcnow
from .. import bp
from ..models import Meeting, status_word
from ...people.picker import PickProblem, picker, small_list
from ..queue import (SCOPE, QueueError, approval_queue, approve_request, find_choice, get_meeting, redirect_choices,
                     redirect_request, reject_request)
from ..queue_stamp import queue_stamp
from ..states import TransitionRefused


def meeting_or_404(meeting_id: int) -> Meeting:
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _queue(status: int = 200, notice: str | None = None, error: str | None = None, errors: dict | None = None,
           values: dict | None = None, offered: dict | None = None, stamp: str | None = None):
    """The queue: just the section for htmx, the whole page otherwise. Each request's "pass it to"
    field is a person picker: a <select> in a small company, a search box in a large one. The
    section carries its stamp (its poll's ``?since=``, and the ETag of the fragment)."""
    stamp = stamp or queue_stamp(SCOPE, me(), utcnow())
    rows = approval_queue()
    people = small_list(SCOPE) if rows else None
    errors, values, offered = errors or {}, values or {}, offered or {}
    pickers = {
        row.meeting.id: picker("person", SCOPE, id=f"person-{row.meeting.id}",
                               people=redirect_choices(row.meeting, people),
                               text=values.get(row.meeting.id, {}).get("person"), empty=_("Choose a person"),
                               offered=offered.get(row.meeting.id, []),
                               error=errors.get(row.meeting.id, {}).get("person"))
        for row in rows
    }
    response = render("meetings/queue.html", fragment="queue", status=status, rows=rows, pickers=pickers,
                      notice=notice, error=error, errors=errors, values=values, stamp=stamp)
    return with_stamp(response, stamp) if wants_fragment() and status == 200 and not notice else response


def _done(message: str):
    if wants_fragment():
        return _queue(notice=message)
    flash(message, "success")
    return redirect(url_for("meetings.queue"))


NOW = {"invited": _l("approved and with the person"), "rejected": _l("rejected"),
       "cancelled": _l("withdrawn by the candidate")}


def _refused(meeting: Meeting):
    db.session.rollback()
    status = db.session.get(Meeting, meeting.id).status
    message = _("Someone else got to this request first, so nothing was changed: it is now %(status)s.",
                status=NOW.get(status) or status_word(status))
    if wants_fragment():
        return _queue(status=409, error=message)
    flash(message, "error")
    return redirect(url_for("meetings.queue"))


def _needs_another_look(meeting: Meeting, problem: QueueError | PickProblem):
    db.session.rollback()
    values = {meeting.id: {key: request.form.get(key, "") for key in ("reason", "person")}}
    field = "person" if isinstance(problem, PickProblem) else problem.field
    offered = {meeting.id: problem.matches} if isinstance(problem, PickProblem) else {}
    return _queue(status=422, errors={meeting.id: {field: str(problem)}}, values=values, offered=offered)


@bp.get("/recruiter/requests", endpoint="queue")
@recruiter_required
def queue():
    """Requests waiting for a recruiter, oldest first; to the section's poll, 204 (or 304) while
    nothing it shows has changed."""
    stamp = queue_stamp(SCOPE, me(), utcnow())
    if wants_fragment() and (unchanged := unchanged_answer(stamp)) is not None:
        return unchanged
    return _queue(stamp=stamp)


@bp.post("/recruiter/requests/<int:meeting_id>/approve", endpoint="approve")
@recruiter_required
def approve(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    return _decide(meeting, lambda: approve_request(meeting, by=me()),
                   lambda: _("Approved. %(name)s has been sent the request by e-mail.", name=meeting.staff.name))


@bp.post("/recruiter/requests/<int:meeting_id>/reject", endpoint="reject")
@recruiter_required
def reject(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    return _decide(meeting, lambda: reject_request(meeting, request.form.get("reason"), by=me()),
                   lambda: _("Rejected. The candidate has been told, with your reason."))


@bp.post("/recruiter/requests/<int:meeting_id>/redirect", endpoint="redirect")
@recruiter_required
def redirect_to_person(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    raw = request.form.get("person", "")
    return _decide(meeting, lambda: redirect_request(meeting, find_choice(raw), by=me()),
                   lambda: _("Passed on. %(name)s has been sent the request, and the candidate has been told.",
                             name=meeting.staff.name))


def _decide(meeting, decision, done):
    """Make the recruiter's ``decision`` on a request, commit, and say what happened (``done()``, after
    the change: a redirected request names its new person); or explain why it could not be made."""
    try:
        decision()
    except TransitionRefused:
        return _refused(meeting)
    except (QueueError, PickProblem) as problem:
        return _needs_another_look(meeting, problem)
    db.session.commit()
    return _done(done())
