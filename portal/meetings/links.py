"""The person's e-mailed links (invitations, the manage link, written answers: ``invitations``,
``manage``, ``written``): whose link it still is, and what they share.

Whose: the rule ``auth.tokens.find_token`` applies to every one of them before "used" or "expired".

Every one of these links is its person's only while the subject is (``auth.tokens.link_rule``):
the conversation or question still exists, is still with the person the link was mailed to (not
redirected; a question not made private to someone else) and the candidate is still deciding or has
accepted (accepting keeps conversations going; declining or withdrawing calls them off). When
that no longer holds the link answers 410 (``moved``, ``cancelled``/``closed``, ``decided``), shows
none of the subject and changes nothing, whichever path changed the subject.
"""

from __future__ import annotations

from flask_babel import format_decimal
from sqlalchemy.orm import joinedload

from ..auth.models import ActionToken
from ..auth.tokens import link_rule
from ..candidates.models import Candidate
from ..database import hold
from ..extensions import db

from ..forms import FieldError
from ..i18n import _
from ..questions.models import Question
from . import notify
from .models import Meeting

WRITTEN = "written_answer"
MAX_TEXT = 2000


class InviteError(FieldError):
    """An answer through one of the person's links that needs another look (the link stays unused)."""


def clean_text(text: str | None, field: str, limit: int = MAX_TEXT) -> str:
    """What the person wrote, trimmed, or InviteError on ``field`` when it is longer than ``limit``."""
    text = (text or "").strip()
    if len(text) > limit:
        raise InviteError(_("Keep this under %(limit)s characters (it has %(count)s).", limit=format_decimal(limit),
                            count=format_decimal(len(text))), field)
    return text


# What every one of the person's link pages shows of a conversation: who asked, for which role, and whom.
_WITH_PEOPLE = (joinedload(Meeting.staff),
                joinedload(Meeting.candidate).options(joinedload(Candidate.user), joinedload(Candidate.position)))


def meeting_for_token(token: ActionToken | None) -> Meeting | None:
    """The conversation a link is about, with its people, read once a request (the link's rule reads it
    first, the page uses the same): ``database.hold``."""
    if token is None or token.subject_type != Meeting.__name__ or token.subject_id is None:
        return None
    return hold(db.session.get(Meeting, token.subject_id, options=_WITH_PEOPLE))


def question_for_token(token: ActionToken | None) -> Question | None:
    """The question a written-answer link is about, with its candidate, read once a request (as above)."""
    if token is None or token.subject_type != Question.__name__ or token.subject_id is None:
        return None
    return hold(db.session.get(Question, token.subject_id, options=(
        joinedload(Question.candidate).options(joinedload(Candidate.user), joinedload(Candidate.position)),)))


def token_candidate(token: ActionToken | None) -> Candidate | None:
    """Whose request a link belongs to, for pages explaining why it can't be used."""
    meeting = meeting_for_token(token)
    if meeting is not None:
        return meeting.candidate
    question = question_for_token(token)
    return question.candidate if question is not None else None


def _meeting_problem(token: ActionToken, gone: str) -> str | None:
    if token.subject_type != Meeting.__name__ or token.subject_id is None:
        return "invalid"
    meeting = meeting_for_token(token)
    if meeting is None:
        return gone
    if token.user_id is None or meeting.staff_id != token.user_id:
        return "moved"  # redirected to someone else
    candidate = meeting.candidate
    if candidate is None or not candidate.keeps_conversations:
        return "decided"
    return None


@link_rule(*notify.INVITE_PURPOSES)
def invitation_link_problem(token: ActionToken) -> str | None:
    """An invitation link is its person's while the request exists, is with them and the candidate is
    still deciding."""
    return _meeting_problem(token, "cancelled")


@link_rule(notify.MANAGE)
def manage_link_problem(token: ActionToken) -> str | None:
    return _meeting_problem(token, "cancelled")


@link_rule(WRITTEN)
def written_link_problem(token: ActionToken) -> str | None:
    """A written-answer link on a conversation: as above. On a question: it still exists, is still
    directed to the person (so, if private, private to them), is still open, and the candidate is
    still deciding."""
    if token.subject_type == Meeting.__name__:
        return _meeting_problem(token, "closed")
    if token.subject_type != Question.__name__ or token.subject_id is None:
        return "invalid"
    question = question_for_token(token)
    if question is None:
        return "closed"  # deleted
    if token.user_id is None or question.directed_to_id != token.user_id \
            or question.private_to_someone_else(token.user_id):
        return "moved"
    candidate = question.candidate
    if candidate is None or not candidate.keeps_conversations:
        return "decided"
    if question.is_answered:
        return "answered"
    return None
