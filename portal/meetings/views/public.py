"""The person's e-mailed links: GET shows the request and one button, only POST acts. No sign-in.

/invite/<token>  accept (choose a time), decline (optional reason) or propose another time;
/invite/manage/<token>  the person's standing link from the confirmation: cancel (before the
                 cut-off) or report that the candidate didn't come (after the start);
/answer/<token>  answer questions in writing.
Link scanners prefetch GETs (and HEADs), so those only read. Every answer sends no Referer.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from ...extensions import db
from ...forms import EmptyForm, in_reach
from ...rendering import render
from ...security import TokenProblem, no_referrer
from ...timeutil import day_bounds, to_zone, utcnow
from .. import bp
from ..calendar import agenda_questions, meeting_candidate, shown_text
from ..forms import parse_slot
from ..invitations import (MAX_ANSWER, MAX_TEXT, InviteError, accept_invitation, answer_link, decline_invitation,
                           free_slots, invitation_link, manage_link, meeting_for_token, person_cancel,
                           person_move_options, person_no_show, person_reschedule, propose_time,
                           submit_written_answers, token_candidate, too_late_to_cancel)
from ..models import Meeting
from ..notify import invitation_expires_at, recruiters_for
from ..requests import MAX_REASON, can_cancel, change_deadline, has_started
from ..states import SlotTaken, TransitionRefused


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AcceptForm(FlaskForm):
    slot = RadioField("Choose a time", coerce=int, validate_choice=False)


class DeclineForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", filters=[_strip], render_kw={"rows": 4},
                           validators=[Length(max=MAX_TEXT, message=f"Keep it under {MAX_TEXT:,} characters.")])


class ProposeForm(FlaskForm):
    proposal = TextAreaField("When would suit you?", filters=[_strip], render_kw={"rows": 4},
                             validators=[Length(max=MAX_TEXT, message=f"Keep it under {MAX_TEXT:,} characters.")])
    when = DateTimeLocalField("A date and time (optional)", format="%Y-%m-%dT%H:%M", validators=[Optional(), in_reach])


class ManageCancelForm(FlaskForm):
    reason = TextAreaField("Why are you cancelling?", filters=[_strip],
                           render_kw={"rows": 3, "maxlength": MAX_REASON},
                           validators=[Length(max=MAX_REASON, message=f"Keep it under {MAX_REASON:,} characters.")])


FORMS = {"accept": AcceptForm, "decline": DeclineForm, "propose": ProposeForm}


def _link_problem(problem: TokenProblem, template: str = "meetings/invite_problem.html"):
    """Why the link can't be used and who to write to; 404 for a link we never issued, else 410."""
    db.session.rollback()
    candidate = token_candidate(problem.token)
    recruiters = recruiters_for(candidate) if candidate is not None else []
    status = 404 if problem.reason == "invalid" else 410
    return render(template, status=status, reason=problem.reason, meeting=meeting_for_token(problem.token),
                  candidate=candidate, contact=recruiters[0] if recruiters else None)


def _candidate_day(candidate, person) -> tuple:
    """The candidate's hours today (their calendar) as the person's clock reads them."""
    user = candidate.user
    return tuple(to_zone(t, person.timezone)
                 for t in day_bounds(user.hours, user.timezone, to_zone(utcnow(), user.timezone).date()))


def _invite_page(link, form, token: str, status: int = 200, taken: bool = False, error: str | None = None):
    meeting = link.meeting
    candidate = meeting_candidate(meeting)
    return render("meetings/invite.html", fragment="invite_form", status=status, action=link.action, form=form,
                  token=token, meeting=meeting, person=meeting.staff, candidate=candidate,
                  candidate_day=_candidate_day(candidate, meeting.staff) if link.action == "propose" else None,
                  agenda=[shown_text(q) for q in agenda_questions(meeting)], slots=free_slots(meeting),
                  taken=taken, error=error, expires_at=invitation_expires_at(meeting))


def _act(link, form, token: str):
    if link.action == "accept":
        accepted = accept_invitation(token, form.slot.data)
        return accepted.answer_token
    if link.action == "decline":
        decline_invitation(token, form.reason.data)
    else:
        propose_time(token, form.proposal.data, form.when.data)
    return None


