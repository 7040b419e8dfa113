"""Sign-in by e-mailed link, sessions that can be revoked, and Flask-Login wiring."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import orm
from flask import Flask, current_app, redirect, request, session
from flask_login import login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, login_manager
from ..i18n import SESSION_KEY as LANGUAGE_KEY
from ..i18n import _, browser_language, current_language, known_language, register_recipient_language
from ..log_format import current_request_id, request_id_as
from ..mail.services import queue_mail
from ..metrics import count_sign_in_link
from ..rendering import hx_redirect, login_url
from ..security import acting_user
from ..timeutil import utcnow
from .models import ROLES, ActionToken, SignInRequest, User
from .signals import account_created, signed_in
from .tokens import TokenProblem, consume_token, find_token, issue_token

logger = logging.getLogger(__name__)

SIGN_IN = "sign_in"
# However active a session is, it ends this long after sign-in (idle expiry is the session
# cookie's PERMANENT_SESSION_LIFETIME).
ABSOLUTE_SESSION_LIFETIME = timedelta(days=7)


class AccountError(Exception):
    """A change to accounts that cannot be made; the message is for people."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(email: str, name: str, role: str, timezone: str = "UTC", locale: str | None = None) -> User:
    """Add an account (flush only). E-mail addresses are unique and stored lower-case."""
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)r; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_("There is already an account for %(email)s.", email=email))
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role, timezone=timezone,
                locale=known_language(locale))
    try:
        with db.session.begin_nested():  # two requests adding the same address at once: one wins
            db.session.add(user)
    except IntegrityError:
        raise AccountError(_("There is already an account for %(email)s.", email=email)) from None
    account_created.send(user, actor=acting_user())
    return user


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 500:
        return None
    if any(ch in target for ch in "\\\r\n\t") or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def request_sign_in_link(email: str, next_path: str | None = None) -> None:
    """Record that someone asked for a sign-in link at ``email`` (flush only); the worker sends it.

    The same single INSERT for every address: no lookup here, so neither the answer (the caller
    shows the same page either way) nor the time it takes tells who has an account. The worker's
    ``send_sign_in_links`` mails the link within a pass (about a second with ``make run``).
    """
    db.session.add(SignInRequest(email=normalize_email(email)[:254], next_path=safe_next(next_path),
                                 locale=current_language(), request_id=current_request_id()))
    db.session.flush()


def send_sign_in_links(limit: int = 100) -> int:
    """Handle recorded sign-in requests, oldest first (the worker, every pass); return how many.

    Each request is taken with ``DELETE … WHERE id = ?`` checked for one row, so two workers never
    handle the same one, and its link and mail are queued in that same transaction (a crash in
    between leaves the request for the next pass). A request that fails for any other reason than
    the database is logged and dropped, so it cannot hold up the ones behind it. A request older
    than a sign-in link's lifetime (the worker was down) is dropped unanswered: a link arriving that
    late would surprise, and the person will have asked again.
    """
    handled = 0
    stale = utcnow() - timedelta(minutes=current_app.config["SIGN_IN_TOKEN_MINUTES"])
    while handled < limit:
        row = db.session.execute(
            sa.select(SignInRequest.id, SignInRequest.email, SignInRequest.next_path, SignInRequest.locale,
                      SignInRequest.created_at, SignInRequest.request_id)
            .order_by(SignInRequest.id).limit(1)
        ).first()
        if row is None:
            db.session.commit()
            break
        taken = sa.delete(SignInRequest).where(SignInRequest.id == row.id)
        try:
            if db.session.execute(taken).rowcount == 1 and row.created_at >= stale:
                with request_id_as(row.request_id):  # the mail, and the worker's lines, carry the asker's id
                    mail_sign_in_link(row.email, row.next_path, row.locale)
            db.session.commit()
        except sa.exc.OperationalError:
            raise  # the database is away: the worker says so and tries again later
        except Exception:
            db.session.rollback()
            logger.exception("sign-in request %s could not be handled; dropped", row.id)
            db.session.execute(taken)
            db.session.commit()
        handled += 1
    return handled


