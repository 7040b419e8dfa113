"""Recruiters: the candidate list, adding a candidate, each candidate's page and their decision.

The decision section of the candidate's page is the ``decision`` block of candidates/show.html.
With htmx its forms swap that block in place (after a change the stage in the heading and the
timeline are swapped out of band too); without JavaScript the browser goes back to the page
(post/redirect/get with a flash), and a form that needs another look is the whole page with a
422 (409 when someone else changed the decision first: nothing is overwritten).
"""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..audit.services import record_view, timeline
from ..extensions import db
from ..rendering import render, wants_fragment
from ..security import parse_id, role_required
from ..timeutil import to_zone, utcnow
from . import bp, decisions, exit_survey
from .hooks import gather, page_sections
from .decisions import DecisionConflict, DecisionData, DecisionError
from .forms import CandidateFilterForm, CandidateForm, DecisionForm, UndoDecisionForm
from .models import DECLINE_REASONS, STAGES
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


def me():
    """The signed-in user itself, not the request-local proxy, for rows and audit events."""
    return current_user._get_current_object()


def candidate_or_404(candidate_id: int):
    candidate = get_candidate(candidate_id)
    if candidate is None:
        abort(404)
    return candidate


@bp.get("/recruiter/candidates/<int:candidate_id>")
@role_required(*RECRUITERS)
def show(candidate_id: int):
    """One candidate: feedback, the message, their questions (private ones without text), the decision,
    the timeline."""
    candidate = candidate_or_404(candidate_id)
    if not wants_fragment():
        # Who looked at whose data is part of the audit trail (once per half hour per viewer).
        record_view(candidate, current_user._get_current_object())
        candidate = candidate_or_404(candidate_id)  # reloaded after the audit commit
    return _page(candidate)


def _page(candidate, status: int = 200, **decision):
    """The whole candidate page (the decision block alone for htmx)."""
    context = _decision_context(candidate, **decision)
    if not wants_fragment():
        context.update(
            gather(page_sections, candidate),  # feedback, questions (features above candidates)
            events=timeline(candidate.id),
            candidate_now=to_zone(utcnow(), candidate.user.timezone),
        )
    elif decision.get("decision_oob"):
        context["events"] = timeline(candidate.id)
    return render("candidates/show.html", fragment="decision", status=status, **context)


def _decision_context(candidate, decision_form=None, undo_form=None, **extra) -> dict:
    zone = current_user.timezone
    survey = exit_survey.existing_survey(candidate)
    if decision_form is None:
        decision_form = DecisionForm(formdata=None)
        if candidate.stage != "offer":
            decision_form.outcome.data = candidate.stage
            decision_form.reason.data = candidate.decline_reason or ""
            decision_form.note.data = candidate.decision_note or ""
            decision_form.decided_on.data = (to_zone(candidate.decided_at, zone).date() if candidate.decided_at
                                             else decisions.today_in(zone))
        else:
            decision_form.decided_on.data = decisions.today_in(zone)
        decision_form.current_stage.data = candidate.stage
    if undo_form is None:
        undo_form = UndoDecisionForm(formdata=None)
        undo_form.current_stage.data = candidate.stage
    return {
        "candidate": candidate,
        "decision_form": decision_form,
        "undo_form": undo_form,
        "decision_today": decisions.today_in(zone),
        "decision_first_day": decisions.offer_day(candidate, zone),
        "decline_reasons": DECLINE_REASONS,
        "exit_survey": survey,
        "survey_expires_at": exit_survey.survey_expires_at(survey) if survey is not None else None,
        **extra,
    }


def _expected(stage) -> str | None:
    return stage if stage in STAGES else None


def _decision_done(candidate, message: str):
    if wants_fragment():
        return _page(candidate, decision_notice=message, decision_oob=True)
    flash(message, "success")
    return redirect(url_for("candidates.show", candidate_id=candidate.id, _anchor="decision"))


@bp.post("/recruiter/candidates/<int:candidate_id>/decision", endpoint="record_decision")
@role_required(*RECRUITERS)
def record_decision(candidate_id: int):
    """Record what the candidate decided, or correct it."""
    candidate = candidate_or_404(candidate_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(candidate, status=422, decision_form=form)
    data = DecisionData(outcome=form.outcome.data, decided_on=form.decided_on.data, reason=form.reason.data,
                        note=form.note.data, send_survey=bool(form.send_survey.data))
    try:
        result = decisions.record_decision(candidate, data, by=me(),
                                           expected_stage=_expected(form.current_stage.data))
    except DecisionConflict as conflict:
        db.session.rollback()
        form.current_stage.data = candidate.stage  # what is there now: sending it again is a deliberate choice
        return _page(candidate, status=409, decision_form=form, decision_error=str(conflict))
    except DecisionError as error:
        db.session.rollback()
        getattr(form, error.field or "outcome").errors = [str(error)]
        return _page(candidate, status=422, decision_form=form)
    message = result.message()
    db.session.commit()
    return _decision_done(candidate, message)


@bp.post("/recruiter/candidates/<int:candidate_id>/decision/undo", endpoint="undo_decision")
@role_required(*RECRUITERS)
def undo_decision(candidate_id: int):
    """Move the candidate back to the offer stage (the recorded decision is cleared)."""
    candidate = candidate_or_404(candidate_id)
    form = UndoDecisionForm()
    if not form.validate_on_submit():
        return _page(candidate, status=422, undo_form=form,
                     decision_error="The form had expired. Nothing was changed; please try again.")
    try:
        previous = decisions.undo_decision(candidate, by=me(),
                                           expected_stage=_expected(form.current_stage.data))
    except DecisionConflict as conflict:
        db.session.rollback()
        return _page(candidate, status=409, decision_error=str(conflict))
    name = candidate.user.name
    db.session.commit()
    message = f"{name} is back at the offer stage; the recorded decision was cleared."
    if previous in decisions.ENDS_CONVERSATIONS:
        message += " Conversations that were called off stay cancelled; they can ask for new ones."
    return _decision_done(candidate, message)


from . import survey  # noqa: E402,F401  (the candidate's public exit-survey page)
