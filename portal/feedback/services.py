"""Interviewer feedback: asking for it by e-mailed link, reminding, collecting, typing it in.

Flush, never commit. The good-news message built from the feedback lives in ``messages.py``;
its public functions are re-exported here so callers need one import.

Interviewer links (purpose ``feedback``, bound to one InterviewFeedback row, 14 days):
- the request and every reminder carry their own token; any of them works until used or expired;
- submitting uses the token, ends every other open link for that feedback and issues one new
  link, shown on the thank-you page as "Change your feedback" (single-use again);
- once the message is published, every link for that candidate says the feedback has been
  shared and changes nothing;
- a link is the interviewer's only while the feedback is still theirs to give
  (``feedback_link_problem``, applied by ``auth.tokens.find_token`` to every link): the row exists and is
  still theirs, they are still in the directory, and the candidate is still deciding.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import ActionToken, User
from ..candidates import hooks as candidate_hooks
from ..candidates.models import Candidate
from ..candidates.services import count_for_candidate
from ..database import hold
from ..extensions import db
from ..i18n import _, ngettext
from ..mail.services import queue_mail
from ..auth.tokens import TokenProblem, consume_token, find_token, issue_token, link_rule
from ..timeutil import utcnow
from .choosing import (chosen_interviewers, interviewer_choices, is_interviewer, likely_interviewers,
                       more_interviewers_field)
from .errors import FeedbackError
from .messages import (  # noqa: F401
    MAX_MESSAGE,
    draft_message,
    get_message,
    is_shared,
    message_history,
    publish_message,
    published_message,
    save_message,
)
from .models import FeedbackMessage, InterviewFeedback

FEEDBACK = "feedback"
FEEDBACK_LINK_LIFETIME = timedelta(days=14)
MAX_FEEDBACK = 5000
REMIND_INTERVAL = timedelta(hours=1)  # a second click on Remind must not mail twice


class FeedbackLink(NamedTuple):
    token: ActionToken
    feedback: InterviewFeedback


class Submission(NamedTuple):
    feedback: InterviewFeedback
    edit_token: str  # the raw token of the new "change your feedback" link


# --- asking ------------------------------------------------------------------------------------


def issue_link(feedback: InterviewFeedback) -> tuple[str, ActionToken]:
    """A fresh link for the interviewer to give (or change) their feedback: (raw token, row). The
    request and each reminder mail one; the interviewer's home page issues one when they press
    "Give feedback" (main.links). Earlier links keep working until used or expired."""
    return issue_token(FEEDBACK, FEEDBACK_LINK_LIFETIME, user=feedback.interviewer, subject=feedback)


def _mail_link(kind: str, feedback: InterviewFeedback, raw: str, token: ActionToken, by: User) -> None:
    queue_mail(
        kind,
        to=feedback.interviewer.email,
        dedupe_key=f"{kind}:{token.id}",
        interviewer=feedback.interviewer,
        candidate=feedback.candidate,
        requested_by=by,
        expires_at=token.expires_at,
        link_values={"token": raw},
    )


def _refuse_if_shared(candidate: Candidate, what: str) -> None:
    """``what``: ``new`` (asking for feedback), ``reminder`` or ``changed`` (typing it in)."""
    if not is_shared(candidate):
        return
    name = candidate.user.first_name
    if what == "new":
        message = _("The message to %(name)s is already published, so new feedback would not reach it. "
                    "Edit the message itself instead.", name=name)
    elif what == "reminder":
        message = _("The message to %(name)s is already published, so a reminder would not reach it. "
                    "Edit the message itself instead.", name=name)
    else:
        message = _("The message to %(name)s is already published, so changed feedback would not reach it. "
                    "Edit the message itself instead.", name=name)
    raise FeedbackError(message)


def request_feedback(candidate: Candidate, interviewers: list[User], by: User) -> list[InterviewFeedback]:
    """Ask each interviewer for feedback by e-mail; people already asked are skipped."""
    if not interviewers:
        raise FeedbackError(_("Choose at least one person to ask."), "interviewers")
    for person in interviewers:
        if not is_interviewer(person):
            raise FeedbackError(_("%(name)s isn't in the directory, so they can't be asked.", name=person.name),
                                "interviewers")
    _refuse_if_shared(candidate, "new")
    asked = asked_ids(candidate)
    created = []
    for person in dict.fromkeys(interviewers):  # keep order, drop duplicates
        if person.id in asked:
            continue
        feedback = InterviewFeedback(candidate_id=candidate.id, interviewer=person, requested_by=by,
                                     requested_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(feedback)
        except IntegrityError:  # a concurrent request asked them a moment ago
            continue
        raw, token = issue_link(feedback)
        _mail_link("feedback_request", feedback, raw, token, by)
        record("feedback.requested", f"{by.name} asked {person.name} for feedback", actor=by,
               candidate=candidate, subject=feedback)
        created.append(feedback)
    return created


def remind_feedback(feedback: InterviewFeedback, by: User) -> None:
    """Mail a new link (earlier links keep working until used or expired)."""
    name = feedback.interviewer.name
    if feedback.is_submitted:
        raise FeedbackError(_("%(name)s has already answered; there's nothing to remind them of.", name=name))
    candidate = feedback.candidate
    _refuse_if_shared(candidate, "reminder")
    now = utcnow()
    # Claim the reminder with one conditional UPDATE: of two clicks at once only one changes the
    # row, so only one e-mail goes out (a read-then-write check lets both through on PostgreSQL).
    claimed = db.session.execute(
        sa.update(InterviewFeedback)
        .where(InterviewFeedback.id == feedback.id, InterviewFeedback.submitted_at.is_(None),
               sa.func.coalesce(InterviewFeedback.reminded_at, InterviewFeedback.requested_at)
               <= now - REMIND_INTERVAL)
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise FeedbackError(_("%(name)s was e-mailed less than an hour ago. Give them a little time first.", name=name))
    db.session.refresh(feedback)
    raw, token = issue_link(feedback)
    _mail_link("feedback_reminder", feedback, raw, token, by)
    record("feedback.reminded", f"{by.name} reminded {name} about their feedback", actor=by,
           candidate=candidate, subject=feedback)


# --- answering ---------------------------------------------------------------------------------


def _clean(went_well: str | None, to_grow: str | None) -> tuple[str, str]:
    went_well, to_grow = (went_well or "").strip(), (to_grow or "").strip()
    for text, field in ((went_well, "went_well"), (to_grow, "to_grow")):
        if len(text) > MAX_FEEDBACK:
            raise FeedbackError(ngettext("Keep this under %(limit)s character (it has %(count)s).",
                                         "Keep this under %(limit)s characters (it has %(count)s).", MAX_FEEDBACK,
                                         limit=format_decimal(MAX_FEEDBACK), count=format_decimal(len(text))), field)
    if not went_well and not to_grow:
        raise FeedbackError(_("Write at least one of the two: what went well, or what to grow."), "went_well")
    return went_well, to_grow


# What the link's rule checks and its pages show: the interviewer, the candidate, their role, their recruiter.
_WITH_PEOPLE = (joinedload(InterviewFeedback.interviewer),
                joinedload(InterviewFeedback.candidate).options(
                    joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner)))


def feedback_for_token(token: ActionToken) -> InterviewFeedback | None:
    """The feedback a link is about, with its people, read once a request (``database.hold``)."""
    if token.subject_type != InterviewFeedback.__name__ or token.subject_id is None:
        return None
    return hold(db.session.get(InterviewFeedback, token.subject_id, options=_WITH_PEOPLE))


@link_rule(FEEDBACK)
def feedback_link_problem(token: ActionToken) -> str | None:
    """Whether a feedback link is still its interviewer's: ``shared`` (the message is published: no
    link can change anything any more), ``moved`` (the feedback is someone else's), ``closed`` (it is
    gone, the interviewer has left, or the candidate has decided or withdrawn: nothing to collect).
    These win over used and expired."""
    if token.subject_type != InterviewFeedback.__name__ or token.subject_id is None:
        return "invalid"
    feedback = feedback_for_token(token)
    if feedback is None:
        return "closed"
    if token.user_id is None or feedback.interviewer_id != token.user_id:
        return "moved"
    candidate = feedback.candidate
    if candidate is not None and is_shared(candidate):
        return "shared"
    if candidate is None or not candidate.in_offer_process or not is_interviewer(feedback.interviewer):
        return "closed"
    return None


def feedback_link(raw: str) -> FeedbackLink:
    """The usable link for ``raw``, or TokenProblem saying why not (``invalid``, ``used``, ``expired``,
    or the link rule's ``shared``, ``moved`` or ``closed``). Changes nothing."""
    token = find_token(FEEDBACK, raw)
    feedback = feedback_for_token(token)
    if feedback is None:
        raise TokenProblem("invalid")
    return FeedbackLink(token, feedback)


def _end_open_links(feedback: InterviewFeedback) -> None:
    db.session.execute(
        sa.update(ActionToken)
        .where(ActionToken.purpose == FEEDBACK, ActionToken.subject_type == InterviewFeedback.__name__,
               ActionToken.subject_id == feedback.id, ActionToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def submit_feedback(token_raw: str, went_well: str, to_grow: str) -> Submission:
    """The interviewer's answer through their link: uses the link and returns a new one for changes.

    Raises TokenProblem (the link can't be used) or FeedbackError (the text needs another look;
    the link is left unused).
    """
    token, feedback = feedback_link(token_raw)
    went_well, to_grow = _clean(went_well, to_grow)
    consume_token(token)
    _end_open_links(feedback)
    again = feedback.is_submitted
    feedback.went_well, feedback.to_grow = went_well, to_grow
    feedback.submitted_at = utcnow()
    feedback.entered_by = None
    db.session.flush()
    raw, _ = issue_link(feedback)
    name = feedback.interviewer.name
    record("feedback.submitted", f"{name} changed their feedback" if again else f"{name} sent their feedback",
           actor=feedback.interviewer, candidate=feedback.candidate, subject=feedback)
    return Submission(feedback, raw)


def enter_feedback(feedback: InterviewFeedback, went_well: str, to_grow: str, by: User) -> InterviewFeedback:
    """A recruiter types in feedback given another way (a call, a chat), on the interviewer's behalf."""
    candidate = feedback.candidate
    _refuse_if_shared(candidate, "changed")
    went_well, to_grow = _clean(went_well, to_grow)
    feedback.went_well, feedback.to_grow = went_well, to_grow
    feedback.submitted_at = utcnow()
    feedback.entered_by = by
    db.session.flush()
    record("feedback.entered", f"{by.name} typed in {feedback.interviewer.name}'s feedback", actor=by,
           candidate=candidate, subject=feedback)
    return feedback


# --- reading -----------------------------------------------------------------------------------


def get_feedback(candidate: Candidate, feedback_id: int) -> InterviewFeedback | None:
    """The feedback row, only if it belongs to ``candidate``."""
    feedback = db.session.get(InterviewFeedback, feedback_id,
                              options=[joinedload(InterviewFeedback.interviewer)])
    if feedback is None or feedback.candidate_id != candidate.id:
        return None
    return feedback


def asked_ids(candidate: Candidate) -> set[int]:
    """Everyone already asked about ``candidate`` (one query)."""
    return set(db.session.scalars(
        sa.select(InterviewFeedback.interviewer_id).where(InterviewFeedback.candidate_id == candidate.id)))


def feedback_rows(candidate: Candidate) -> list[InterviewFeedback]:
    """Everyone asked about ``candidate``, in the order they were asked (one query)."""
    return list(db.session.scalars(_rows_statement(), {"candidate_id": candidate.id}).unique())


@cache
def _rows_statement() -> sa.Select:
    """``feedback_rows``' statement, built once (with its cache key): every candidate's page reads it."""
    return (sa.select(InterviewFeedback).where(InterviewFeedback.candidate_id == sa.bindparam("candidate_id"))
            .options(joinedload(InterviewFeedback.interviewer).joinedload(User.profile),
                     joinedload(InterviewFeedback.entered_by))
            .order_by(InterviewFeedback.requested_at, InterviewFeedback.id))


def feedback_overview(candidate: Candidate, chosen=()) -> dict:
    """Everything ``feedback/_panel.html`` shows, in at most seven queries whatever the numbers (six
    while the likely interviewers are kept).

    A small directory lists everyone not yet asked (``choices``); a large one (``choices`` None)
    offers the likely interviewers and a search, plus the people already ``chosen`` (ids)."""
    rows = feedback_rows(candidate)
    message: FeedbackMessage | None = get_message(candidate)
    asked = {row.interviewer_id for row in rows}
    choices = interviewer_choices(asked)
    likely = likely_interviewers(candidate, asked) if choices is None else []
    offered = {p.user_id for p in likely}
    return {
        "rows": rows,
        "requested": len(rows),
        "submitted": sum(1 for row in rows if row.is_submitted),
        "choices": choices,
        "likely": likely,
        "chosen": chosen_interviewers([i for i in chosen if i not in offered], asked) if choices is None else [],
        "asked": asked,
        "message": message,
        "shared": message is not None and message.is_published,
    }


# --- on the candidate's recruiter pages (candidates.hooks) ------------------------------------


@candidate_hooks.page_sections.connect
def _feedback_section(candidate: Candidate) -> dict:
    overview = feedback_overview(candidate)
    return {"feedback_overview": overview, "more_field": more_interviewers_field(overview)}


@candidate_hooks.list_counts.connect
def _feedback_counts(_sender) -> dict:
    return {
        "feedback_submitted": count_for_candidate(InterviewFeedback, InterviewFeedback.candidate_id == Candidate.id,
                                                  InterviewFeedback.submitted_at.is_not(None)),
        "feedback_requested": count_for_candidate(InterviewFeedback, InterviewFeedback.candidate_id == Candidate.id),
        "message_status": sa.select(FeedbackMessage.status).where(FeedbackMessage.candidate_id == Candidate.id)
        .correlate(Candidate).scalar_subquery(),
    }