def mail_sign_in_link(email: str, next_path: str | None = None, language: str | None = None) -> None:
    """Queue a sign-in link for ``email`` if it belongs to an active account; nothing otherwise. The
    mail is in the account's language, else in ``language`` (the page's it was asked from)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["SIGN_IN_TOKEN_MINUTES"]
    mail_sign_in(user, "sign_in", timedelta(minutes=minutes), next_path=safe_next(next_path), minutes=minutes,
                 language=user.locale or language)


def mail_sign_in(user: User, kind: str, lifetime: timedelta, *, dedupe_key: str | None = None,
                 next_path: str | None = None, language: str | None = None, **context) -> ActionToken:
    """Queue the e-mail ``kind`` (flush only) carrying a single-use link that signs ``user`` in, lasts
    ``lifetime`` and then opens ``next_path``: the link asked for at /login (minutes), the candidate's
    invitation to the portal and a person's invitation to their profile (days). ``context`` goes to
    the e-mail's templates; the message is sent once per ``dedupe_key`` (default: once per link)."""
    raw, token = issue_token(SIGN_IN, lifetime, user=user)
    values = {"token": raw}
    if next_path:
        values["next"] = next_path
    queue_mail(kind, to=user.email, dedupe_key=dedupe_key or f"{kind}:{token.id}", user=user, link_values=values,
               language=language, **context)
    count_sign_in_link("sent", kind=kind)
    return token


def sign_in_token(raw: str) -> ActionToken:
    """The usable sign-in token for ``raw`` (raises TokenProblem). Changes nothing."""
    token = find_token(SIGN_IN, raw)
    if token.user is None or not token.user.active:
        raise TokenProblem("invalid")
    return token


def sign_in_with_token(raw: str) -> User:
    """Use a sign-in link: consume it, end other pending links, start a fresh session."""
    token = sign_in_token(raw)
    consume_token(token)
    user = start_session(token.user)
    signed_in.send(user, method="link")
    count_sign_in_link("used")
    return user


def start_session(user: User) -> User:
    """Sign ``user`` in, however they proved who they are (e-mailed link or single sign-on).

    Ends their other pending sign-in links, notes the sign-in (a candidate's first one is a
    milestone: Flask-Login's ``user_logged_in``) and starts a fresh session. The caller has checked that ``user`` is active.
    """
    now = utcnow()
    db.session.execute(
        sa.update(ActionToken)
        .where(ActionToken.user_id == user.id, ActionToken.purpose == SIGN_IN, ActionToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.last_sign_in_at = now
    if not known_language(user.locale):  # their first sign-in: the language they are reading now
        user.locale = known_language(session.get(LANGUAGE_KEY)) or browser_language()
    session.clear()  # a new session, not one that existed before sign-in (session fixation)
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = now.timestamp()
    return user


def sign_out(user: User) -> None:
    """End this session and every other one of ``user`` (their cookies carry the old id)."""
    user.rotate_session_token()
    logout_user()
    session.clear()
    if known_language(user.locale):  # signed out, they still read their language (the switcher's choice)
        session[LANGUAGE_KEY] = user.locale


@functools.cache
def _user_by_session() -> sa.Select:
    """The statement every signed-in request reads its user with, built once (its cache key too:
    issue 19). A candidate's candidacy, its position and its recruiter come in the same row (LEFT JOINs
    on unique keys): every candidate page reads the candidacy, and for anyone else the columns are
    empty. Built at the first request: the candidacy's class belongs to a feature above this one."""
    candidacy = User.candidacy.property.mapper.class_
    return (sa.select(User)
            .options(orm.joinedload(User.candidacy).options(orm.joinedload(candidacy.position),
                                                            orm.joinedload(candidacy.owner)))
            .where(User.session_token == sa.bindparam("token"), User.active.is_(True)))


def _load_user(session_token: str) -> User | None:
    signed_in_at = session.get("signed_in_at")
    if signed_in_at is None or utcnow().timestamp() - signed_in_at > ABSOLUTE_SESSION_LIFETIME.total_seconds():
        return None
    return db.session.scalar(_user_by_session(), {"token": session_token})


def _unauthorized():
    if request.htmx:
        # An htmx call from an expired session: send the whole window to sign in, instead of
        # letting htmx swap the login page into a fragment.
        try:
            current = urlsplit(request.htmx.current_url or "")
            back = safe_next(current.path + ("?" + current.query if current.query else "")) if current.path else None
        except ValueError:  # a malformed header: just go to sign-in
            back = None
        return hx_redirect(login_url(back), status=401)
    back = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    return redirect(login_url(back))


def _language_of_address(address: str) -> str | None:
    return db.session.scalar(sa.select(User.locale).where(User.email == normalize_email(address)))


def init_login(app: Flask) -> None:
    register_recipient_language(_language_of_address)  # e-mails in their reader's language (portal/i18n.py)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"
