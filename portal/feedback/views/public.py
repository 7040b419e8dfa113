"""The interviewer's e-mailed link: GET shows the form, only POST submits. No sign-in needed."""

from __future__ import annotations

from ...auth.emailed import EmailedLinkView
from ...extensions import db
from ...forms import show_error
from ...rendering import render
from .. import bp
from ..forms import FeedbackForm
from ..services import (
    FEEDBACK_LINK_LIFETIME,
    FeedbackError,
    feedback_for_token,
    feedback_link,
    submit_feedback,
)


def _contact(candidate, feedback):
    """The recruiter an interviewer can write to: the candidate's owner, else whoever asked."""
    if candidate is not None and candidate.owner is not None:
        return candidate.owner
    return feedback.requested_by if feedback is not None else None


def _form_page(form, feedback, token: str, status: int = 200):
    candidate = feedback.candidate
    return render("feedback/form.html", fragment="feedback_form", status=status, form=form, feedback=feedback,
                  candidate=candidate, token=token, contact=_contact(candidate, feedback))


class FeedbackFormPage(EmailedLinkView):
    """The feedback form for one interviewer and one candidate, prefilled with any earlier answer."""

    problem_template = "feedback/link_problem.html"

    def read(self, token: str):
        return feedback_link(token)

    def about(self, token) -> dict:
        feedback = feedback_for_token(token) if token is not None else None
        candidate = feedback.candidate if feedback is not None else None
        # problem_token: a double-clicked "Send" finds the link used by the first POST, which did save.
        return {"feedback": feedback, "candidate": candidate, "contact": _contact(candidate, feedback),
                "problem_token": token}

    def get(self, link, token: str):
        form = FeedbackForm()
        form.went_well.data, form.to_grow.data = link.feedback.went_well, link.feedback.to_grow
        return _form_page(form, link.feedback, token)

    def post(self, link, token: str):
        form = FeedbackForm()
        if form.validate_on_submit():
            try:
                submission = submit_feedback(token, form.went_well.data, form.to_grow.data)
            except FeedbackError as error:
                db.session.rollback()
                show_error(form, error, "went_well")
            else:
                db.session.commit()
                # Rendered, not redirected: the new link exists only in this answer (and is never mailed).
                return render("feedback/thanks.html", feedback=submission.feedback,
                              candidate=submission.feedback.candidate, edit_token=submission.edit_token,
                              days=FEEDBACK_LINK_LIFETIME.days)
        return _form_page(form, link.feedback, token, status=422)


bp.add_url_rule("/feedback/<token>", view_func=FeedbackFormPage.as_view("form"))
