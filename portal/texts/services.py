"""Reading, saving and resetting e-mail texts, and filling them in for an e-mail (flush, never commit).

E-mail templates call ``email_text(kind, **values)`` (a template global): the text in use for the
language the e-mail is written in (the recipient's), else our default in that language, filled in
with ``values`` and escaped for the HTML part (``render``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from babel.numbers import format_decimal

from ..i18n import LANGUAGES, _, current_language, current_locale, language_of
from ..timeutil import format_datetime, utcnow
from .catalogue import KINDS, Kind
from .models import MAX_OPENING, MAX_SUBJECT, TextVersion
from .render import TextError, as_paragraphs, fill, parse

log = logging.getLogger(__name__)


def kind_or_none(key: str) -> Kind | None:
    return KINDS.get(key)


# --- reading -------------------------------------------------------------------------------------


def latest(kind: str, language: str) -> TextVersion | None:
    """The newest version of a text (a reset too), or None when nobody ever edited it."""
    return db.session.scalar(
        sa.select(TextVersion).where(TextVersion.kind == kind, TextVersion.language == language)
        .options(joinedload(TextVersion.author))
        .order_by(TextVersion.id.desc()).limit(1))


def history(kind: str, language: str) -> list[TextVersion]:
    """Every version, newest first, with its author (one query)."""
    return list(db.session.scalars(
        sa.select(TextVersion).where(TextVersion.kind == kind, TextVersion.language == language)
        .options(joinedload(TextVersion.author))
        .order_by(TextVersion.id.desc())))


def overview() -> dict[tuple[str, str], TextVersion]:
    """The newest version of every (kind, language) that has one (two queries)."""
    newest = sa.select(sa.func.max(TextVersion.id)).group_by(TextVersion.kind, TextVersion.language)
    rows = db.session.scalars(sa.select(TextVersion).where(TextVersion.id.in_(newest))
                              .options(joinedload(TextVersion.author)))
    return {(row.kind, row.language): row for row in rows}


@dataclass(frozen=True)
class InUse:
    """A text as it is used now in one language: the saved words, else our default."""

    subject: str | None
    opening: str
    subject_edited: bool
    opening_edited: bool


def in_use(kind: Kind, language: str, values: dict | None = None) -> InUse:
    """The subject and opening in ``language``: the newest saved version's, else ours (translated)."""
    version = latest(kind.key, language)
    with language_of(language):
        subject, opening = kind.default_subject(), kind.default_opening(values)
    return InUse(
        subject=version.subject if version is not None and version.subject is not None else subject,
        opening=version.opening if version is not None and version.opening is not None else opening,
        subject_edited=version is not None and version.subject is not None,
        opening_edited=version is not None and version.opening is not None,
    )


# --- checking and saving -------------------------------------------------------------------------


