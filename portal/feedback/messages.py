"""The good-news message: drafted from the feedback, edited, published with the candidate's invitation.

Flush, never commit. A message is a draft until published; publishing keeps a revision, mails the
candidate their invitation (once, whatever happens) and every later change keeps a revision too.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..auth.services import mail_sign_in
from ..candidates.models import Candidate
from ..extensions import db
from babel.numbers import format_decimal

from ..i18n import _, current_locale, language_of
from ..texts.catalogue import KINDS
from ..texts.services import fill_in
from ..timeutil import format_datetime, utcnow
from .errors import FeedbackError
from .models import FeedbackMessage, InterviewFeedback, MessageRevision

MAX_MESSAGE = 20_000
INVITATION_DAYS = 7


# --- reading -----------------------------------------------------------------------------------


def get_message(candidate: Candidate) -> FeedbackMessage | None:
    return db.session.scalar(sa.select(FeedbackMessage).where(FeedbackMessage.candidate_id == candidate.id))


def published_message(candidate: Candidate) -> FeedbackMessage | None:
    """The message as the candidate sees it, or None while there is only a draft (or nothing)."""
    return db.session.scalar(_published_statement(), {"candidate_id": candidate.id})


@cache
def _published_statement() -> sa.Select:
    """Built once: the candidate's home reads it on every view."""
    return (sa.select(FeedbackMessage)
            .where(FeedbackMessage.candidate_id == sa.bindparam("candidate_id"),
                   FeedbackMessage.status == "published")
            .options(joinedload(FeedbackMessage.author)))


def is_shared(candidate: Candidate) -> bool:
    """Has the message gone to the candidate? From then on the feedback itself is frozen."""
    return db.session.scalar(_shared_statement(), {"candidate_id": candidate.id})


@cache
def _shared_statement() -> sa.Select:
    """``is_shared``'s statement, built once (with its cache key): every feedback link's page reads it."""
    return sa.select(sa.exists().where(FeedbackMessage.candidate_id == sa.bindparam("candidate_id"),
                                       FeedbackMessage.status == "published"))


def message_history(message: FeedbackMessage | None) -> list[MessageRevision]:
    """Every published version, newest first, with its author (one query)."""
    if message is None or message.id is None:
        return []
    return list(db.session.scalars(
        sa.select(MessageRevision).where(MessageRevision.message_id == message.id)
        .options(joinedload(MessageRevision.author))
        .order_by(MessageRevision.created_at.desc(), MessageRevision.id.desc())
    ))


# --- drafting ----------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """One paragraph's worth of feedback: line breaks folded, the closing full stop left to us."""
    return " ".join(text.split()).rstrip(" .;")


def _sentence(text: str) -> str:
    return text if text.endswith(("!", "?")) else text + "."


def _points(feedback: InterviewFeedback) -> str:
    person = feedback.interviewer
    profile = getattr(person, "profile", None)
    who = (_("%(name)s (%(title)s)", name=person.name, title=profile.title)
           if profile is not None and profile.title else person.name)
    went_well, to_grow = _inline(feedback.went_well or ""), _inline(feedback.to_grow or "")
    if went_well and to_grow:
        return _sentence(_("%(who)s said what went well: %(went_well)s; and to grow: %(to_grow)s",
                           who=who, went_well=went_well, to_grow=to_grow))
    if went_well:
        return _sentence(_("%(who)s said what went well: %(went_well)s", who=who, went_well=went_well))
    return _sentence(_("%(who)s said what to grow: %(to_grow)s", who=who, to_grow=to_grow))


