"""Shareable links to one window of office hours, with a deadline (``HoursLink``).

A recruiter, or the person holding the office hours, makes a link to one window (scheduled or live)
for the candidates of a position or for one candidate. The link is a 256-bit random token shown
once; only its hash is stored. It works until its deadline (by default the window's end, never
later) and while the window still happens; after that it says when it stopped working. A person
hidden from candidates (or whose account closed) gets no new links, and their links say the office
hours are no longer open. It is not
used up: everyone in its audience can open it as often as they like. Every function flushes, never
commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..auth.tokens import hash_token
from ..candidates.models import Candidate, Position, Stage
from ..extensions import db
from ..i18n import _
from ..meetings.models import Meeting
from ..timeutil import format_datetime
from .models import HoursLink, HoursWindow, WindowStatus
from .windows import HoursError

OPEN_WINDOW = (WindowStatus.SCHEDULED, WindowStatus.LIVE)


@dataclass(frozen=True)
class Audience:
    """Who a link is for: the candidates of ``position``, or one ``candidate``."""

    position: Position | None = None
    candidate: Candidate | None = None

    @property
    def label(self) -> str:
        """What pages call the audience, in the reader's language."""
        if self.position is not None:
            return _("Candidates for %(position)s", position=self.position.title)
        return self.candidate.user.name if self.candidate and self.candidate.user else _("A candidate")

    @property
    def audit_label(self) -> str:
        """The same in English, for the audit trail."""
        if self.position is not None:
            return f"Candidates for {self.position.title}"
        return self.candidate.user.name if self.candidate and self.candidate.user else "A candidate"


def audience_of(link: HoursLink) -> Audience:
    return Audience(position=link.position, candidate=link.candidate)


def person_open(person: User) -> bool:
    """Can candidates see ``person`` (in the directory, account active)? Only then does a link open
    their window."""
    profile = person.profile
    return person.active and profile is not None and profile.visible


def shareable(window: HoursWindow, now: datetime) -> bool:
    """A window a new link may point to: still ahead or live now."""
    return window.status in OPEN_WINDOW and window.end_at > now


def create_link(window: HoursWindow, audience: Audience, now: datetime, by: User,
                deadline: datetime | None = None) -> tuple[str, HoursLink]:
    """A new link to ``window`` for ``audience`` until ``deadline`` (default: the window's end);
    returns (the raw token, for the URL shown once; the stored row)."""
    if not shareable(window, now):
        raise HoursError(_("These office hours are over or were called off: choose another window."), "window_id")
    if not person_open(window.staff):
        raise HoursError(_("%(name)s is hidden from candidates, so a link to their office hours would open nothing: "
                           "show them in the directory first.", name=window.staff.name), "window_id")
    if (audience.position is None) == (audience.candidate is None):
        raise HoursError(_("Choose who the link is for: a position's candidates or one candidate."), "audience")
    expires_at = window.end_at if deadline is None else deadline
    if expires_at > window.end_at:
        raise HoursError(_("The link can't work after the window ends (%(end)s): choose that time or earlier.",
                           end=format_datetime(window.end_at, by.timezone)), "deadline")
    if expires_at <= now:
        raise HoursError(_("Choose a deadline that is still ahead."), "deadline")
    raw = secrets.token_urlsafe(32)
    link = HoursLink(token_hash=hash_token(raw), window_id=window.id,
                     position_id=audience.position.id if audience.position else None,
                     candidate_id=audience.candidate.id if audience.candidate else None,
                     expires_at=expires_at, created_by_id=by.id, created_at=now)
    db.session.add(link)
    db.session.flush()
    record("hours.link_created", f"{by.name} shared {window.staff.name}'s office hours on "
           f"{format_datetime(window.start_at, window.staff.timezone, locale='en')} with {audience.audit_label}",
           actor=by, candidate=audience.candidate, subject=link, window_id=window.id,
           expires_at=expires_at.isoformat())
    return raw, link


def revoke_link(link: HoursLink, by: User) -> None:
    """The link stops working now: the row goes (the audit trail keeps that it existed)."""
    window = link.window
    record("hours.link_revoked", f"{by.name} revoked a link to {window.staff.name}'s office hours on "
           f"{format_datetime(window.start_at, window.staff.timezone, locale='en')} for {audience_of(link).audit_label}",
           actor=by, candidate=link.candidate, subject=link, window_id=window.id)
    db.session.delete(link)
    db.session.flush()


def find_link(raw: str) -> HoursLink | None:
    """The link whose token is ``raw`` (looked up by its hash), or None."""
    if not raw or len(raw) > 128:
        return None
    return db.session.scalar(sa.select(HoursLink).where(HoursLink.token_hash == hash_token(raw))
                             .options(joinedload(HoursLink.window).joinedload(HoursWindow.staff)))


def is_for(link: HoursLink, candidate: Candidate) -> bool:
    """Is ``candidate`` in the link's audience (its position's candidates, or the one candidate)?"""
    if link.candidate_id is not None:
        return link.candidate_id == candidate.id
    return link.position_id == candidate.position_id


def stopped_at(link: HoursLink, now: datetime) -> datetime | None:
    """When the link stopped working (its deadline, or the window's end or calling off if sooner);
    None while it works."""
    window = link.window
    ends = [link.expires_at]
    if window.status not in OPEN_WINDOW:
        ends.append(window.closed_at or window.end_at)
    else:
        ends.append(window.end_at)
    moment = min(ends)
    return moment if moment <= now else None


def links_of(staff_id: int, now: datetime) -> list[HoursLink]:
    """Links to the person's windows that haven't ended yet, or ended within a day (shown as
    "expired" a while), newest first (one query)."""
    return list(db.session.scalars(
        sa.select(HoursLink).join(HoursWindow, HoursWindow.id == HoursLink.window_id)
        .where(HoursWindow.staff_id == staff_id, HoursWindow.end_at > now - timedelta(days=1))
        .options(joinedload(HoursLink.window), joinedload(HoursLink.position),
                 joinedload(HoursLink.candidate).joinedload(Candidate.user))
        .order_by(HoursLink.created_at.desc(), HoursLink.id.desc())))


def link_of(staff_id: int, link_id: int) -> HoursLink | None:
    """The link, only if it points to one of ``staff_id``'s windows."""
    link = db.session.get(HoursLink, link_id)
    return link if link is not None and link.window.staff_id == staff_id else None


# --- who a link may be for ---------------------------------------------------------------------


def positions() -> list[Position]:
    """Positions with a candidate still deciding (the ones a link for "its candidates" reaches)."""
    deciding = sa.select(Candidate.position_id).where(Candidate.stage == Stage.OFFER)
    return list(db.session.scalars(sa.select(Position).where(Position.id.in_(deciding))
                                   .order_by(Position.title, Position.id)))


def candidates_for(viewer: User, person: User) -> list[Candidate]:
    """Candidates still deciding that ``viewer`` may name in a link to ``person``'s office hours:
    any for a recruiter; for the person themselves, only those who asked to talk to them (a person
    doesn't get a list of everyone at the offer stage)."""
    query = (sa.select(Candidate).join(User, User.id == Candidate.user_id)
             .where(Candidate.stage == Stage.OFFER, User.active.is_(True))
             .options(joinedload(Candidate.user), joinedload(Candidate.position)).order_by(User.name, Candidate.id))
    if not viewer.is_recruiter:
        query = query.where(Candidate.id.in_(sa.select(Meeting.candidate_id).where(Meeting.staff_id == person.id)))
    return list(db.session.scalars(query))
