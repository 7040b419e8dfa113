"""The optional exit survey a candidate who declined may be e-mailed.

Sent at most once per candidate, ever: one ``ExitSurvey`` row (unique per candidate), one
single-use link (purpose ``exit_survey``, 30 days), one mail (dedupe key). Services flush, never
commit, and raise ``DecisionError`` for an answer that needs another look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_decimal
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..extensions import db
from ..i18n import _, ngettext
from ..mail.services import queue_mail
from ..auth.tokens import TokenProblem, consume_token, find_token, issue_token, link_rule
from ..templating import absolute_url
from ..timeutil import utcnow
from .decisions import DecisionError
from .models import Candidate, ExitSurvey

MAX_SURVEY_ANSWER = 4000
SURVEY_PURPOSE = "exit_survey"
SURVEY_LIFETIME = timedelta(days=30)


def existing_survey(candidate: Candidate) -> ExitSurvey | None:
    return db.session.scalar(sa.select(ExitSurvey).where(ExitSurvey.candidate_id == candidate.id))


def survey_expires_at(survey: ExitSurvey) -> datetime:
    return survey.sent_at + SURVEY_LIFETIME


def send_exit_survey(candidate: Candidate, *, by, now: datetime | None = None) -> ExitSurvey | None:
    """Create the survey and mail the candidate its link; None if they were ever sent one."""
    now = now or utcnow()
    if existing_survey(candidate) is not None:
        return None
    survey = ExitSurvey(candidate_id=candidate.id, sent_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(survey)
    except IntegrityError:  # sent by a concurrent request a moment ago
        return None
    db.session.expire(candidate, ["exit_survey"])
    raw, token = issue_token(SURVEY_PURPOSE, SURVEY_LIFETIME, user=candidate.user, subject=survey)
    token.expires_at = survey_expires_at(survey)
    db.session.flush()
    contact = candidate.owner if candidate.owner is not None and candidate.owner.active else by
    queue_mail("exit_survey", to=candidate.user.email, dedupe_key=f"exit_survey:{candidate.id}",
               candidate=candidate, contact=contact, link=absolute_url("candidates.exit_survey", token=raw),
               expires_at=token.expires_at)
    record("candidate.exit_survey_sent", f"{by.name} sent {candidate.user.name} the optional exit survey",
           actor=by, candidate=candidate, subject=survey)
    return survey


@dataclass
class SurveyLink:
    token: object
    survey: ExitSurvey
    candidate: Candidate


def survey_for_token(token) -> ExitSurvey | None:
    if token is None or token.subject_type != ExitSurvey.__name__ or token.subject_id is None:
        return None
    return db.session.get(ExitSurvey, token.subject_id)


@link_rule(SURVEY_PURPOSE)
def survey_link_problem(token) -> str | None:
    """Whether a survey link is still its candidate's: the survey exists and is theirs (``moved``
    otherwise), and they are still recorded as declined (``closed``), unless they have answered it
    (then it is simply used)."""
    if token.subject_type != ExitSurvey.__name__ or token.subject_id is None:
        return "invalid"
    survey = survey_for_token(token)
    if survey is None:
        return "closed"
    if token.user_id is None or survey.candidate.user_id != token.user_id:
        return "moved"
    if survey.answered_at is None and survey.candidate.stage != "declined":
        return "closed"
    return None


def survey_link(raw: str) -> SurveyLink:
    """The usable survey link for ``raw``, or TokenProblem saying why not: ``invalid``, ``used``
    (answered), ``expired`` or ``closed`` (the candidate is no longer recorded as declined). Changes
    nothing."""
    token = find_token(SURVEY_PURPOSE, raw)
    survey = survey_for_token(token)
    if survey is None:
        raise TokenProblem("invalid")
    if survey.answered_at is not None:
        raise TokenProblem("used", token)
    if survey.candidate.stage != "declined":
        raise TokenProblem("closed", token)
    return SurveyLink(token, survey, survey.candidate)


def answer_exit_survey(raw: str, answer: str | None, now: datetime | None = None) -> ExitSurvey:
    """Save the answer and use up the link (of two submissions at once, one wins)."""
    now = now or utcnow()
    link = survey_link(raw)
    answer = (answer or "").replace("\r\n", "\n").strip()
    if not answer:
        raise DecisionError(_("Write your answer, or simply close this page if you'd rather not answer."), "answer")
    if len(answer) > MAX_SURVEY_ANSWER:
        raise DecisionError(ngettext("Keep your answer to %(limit)s character or fewer (it has %(count)s).",
                                     "Keep your answer to %(limit)s characters or fewer (it has %(count)s).",
                                     MAX_SURVEY_ANSWER, limit=format_decimal(MAX_SURVEY_ANSWER),
                                     count=format_decimal(len(answer))), "answer")
    consume_token(link.token, now)
    link.survey.answer, link.survey.answered_at = answer, now
    db.session.flush()
    candidate = link.candidate
    record("candidate.exit_survey_answered", f"{candidate.user.name} answered the exit survey",
           actor=candidate.user, candidate=candidate, subject=link.survey)
    return link.survey