def draft_message(candidate: Candidate) -> str:
    """A first version of the message, in plain text and the candidate's language, from the feedback
    submitted so far. It starts with the company's own words (portal/texts, "good_news")."""
    from .services import feedback_rows

    company = current_app.config["COMPANY_NAME"]
    user, position = candidate.user, candidate.position
    with language_of(user) as language:
        opening = fill_in(KINDS["good_news"], language, {
            "candidate_first_name": user.first_name, "candidate_name": user.name,
            "position_title": position.title, "team_name": position.team or ""}).text
        paragraphs = [opening]
        points = [_points(row) for row in feedback_rows(candidate) if row.is_submitted]
        if points:
            paragraphs.append(_("Your interviewers wanted you to hear what they saw: what went well, and where "
                                "they think you'll grow."))
            paragraphs.extend(points)
        paragraphs.append(_(
            "Now it's your turn to interview us. Before you decide, talk to anyone you like: our CEO, the team "
            "you'd join, our investors and board members, even people who used to work here. Keep a list of your "
            "questions in the portal as you go, so none of them gets lost and each one gets an answer."
        ))
        if candidate.decision_deadline is not None:
            deadline = format_datetime(candidate.decision_deadline, user.timezone)
            paragraphs.append(_("Please let us know your decision by %(deadline)s.", deadline=deadline))
        else:
            paragraphs.append(_("Take the time you need, and tell us when you've decided."))
        owner = (candidate.owner.name if candidate.owner is not None
                 else _("The %(company)s hiring team", company=company))
        paragraphs.append(_("Warm regards,\n%(owner)s\n%(company)s", owner=owner, company=company))
    return "\n\n".join(paragraphs) + "\n"


# --- saving and publishing ---------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    """Browsers send CRLF from textareas; the message is stored with LF, trimmed."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise FeedbackError(_("Write the message first; it can't be empty."), "body")
    if len(body) > MAX_MESSAGE:
        raise FeedbackError(_("Keep the message under %(limit)s characters (it has %(count)s).",
                              limit=format_decimal(MAX_MESSAGE, locale=current_locale()),
                              count=format_decimal(len(body), locale=current_locale())), "body")
    return body + "\n"


def _new_draft(candidate: Candidate, body: str, by: User) -> tuple[FeedbackMessage, bool]:
    """Create the candidate's message row; if another request just did, return that one instead."""
    message = FeedbackMessage(candidate_id=candidate.id, body=body, status="draft", author_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return get_message(candidate), False
    return message, True


def save_message(candidate: Candidate, body: str, by: User) -> FeedbackMessage:
    """Save the text. A draft stays a draft; a published message changes for the candidate right
    away and the new text is kept as a revision (the history)."""
    body = clean_body(body)
    message = get_message(candidate)
    if message is None:
        message, created = _new_draft(candidate, body, by)
        if created:
            record("message.drafted", f"{by.name} saved a draft of the good-news message", actor=by,
                   candidate=candidate, subject=message)
            return message
    if body == message.body:
        return message
    message.body = body
    if message.is_published:
        db.session.add(MessageRevision(message=message, body=body, author_id=by.id, created_at=utcnow()))
        record("message.edited", f"{by.name} edited the published good-news message", actor=by,
               candidate=candidate, subject=message)
    else:
        message.author_id = by.id
        record("message.drafted", f"{by.name} saved a draft of the good-news message", actor=by,
               candidate=candidate, subject=message)
    db.session.flush()
    return message


def publish_message(candidate: Candidate, body: str, by: User) -> FeedbackMessage:
    """Publish the message and invite the candidate to the portal (a sign-in link for 7 days).

    Publishing is a compare-and-swap from ``draft``: of two concurrent publishes one invites, the
    other becomes an edit; the outbox dedupe key is a second guard against a second invitation.
    """
    body = clean_body(body)
    if candidate.stage != "offer":
        raise FeedbackError(_("%(name)s is no longer at the offer stage (%(stage)s), so there's no one to invite.",
                              name=candidate.user.name, stage=candidate.stage_label))
    message = get_message(candidate)
    if message is None:
        message, _created = _new_draft(candidate, body, by)
    if message.is_published:
        return save_message(candidate, body, by)
    now = utcnow()
    won = db.session.execute(
        sa.update(FeedbackMessage)
        .where(FeedbackMessage.id == message.id, FeedbackMessage.status == "draft")
        .values(status="published", published_at=now, body=body, author_id=by.id, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(message)
    if not won:
        return save_message(candidate, body, by)
    db.session.add(MessageRevision(message=message, body=body, author_id=by.id, created_at=now))
    _invite(candidate, by, now)
    record("message.published",
           f"{by.name} published the good-news message and invited {candidate.user.name} to the portal",
           actor=by, candidate=candidate, subject=message)
    db.session.flush()
    return message


def _invite(candidate: Candidate, by: User, now) -> None:
    mail_sign_in(candidate.user, "candidate_invitation", timedelta(days=INVITATION_DAYS),
                 dedupe_key=f"candidate_invitation:{candidate.id}", candidate=candidate, recruiter=by,
                 days=INVITATION_DAYS)
    if candidate.invited_at is None:
        candidate.invited_at = now
