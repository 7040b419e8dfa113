"""The candidate's Prepare page for one of their conversations: /meetings/<id>/prepare.

GET shows the time in both zones with a countdown, how to join, the person, the questions (with
suggestions one click away) and the checklist with the device check; the page may use the camera
and microphone (``allow_media_capture``), no other page may. Every change is a plain form POST
first (post/redirect/get); with htmx it answers with the refreshed checklist or questions block.
Another candidate's conversation is a 404, whatever the method; one that isn't coming up (not
confirmed, or over) gets a page that says so.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth.emailed import form_error
from ..extensions import db
from ..meetings.requests import get_meeting
from ..questions.bank import BANK_BY_KEY
from ..questions.services import candidate_questions
from ..rendering import hx_redirect, render, wants_fragment
from ..security import allow_media_capture, role_required
from ..timeutil import utcnow
from . import bp
from . import services
from .forms import ChecklistForm


def _meeting_or_404(meeting_id: int):
    candidacy = current_user.candidacy
    meeting = get_meeting(candidacy, meeting_id) if candidacy is not None else None
    if meeting is None:
        abort(404)
    return meeting


def _page(meeting, *, fragment: str | None = None, status: int = 200, notice: str | None = None,
          error: str | None = None, question_notice: str | None = None):
    now = utcnow()
    if not services.can_prepare(meeting, now):
        return render("prepare/closed.html", meeting=meeting, person=meeting.staff,
                      over=services.is_over(meeting, now), zone=meeting.candidate.user.timezone)
    prep = services.prep_of(meeting)
    own = candidate_questions(meeting.candidate)  # one query for both lists below
    agenda, directed = services.questions_for(meeting, own)
    return render(
        "prepare/show.html", fragment=fragment, status=status, meeting=meeting, person=meeting.staff,
        talk=meeting.format == "office_hours", first=meeting.staff.first_name,
        profile=meeting.staff.profile, candidacy=meeting.candidate, zone=meeting.candidate.user.timezone,
        now=now, countdown=services.countdown(meeting.start_at, meeting.end_at, now),
        items=services.items(meeting), prep=prep, progress=services.progress(meeting, prep),
        form=ChecklistForm(formdata=None, obj=prep), device=services.device_check(meeting),
        agenda=agenda, directed=directed, suggestions=services.suggestions(meeting, own),
        notice=notice, error=error, question_notice=question_notice)


def _gone(meeting, problem: services.PrepareError):
    """The conversation stopped coming up while the page was open: the page says so."""
    db.session.rollback()
    target = url_for("prepare.show", meeting_id=meeting.id)
    if wants_fragment():
        return hx_redirect(target)
    flash(str(problem), "error")
    return redirect(target, 303)


@bp.get("/meetings/<int:meeting_id>/prepare")
@role_required("candidate")
def show(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if services.can_prepare(meeting, utcnow()) and services.device_check(meeting):
        allow_media_capture()
    return _page(meeting)


@bp.post("/meetings/<int:meeting_id>/prepare/checklist")
@role_required("candidate")
def checklist(meeting_id: int):
    """Save the ticked boxes; htmx gets the checklist block back, saying how many are ready."""
    meeting = _meeting_or_404(meeting_id)
    form = ChecklistForm()
    if not form.validate_on_submit():
        expired = "csrf_token" in form and form_error(form)
        return _page(meeting, fragment="checklist", status=422,
                     error=expired or "That wasn't saved: tick the boxes on the page and save again.")
    try:
        prep = services.save_checklist(meeting, form.ticked(), utcnow())
    except services.PrepareError as problem:
        return _gone(meeting, problem)
    db.session.commit()
    message = f"Saved: {services.progress(meeting, prep).label}."
    if wants_fragment():
        return _page(meeting, fragment="checklist", notice=message)
    flash(message, "success")
    return redirect(url_for("prepare.show", meeting_id=meeting.id) + "#checklist", 303)


@bp.post("/meetings/<int:meeting_id>/prepare/questions/<key>")
@role_required("candidate")
def add_question(meeting_id: int, key: str):
    """One suggested question onto the candidate's list, for this person and this conversation."""
    meeting = _meeting_or_404(meeting_id)
    if key not in BANK_BY_KEY:
        abort(404)
    first = meeting.staff.first_name
    try:
        _, created = services.add_suggestion(meeting, key, utcnow())
        db.session.commit()
    except services.PrepareError as problem:
        return _gone(meeting, problem)
    except IntegrityError:  # the same click arrived twice at once: the other one added it
        db.session.rollback()
        created = False
    message = (f"Added to your questions and to this conversation: {first} will see it." if created
               else "That question is already on your list.")
    if wants_fragment():
        return _page(meeting, fragment="questions", question_notice=message)
    flash(message, "success")
    return redirect(url_for("prepare.show", meeting_id=meeting.id) + "#questions", 303)