def clean(kind: Kind, subject: str | None, opening: str | None) -> tuple[str | None, str]:
    """The texts as stored (LF line breaks, trimmed), or TextError naming the field and the reason."""
    opening = (opening or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not opening:
        raise TextError(_("Write the opening; it can't be empty (use Reset to go back to ours)."), "opening")
    if len(opening) > MAX_OPENING:
        raise TextError(_("Keep the opening under %(limit)s characters (it has %(count)s).",
                          limit=format_decimal(MAX_OPENING, locale=current_locale()),
                          count=format_decimal(len(opening), locale=current_locale())), "opening")
    if kind.subject is None:
        subject = None
    else:
        subject = " ".join((subject or "").split())
        if not subject:
            raise TextError(_("Write the subject; it can't be empty (use Reset to go back to ours)."), "subject")
        if len(subject) > MAX_SUBJECT:
            raise TextError(_("Keep the subject under %(limit)s characters.", limit=MAX_SUBJECT), "subject")
        parse(subject, kind.placeholders, "subject")
    parse(opening, kind.placeholders, "opening")
    return subject, opening


def save(kind: Kind, language: str, subject: str | None, opening: str | None, by: User) -> TextVersion | None:
    """Keep a new version (None when nothing changed). A text equal to our default keeps following
    our default. Refused texts raise TextError and change nothing."""
    subject, opening = clean(kind, subject, opening)
    with language_of(language):
        default_subject, default_opening = kind.default_subject(), kind.default_opening()
    stored_subject = None if subject == default_subject else subject
    stored_opening = None if opening == default_opening else opening
    before = latest(kind.key, language)
    if (before.subject if before else None) == stored_subject and (before.opening if before else None) == stored_opening:
        return None
    changed = [name for name, old, new in (("subject", before.subject if before else None, stored_subject),
                                          ("opening", before.opening if before else None, stored_opening))
               if old != new]
    version = TextVersion(kind=kind.key, language=language, subject=stored_subject, opening=stored_opening,
                          author_id=by.id, created_at=utcnow())
    db.session.add(version)
    db.session.flush()
    with language_of("en"):  # the audit trail is written in one language, whoever reads the page
        summary = f"{by.name} edited the e-mail text '{kind.label}' ({LANGUAGES[language]})"
    record("text.edited", summary, actor=by, subject=version, kind=kind.key, language=language, changed=changed)
    return version


def reset(kind: Kind, language: str, by: User) -> TextVersion | None:
    """Back to our default (a version of its own, so the history shows it); None if it already is."""
    before = latest(kind.key, language)
    if before is None or before.is_reset:
        return None
    version = TextVersion(kind=kind.key, language=language, subject=None, opening=None, author_id=by.id,
                          created_at=utcnow())
    db.session.add(version)
    db.session.flush()
    with language_of("en"):  # the audit trail is written in one language, whoever reads the page
        summary = f"{by.name} reset the e-mail text '{kind.label}' ({LANGUAGES[language]}) to the default"
    record("text.reset", summary, actor=by, subject=version, kind=kind.key, language=language)
    return version


# --- filling in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    subject: str
    text: str
    html: Markup


def _filled(kind: Kind, text: str, fallback: str, values: dict, what: str, language: str) -> str:
    """``text`` filled in, or (a text saved before a placeholder went away, a broken translation)
    ``fallback``: an e-mail always goes out readable."""
    try:
        return fill(parse(text, kind.placeholders), values)
    except TextError as error:
        log.warning("texts: the %s of %s (%s) can't be used, default instead: %s", what, kind.key, language, error)
        return fill(parse(fallback, kind.placeholders), values)


def fill_in(kind: Kind, language: str, values: dict, subject: str | None = None,
            opening: str | None = None) -> Filled:
    """The subject and opening (given, else in use in ``language``) filled in with ``values``; what
    can't be used falls back to our English default."""
    values = {"company_name": current_app.config["COMPANY_NAME"], **values}
    used = in_use(kind, language, values) if subject is None or opening is None else None
    subject = subject if subject is not None else used.subject
    opening = opening if opening is not None else used.opening
    with language_of("en"):
        english = (kind.default_subject() or "", kind.default_opening(values))
    text = _filled(kind, opening, english[1], values, "opening", language)
    return Filled(subject=" ".join(_filled(kind, subject or "", english[0], values, "subject", language).split()),
                  text=text, html=as_paragraphs(text))


def email_text(kind_key: str, **values) -> Filled:
    """For e-mail templates: the text of ``kind_key`` in the language being rendered, filled in."""
    return fill_in(KINDS[kind_key], current_language(), values)


def samples(by: User, language: str) -> dict:
    """Made-up values for the preview, in ``language`` where they are words."""
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    zone = by.timezone or "UTC"
    with language_of(language):
        return {
            "candidate_first_name": "Jordan",
            "candidate_name": "Jordan Lee",
            "company_name": current_app.config["COMPANY_NAME"],
            "position_title": "Senior Backend Engineer",
            "team_name": "Platform",
            "recruiter_name": by.name,
            "person_first_name": "Amara",
            "person_name": "Amara Okafor",
            "length_minutes": 30,
            "conversation_kind": current_app.jinja_env.filters["midsentence"](_("Video call")),
            "recipient_first_name": "Jordan",
            "other_name": "Amara Okafor",
            "when": format_datetime(start, zone),
            "interviewer_first_name": "Tom",
            "requested_by_name": by.name,
            "deadline": format_datetime(start + timedelta(days=6), zone),
        }