@bp.route("/invite/<token>", methods=["GET", "POST"], endpoint="invite")
def invite(token: str):
    """One invitation link: what it will do, and a button that does it."""
    no_referrer()
    try:
        link = invitation_link(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    form = FORMS[link.action]()
    if request.method != "POST":
        return _invite_page(link, form, token)
    error = None
    if form.validate_on_submit():
        meeting_id = link.meeting.id
        try:
            answer_token = _act(link, form, token)
        except TokenProblem as problem:
            return _link_problem(problem)
        except SlotTaken:
            db.session.rollback()  # nothing changed: the link still works for another time
            return _invite_page(invitation_link(token), AcceptForm(formdata=None), token, status=409, taken=True)
        except InviteError as problem:
            db.session.rollback()
            link = invitation_link(token)
            field = getattr(form, problem.field, None) if problem.field else None
            if field is None:
                error = str(problem)
            else:
                field.errors = [str(problem)]
        else:
            db.session.commit()
            if answer_token:
                return redirect(url_for("meetings.answer", token=answer_token))
            meeting = db.session.get(Meeting, meeting_id)
            return render("meetings/invite_done.html", action=link.action, meeting=meeting, person=meeting.staff,
                          candidate=meeting_candidate(meeting))
    elif form.csrf_token.errors:
        error = "This form has expired. Reload the page and try again."
    return _invite_page(link, form, token, status=422, error=error)


# --- the person's manage link -----------------------------------------------------------------


def _manage_page(link, token: str, *, status: int = 200, notice: str | None = None, error: str | None = None,
                 cancel_form=None, done: bool = False):
    meeting, now = link.meeting, utcnow()
    candidate = meeting_candidate(meeting)
    recruiters = recruiters_for(candidate)
    return render("meetings/manage.html", status=status, token=token, meeting=meeting, person=link.person,
                  candidate=candidate, contact=recruiters[0] if recruiters else None, notice=notice, error=error,
                  done=done, can_cancel=meeting.status == "confirmed" and can_cancel(meeting, now),
                  has_started=has_started(meeting, now), change_deadline=change_deadline(meeting),
                  too_late=too_late_to_cancel(), cancel_form=cancel_form or ManageCancelForm(formdata=None),
                  action_form=EmptyForm(formdata=None), expires_at=link.token.expires_at,
                  move_options=person_move_options(meeting, now) if meeting.status == "confirmed"
                  and can_cancel(meeting, now) else [])


@bp.route("/invite/manage/<token>", methods=["GET", "POST"], endpoint="manage")
def manage(token: str):
    """The person's standing link: what's booked, and (depending on time) cancel or report a no-show."""
    no_referrer()
    try:
        link = manage_link(token)
    except TokenProblem as problem:
        return _link_problem(problem, "meetings/manage_problem.html")
    if request.method != "POST":
        return _manage_page(link, token)
    action = request.form.get("action")
    form = ManageCancelForm() if action == "cancel" else EmptyForm()
    if action not in ("cancel", "no_show", "move"):
        return _manage_page(link, token, status=400, error="Something went wrong. Reload the page and try again.")
    if not form.validate_on_submit():
        error = "This form has expired. Reload the page and try again." if form.csrf_token.errors else None
        return _manage_page(link, token, status=422, error=error, cancel_form=form if action == "cancel" else None)
    first = meeting_candidate(link.meeting).user.first_name
    try:
        if action == "cancel":
            person_cancel(token, form.reason.data, utcnow())
            notice = f"Cancelled. {first} has been told, and the calendar entry is withdrawn for both of you."
        elif action == "move":
            person_reschedule(token, parse_slot(request.form.get("start")), utcnow())
            notice = f"Moved. {first} has been told, and you both get an updated calendar entry."
        else:
            person_no_show(token, utcnow())
            notice = "Thanks for telling us. The recruiter will follow up."
    except TokenProblem as problem:
        return _link_problem(problem, "meetings/manage_problem.html")
    except (InviteError, TransitionRefused) as problem:
        db.session.rollback()
        link = manage_link(token)
        field = getattr(form, problem.field, None) if getattr(problem, "field", None) else None
        if field is not None:
            field.errors = [str(problem)]
            return _manage_page(link, token, status=422, cancel_form=form)
        if action == "move" and getattr(problem, "field", None) == "start":  # a bad or taken time
            return _manage_page(link, token, status=422, error=str(problem))
        return _manage_page(link, token, status=409, error=f"{problem} Nothing was changed."
                            if isinstance(problem, TransitionRefused) else str(problem))
    db.session.commit()
    return _manage_page(manage_link(token), token, notice=notice, done=True)


# --- written answers ----------------------------------------------------------------------------


def _answer_page(link, token: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render("meetings/answer.html", fragment="answer_form", status=status, token=token, link=link,
                  form=EmptyForm(), errors=errors or {}, values=values or {},
                  open_questions=[q for q in link.questions if not q.is_answered],
                  done_questions=[q for q in link.questions if q.is_answered], max_answer=MAX_ANSWER)


@bp.route("/answer/<token>", methods=["GET", "POST"], endpoint="answer")
def answer(token: str):
    """Answer the candidate's questions in writing: one text box per open question."""
    no_referrer()
    try:
        link = answer_link(token)
    except TokenProblem as problem:
        return _link_problem(problem, "meetings/answer_problem.html")
    if request.method != "POST":
        return _answer_page(link, token)
    form = EmptyForm()
    values = {q.id: request.form.get(f"answer-{q.id}", "") for q in link.questions}
    if form.validate_on_submit():
        try:
            answered = submit_written_answers(token, values)
        except TokenProblem as problem:
            return _link_problem(problem, "meetings/answer_problem.html")
        except InviteError as error:
            db.session.rollback()
            return _answer_page(answer_link(token), token, {error.field: str(error)}, values, status=422)
        db.session.commit()
        return render("meetings/answer_done.html", person=link.person, candidate=link.candidate,
                      answered=answered)
    return _answer_page(link, token, {"form": "This form has expired. Reload the page and try again."}, values,
                        status=422)
