"""Recruiters record what a candidate decided, correct it, or undo it.

With htmx these forms swap the decision block of the candidate's page in place (after a change
the stage in the heading and the timeline are swapped out of band too); without JavaScript the
browser goes back to the page (post/redirect/get with a flash), and a form that needs another
look is the whole page with a 422 (409 when someone else changed the decision first: nothing is
overwritten).
"""

from __future__ import annotations

from flask import flash, redirect, url_for

from ...extensions import db
from ...forms import show_error
from ...i18n import _
from ...rendering import wants_fragment
from ...security import me, recruiter_required
from .. import bp, decisions
from ..decisions import DecisionConflict, DecisionData, DecisionError
from ..forms import DecisionForm, UndoDecisionForm
from ..models import STAGES
from ..services import candidate_or_404
from .page import candidate_page


def _expected(stage) -> str | None:
    return stage if stage in STAGES else None


def _decision_done(candidate, message: str):
    if wants_fragment():
        return candidate_page(candidate, decision_notice=message, decision_oob=True)
    flash(message, "success")
    return redirect(url_for("candidates.show", candidate_id=candidate.id, _anchor="decision"))


@bp.post("/recruiter/candidates/<int:candidate_id>/decision", endpoint="record_decision")
@recruiter_required
def record_decision(candidate_id: int):
    """Record what the candidate decided, or correct it."""
    candidate = candidate_or_404(candidate_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return candidate_page(candidate, status=422, decision_form=form)
    data = DecisionData(outcome=form.outcome.data, decided_on=form.decided_on.data, reason=form.reason.data,
                        note=form.note.data, send_survey=bool(form.send_survey.data))
    try:
        result = decisions.record_decision(candidate, data, by=me(),
                                           expected_stage=_expected(form.current_stage.data))
    except DecisionConflict as conflict:
        db.session.rollback()
        form.current_stage.data = candidate.stage  # what is there now: sending it again is a deliberate choice
        return candidate_page(candidate, status=409, decision_form=form, decision_error=str(conflict))
    except DecisionError as error:
        db.session.rollback()
        show_error(form, error, "outcome")
        return candidate_page(candidate, status=422, decision_form=form)
    message = result.message()
    db.session.commit()
    return _decision_done(candidate, message)


@bp.post("/recruiter/candidates/<int:candidate_id>/decision/undo", endpoint="undo_decision")
@recruiter_required
def undo_decision(candidate_id: int):
    """Move the candidate back to the offer stage (the recorded decision is cleared)."""
    candidate = candidate_or_404(candidate_id)
    form = UndoDecisionForm()
    if not form.validate_on_submit():
        return candidate_page(candidate, status=422, undo_form=form,
                              decision_error=_("The form had expired. Nothing was changed; please try again."))
    try:
        previous = decisions.undo_decision(candidate, by=me(),
                                           expected_stage=_expected(form.current_stage.data))
    except DecisionConflict as conflict:
        db.session.rollback()
        return candidate_page(candidate, status=409, decision_error=str(conflict))
    name = candidate.user.name
    db.session.commit()
    message = _("%(name)s is back at the offer stage; the recorded decision was cleared.", name=name)
    if previous in decisions.ENDS_CONVERSATIONS:
        message += " " + _("Conversations that were called off stay cancelled; they can ask for new ones.")
    return _decision_done(candidate, message)
