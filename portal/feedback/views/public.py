"""The interviewer's e-mailed link: GET shows the form, only POST submits. No sign-in needed."""

from __future__ import annotations

from flask import request

from ...extensions import db
from ...rendering import render
from ...security import TokenProblem, no_referrer
from .. import bp
from ..forms import FeedbackForm
from ..services import (FEEDBACK_LINK_LIFETIME, FeedbackError, feedback_candidate, feedback_for_token,
                        feedback_link, submit_feedback)


def _link_problem(problem: TokenProblem):
    """Why the link can't be used and what to do next; 404 for a link we never issued, else 410."""
    db.session.rollback()
    feedback = feedback_for_token(problem.token) if problem.token is not None else None
    candidate = feedback_candidate(feedback) if feedback is not None else None
    status = 404 if problem.reason == "invalid" else 410
    # A double-clicked "Send": the second POST finds the link used by the first, which did save.
    return render("feedback/link_problem.html", status=status, reason=problem.reason, feedback=feedback,
                  candidate=candidate, contact=_contact(candidate, feedback), problem_token=problem.token)


def _contact(candidate, feedback):
    """The recruiter an interviewer can write to: the candidate's owner, else whoever asked."""
    if candidate is not None and candidate.owner is not None:
        return candidate.owner
    return feedback.requested_by if feedback is not None else None


def _form_page(form, feedback, token: str, status: int = 200):
    candidate = feedback_candidate(feedback)
    return render("feedback/form.html", fragment="feedback_form", status=status, form=form, feedback=feedback,
                  candidate=candidate, token=token, contact=_contact(candidate, feedback))


@bp.route("/feedback/<token>", methods=["GET", "POST"], endpoint="form")
def feedback_form(token: str):
    """The feedback form for one interviewer and one candidate, prefilled with any earlier answer."""
    no_referrer()
    try:
        link = feedback_link(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    feedback = link.feedback
    form = FeedbackForm()
    if request.method != "POST":
        form.went_well.data, form.to_grow.data = feedback.went_well, feedback.to_grow
        return _form_page(form, feedback, token)
    if form.validate_on_submit():
        try:
            submission = submit_feedback(token, form.went_well.data, form.to_grow.data)
        except TokenProblem as problem:
            return _link_problem(problem)
        except FeedbackError as error:
            db.session.rollback()
            getattr(form, error.field or "went_well").errors = [str(error)]
        else:
            db.session.commit()
            # Rendered, not redirected: the new link exists only in this answer (and is never mailed).
            return render("feedback/thanks.html", feedback=submission.feedback,
                          candidate=feedback_candidate(submission.feedback), edit_token=submission.edit_token,
                          days=FEEDBACK_LINK_LIFETIME.days)
    return _form_page(form, feedback, token, status=422)
