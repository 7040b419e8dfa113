"""Single-use e-mailed action tokens: issuing, reading, using up, and each purpose's link rule.

Every feature that mails a link (feedback, invitations, written answers, manage, exit survey,
sign-in) issues and reads its tokens here; ``auth.emailed.EmailedLinkView`` is the page that
shows a link (GET) and acts on it (POST).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from functools import cache
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..timeutil import utcnow
from .models import ActionToken

logger = logging.getLogger(__name__)

class TokenProblem(Exception):
    """Why a link cannot be used: ``invalid``, ``used`` or ``expired``, or what a feature's link rule
    says (``moved``, ``closed``, ``decided``…; see ``link_rule``)."""

    def __init__(self, reason: str, token=None):
        super().__init__(reason)
        self.reason = reason
        self.token = token


# Every e-mailed link is bound to its subject and its owner. Each feature says, for each purpose it
# mails links for, what "still yours?" means: a rule(token) returning None (the link may be used) or
# the reason it can't (a word that feature's problem page knows). find_token applies the rule before
# anything else, so whatever path changed the subject (redirected, deleted, made private to someone
# else, the candidate decided, the account closed), the old link shows none of it and changes nothing.
# This module imports no feature: features fill the table when they are imported (create_app imports
# every blueprint). A purpose without a rule can't be issued, and can't be read.
LinkRule = Callable[[object], str | None]
_LINK_RULES: dict[str, LinkRule] = {}


def link_rule(*purposes: str):
    """Decorator: ``rule`` decides whether a link of each of ``purposes`` is still its owner's."""

    def register(rule: LinkRule) -> LinkRule:
        for purpose in purposes:
            known = _LINK_RULES.get(purpose)
            if known is not None and (known.__module__, known.__qualname__) != (rule.__module__, rule.__qualname__):
                raise ValueError(f"Links of purpose {purpose!r} already have a rule: {known.__qualname__}")
            _LINK_RULES[purpose] = rule
        return rule

    return register


def link_purposes() -> frozenset[str]:
    """The purposes that have a rule (every kind of link the portal mails)."""
    return frozenset(_LINK_RULES)


def link_problem(token) -> str | None:
    """Why ``token``'s subject is no longer its owner's to act on (None: it still is)."""
    rule = _LINK_RULES.get(token.purpose)
    if rule is None:
        logger.error("No link rule for purpose %r: the link is refused", token.purpose)
        return "invalid"
    return rule(token)


def end_links(*, subject=None, user=None, purposes=None, keep_user_id: int | None = None) -> int:
    """Use up the open links about ``subject`` (and/or held by ``user``), optionally only some
    ``purposes`` and sparing those of ``keep_user_id`` (the subject's owner now). The rule above is what
    makes an old link safe; this just says so in the table too. Flushes nothing else; returns how many."""
    where = [ActionToken.used_at.is_(None)]
    if subject is not None:
        where += [ActionToken.subject_type == type(subject).__name__, ActionToken.subject_id == subject.id]
    if user is not None:
        where.append(ActionToken.user_id == user.id)
    if purposes is not None:
        where.append(ActionToken.purpose.in_(list(purposes)))
    if keep_user_id is not None:
        where.append(sa.or_(ActionToken.user_id.is_(None), ActionToken.user_id != keep_user_id))
    if len(where) == 1:
        raise ValueError("end_links needs a subject or a user")
    result = db.session.execute(sa.update(ActionToken).where(*where).values(used_at=utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(purpose: str, lifetime: timedelta, *, user=None, subject=None) -> tuple[str, object]:
    """Create a token for one purpose (and optionally one object); return (raw token, row).

    256 random bits; only the hash is stored, so a database leak does not leak usable links. The
    purpose must have a link rule (``link_rule``).
    """
    if purpose not in _LINK_RULES:
        raise LookupError(f"No link rule for purpose {purpose!r}: register one with auth.tokens.link_rule")
    raw = secrets.token_urlsafe(32)
    row = ActionToken(
        purpose=purpose,
        token_hash=hash_token(raw),
        user=user,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        expires_at=utcnow() + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return raw, row


def find_token(purpose: str | tuple[str, ...], raw: str, now: datetime | None = None):
    """The usable token row for ``raw``, or raise TokenProblem saying why not. Changes nothing.
    ``purpose``: the link's purpose, or the purposes any one of which it may have (one query).

    The purpose's link rule goes first: when the subject is no longer the owner's (or is gone), that is
    the answer, whether or not the link was used or has expired.
    """
    if not raw or len(raw) > 200:
        raise TokenProblem("invalid")
    several = isinstance(purpose, tuple)
    purposes = list(purpose) if several else purpose
    row = db.session.scalar(_token_statement(several), {"hash": hash_token(raw), "purpose": purposes})
    if row is None:
        raise TokenProblem("invalid")
    reason = link_problem(row)
    if reason:
        raise TokenProblem(reason, row if reason != "invalid" else None)
    if row.used_at is not None:
        raise TokenProblem("used", row)
    if row.is_expired(now):
        raise TokenProblem("expired", row)
    return row


@cache
def _token_statement(several: bool) -> sa.Select:
    """``find_token``'s statement, built once for one purpose and once for several (with its cache key):
    every e-mailed link's page reads it."""
    purpose = (ActionToken.purpose.in_(sa.bindparam("purpose", expanding=True)) if several
               else ActionToken.purpose == sa.bindparam("purpose"))
    return sa.select(ActionToken).where(ActionToken.token_hash == sa.bindparam("hash"), purpose)


def consume_token(row, now: datetime | None = None) -> None:
    """Mark ``row`` used, atomically: of two concurrent uses exactly one wins.

    Written as a compare-and-swap UPDATE (``… WHERE used_at IS NULL``) and checked for one changed
    row, which holds on SQLite and PostgreSQL alike.
    """
    now = now or utcnow()
    result = db.session.execute(
        sa.update(ActionToken)
        .where(ActionToken.id == row.id, ActionToken.used_at.is_(None), ActionToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(row)
        raise TokenProblem("used" if row.used_at is not None else "expired", row)
    db.session.refresh(row)
