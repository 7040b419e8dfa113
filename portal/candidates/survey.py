"""The exit survey a candidate who declined may be e-mailed: one optional question, no sign-in.

GET shows the question and changes nothing (mail scanners prefetch links); only POST saves the
answer and uses up the link. A used, expired, closed or tampered link gets a page saying so.
"""

from __future__ import annotations

from flask import request

from ..extensions import db
from ..rendering import render
from ..security import TokenProblem, no_referrer
from . import bp
from .decisions import DecisionError
from .exit_survey import SURVEY_LIFETIME, answer_exit_survey, survey_expires_at, survey_for_token, survey_link
from .forms import SurveyForm


def _contact(candidate):
    """Whom the candidate can write to: their recruiter, if they still have an active one."""
    owner = candidate.owner if candidate is not None else None
    return owner if owner is not None and owner.active else None


def _link_problem(problem: TokenProblem):
    """Why the link can't be used and what to do next; 404 for a link we never issued, else 410."""
    db.session.rollback()
    survey = survey_for_token(problem.token) if problem.token is not None else None
    candidate = survey.candidate if survey is not None else None
    status = 404 if problem.reason == "invalid" else 410
    return render("candidates/survey_problem.html", status=status, reason=problem.reason, survey=survey,
                  candidate=candidate, contact=_contact(candidate))


def _form_page(form, link, token: str, status: int = 200):
    return render("candidates/survey.html", fragment="survey_form", status=status, form=form,
                  candidate=link.candidate, survey=link.survey, token=token, contact=_contact(link.candidate),
                  expires_at=survey_expires_at(link.survey), days=SURVEY_LIFETIME.days)


@bp.route("/survey/<token>", methods=["GET", "POST"], endpoint="exit_survey")
def exit_survey(token: str):
    """What would have changed your mind? Shown by GET; answered by POST, once."""
    no_referrer()
    try:
        link = survey_link(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    form = SurveyForm()
    if request.method != "POST":
        return _form_page(form, link, token)
    if form.validate_on_submit():
        try:
            survey = answer_exit_survey(token, form.answer.data)
        except TokenProblem as problem:
            return _link_problem(problem)
        except DecisionError as error:
            db.session.rollback()
            form.answer.errors = [str(error)]
        else:
            candidate = survey.candidate
            db.session.commit()
            return render("candidates/survey_thanks.html", survey=survey, candidate=candidate,
                          contact=_contact(candidate))
    return _form_page(form, link, token, status=422)
