"""Recruiters: each candidate's page (feedback, the message, their questions, the decision, the
timeline).

The decision section is the ``decision`` block of candidates/show.html: the decision views
(``decision.py``) answer an htmx form with that block alone through ``candidate_page``.
"""

from __future__ import annotations

from flask_login import current_user

from ...audit.services import record_view, timeline
from ...rendering import render, wants_fragment
from ...security import me, recruiter_required
from ...timeutil import to_zone, utcnow
from .. import bp, decisions, exit_survey
from ..forms import DecisionForm, UndoDecisionForm
from ..hooks import gather, page_sections
from ..models import DECLINE_REASONS
from ..services import candidate_or_404


@bp.get("/recruiter/candidates/<int:candidate_id>")
@recruiter_required
def show(candidate_id: int):
    """One candidate: feedback, the message, their questions (private ones without text), the decision,
    the timeline."""
    candidate = candidate_or_404(candidate_id)
    # Who looked at whose data is part of the audit trail (once per half hour per viewer); reloaded
    # after the audit commit (nothing is committed, and nothing needs reloading, when no event is due).
    if not wants_fragment() and record_view(candidate, me()):
        candidate = candidate_or_404(candidate_id)
    return candidate_page(candidate)


def candidate_page(candidate, status: int = 200, **decision):
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
    today = decisions.today_in(zone)
    survey = exit_survey.existing_survey(candidate)
    if decision_form is None:
        decision_form = DecisionForm(formdata=None)
        if candidate.stage != "offer":
            decision_form.outcome.data = candidate.stage
            decision_form.reason.data = candidate.decline_reason or ""
            decision_form.note.data = candidate.decision_note or ""
            decision_form.decided_on.data = (to_zone(candidate.decided_at, zone).date() if candidate.decided_at
                                             else today)
        else:
            decision_form.decided_on.data = today
        decision_form.current_stage.data = candidate.stage
    if undo_form is None:
        undo_form = UndoDecisionForm(formdata=None)
        undo_form.current_stage.data = candidate.stage
    return {
        "candidate": candidate,
        "decision_form": decision_form,
        "undo_form": undo_form,
        "decision_today": today,
        "decision_first_day": decisions.offer_day(candidate, zone),
        "decline_reasons": DECLINE_REASONS,
        "exit_survey": survey,
        "survey_expires_at": exit_survey.survey_expires_at(survey) if survey is not None else None,
        **extra,
    }
