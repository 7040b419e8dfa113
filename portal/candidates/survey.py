"""The exit survey a candidate who declined may be e-mailed: one optional question, no sign-in.

GET shows the question and changes nothing (mail scanners prefetch links); only POST saves the
answer and uses up the link. A used, expired, closed or tampered link gets a page saying so.
"""

from __future__ import annotations

from ..auth.emailed import EmailedLinkView
from ..extensions import db
from ..forms import show_error
from ..rendering import render
from . import bp
from .decisions import DecisionError
from .exit_survey import SURVEY_LIFETIME, answer_exit_survey, survey_expires_at, survey_for_token, survey_link
from .forms import SurveyForm


def _contact(candidate):
    """Whom the candidate can write to: their recruiter, if they still have an active one."""
    owner = candidate.owner if candidate is not None else None
    return owner if owner is not None and owner.active else None


def _form_page(form, link, token: str, status: int = 200):
    return render("candidates/survey.html", fragment="survey_form", status=status, form=form,
                  candidate=link.candidate, survey=link.survey, token=token, contact=_contact(link.candidate),
                  expires_at=survey_expires_at(link.survey), days=SURVEY_LIFETIME.days)


class ExitSurveyPage(EmailedLinkView):
    """What would have changed your mind? Shown by GET; answered by POST, once."""

    problem_template = "candidates/survey_problem.html"

    def read(self, token: str):
        return survey_link(token)

    def about(self, token) -> dict:
        survey = survey_for_token(token) if token is not None else None
        candidate = survey.candidate if survey is not None else None
        return {"survey": survey, "candidate": candidate, "contact": _contact(candidate)}

    def get(self, link, token: str):
        return _form_page(SurveyForm(), link, token)

    def post(self, link, token: str):
        form = SurveyForm()
        if form.validate_on_submit():
            try:
                survey = answer_exit_survey(token, form.answer.data)
            except DecisionError as error:
                db.session.rollback()
                show_error(form, error, "answer")
            else:
                candidate = survey.candidate
                db.session.commit()
                return render("candidates/survey_thanks.html", survey=survey, candidate=candidate,
                              contact=_contact(candidate))
        return _form_page(form, link, token, status=422)


bp.add_url_rule("/survey/<token>", view_func=ExitSurveyPage.as_view("exit_survey"))
