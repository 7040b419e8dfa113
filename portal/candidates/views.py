"""Recruiters: the candidate list, adding a candidate, and each candidate's page."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..audit.services import timeline
from ..extensions import db
from ..feedback.services import feedback_overview
from ..questions.services import question_progress, questions_for_recruiter
from ..rendering import render
from ..security import parse_id, role_required
from ..timeutil import to_zone, utcnow
from . import bp
from .forms import CandidateFilterForm, CandidateForm
from .services import CandidateError, create_candidate, get_candidate, list_candidates, positions, recruiters

RECRUITERS = ("recruiter", "admin")


@bp.get("/recruiter/candidates")
@role_required(*RECRUITERS)
def index():
    """Everyone at (or past) the offer stage, with where each one is in the process."""
    form = CandidateFilterForm(request.args)
    all_positions = positions()
    form.position.choices = [SelectChoice("", "All positions")] + [
        SelectChoice(str(p.id), f"{p.title} · {p.team}" if p.team else p.title) for p in all_positions]
    position_id = parse_id(request.args.get("position"))
    rows = list_candidates(form.stage.data or "", position_id, (form.q.data or "")[:100])
    return render("candidates/index.html", fragment="candidate_list", form=form, rows=rows,
                  filtered=bool(form.q.data or form.stage.data or position_id))


def _form(formdata=None):
    return CandidateForm(formdata, positions=positions(), recruiters=recruiters())


@bp.route("/recruiter/candidates/new", methods=["GET", "POST"])
@role_required(*RECRUITERS)
def new():
    form = _form(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
        form.timezone.data = current_user.timezone
        return render("candidates/new.html", form=form)
    if form.validate_on_submit():
        data = dict(form.data)
        if data["decision_deadline"] is not None:
            # The form's wall-clock time is the candidate's; store the instant in UTC.
            local = data["decision_deadline"].replace(tzinfo=ZoneInfo(data["timezone"]))
            now = utcnow()
            problem = None
            if local <= now:
                problem = "The deadline must be in the future."
            elif local > now + timedelta(days=366):
                problem = "Choose a deadline within a year."
            if problem:
                form.decision_deadline.errors = [problem]
                return render("candidates/new.html", form=form, status=422)
            data["decision_deadline"] = local.astimezone(UTC)
        try:
            candidate = create_candidate(data, by=current_user)
        except CandidateError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{candidate.user.name} is at the offer stage. Next: ask the interviewers for feedback.", "success")
            return redirect(url_for("candidates.show", candidate_id=candidate.id))
    return render("candidates/new.html", form=form, status=422)


@bp.get("/recruiter/candidates/<int:candidate_id>")
@role_required(*RECRUITERS)
def show(candidate_id: int):
    """One candidate: feedback, the message, their questions (private ones without text), the timeline."""
    candidate = get_candidate(candidate_id)
    if candidate is None:
        abort(404)
    answered, total = question_progress(candidate)
    return render(
        "candidates/show.html",
        candidate=candidate,
        feedback_overview=feedback_overview(candidate),
        questions=questions_for_recruiter(candidate),
        answered=answered,
        total=total,
        events=timeline(candidate.id),
        candidate_now=to_zone(utcnow(), candidate.user.timezone),
    )
