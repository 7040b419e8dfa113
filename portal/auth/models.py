"""Accounts and single-use action tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Choice
from ..extensions import db
from ..i18n import _l
from ..security import RECRUITER_ROLES
from ..timeutil import Hours, UTCDateTime, utcnow

if TYPE_CHECKING:  # for the annotations only: the features above auth map these by name
    from ..candidates.models import Candidate
    from ..people.models import StaffProfile

ROLES = ("candidate", "staff", "recruiter", "admin")
ROLE_LABELS = {  # what a role is called on pages (translated when shown; the audit trail stores the code)
    "candidate": _l("Candidate"),
    "staff": _l("Staff"),
    "recruiter": _l("Recruiter"),
    "admin": _l("Admin"),
}
ERASED_DOMAIN = "erased.invalid"
"""An erased account's address is ``candidate-<id>@erased.invalid`` (``privacy.services.erase_candidate``):
a reserved domain, so no mail can reach it."""


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """Anyone who can sign in. ``session_token`` is Flask-Login's alternative id: rotating it
    signs the user out everywhere, because every existing cookie carries the old value."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(Choice(20), default="candidate")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # The language they read (portal/i18n.py: en, de, es, ja). None until they choose one, a
    # recruiter sets it, or their first sign-in takes it from the browser; e-mails meanwhile: English.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The hours (minutes after local midnight) within which this person is offered times to talk;
    # a candidate changes them under Settings. 07:00–21:00 unless they do.
    day_start: Mapped[int] = mapped_column(sa.SmallInteger, default=7 * 60, server_default=sa.text("420"))
    day_end: Mapped[int] = mapped_column(sa.SmallInteger, default=21 * 60, server_default=sa.text("1260"))

    # The other sides live in the features above auth (resolved by name, never imported here).
    candidacy: Mapped[Candidate | None] = relationship(back_populates="user", foreign_keys="Candidate.user_id",
                                                       uselist=False)
    profile: Mapped[StaffProfile | None] = relationship(back_populates="user", uselist=False)

    __table_args__ = (
        sa.CheckConstraint("role IN ('candidate', 'staff', 'recruiter', 'admin')", name="role_known"),
        sa.CheckConstraint("day_start BETWEEN 0 AND 1439 AND day_end BETWEEN 0 AND 1439 "
                           "AND day_start <> day_end", name="day_hours_valid"),
        # Lists sorted by name (candidates, people) read this in order instead of sorting every user.
        sa.Index("ix_user_name", "name", "id"),
        # Searching by part of a name or address ("silva", "@example.org") on PostgreSQL: trigram
        # indexes answer LIKE/ILIKE '%…%' without reading every user (pg_trgm, created with them).
        sa.Index("ix_user_name_trgm", "name", postgresql_using="gin",
                 postgresql_ops={"name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        sa.Index("ix_user_email_trgm", "email", postgresql_using="gin",
                 postgresql_ops={"email": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_recruiter(self) -> bool:
        """Recruiters and admins run the process; admins can do everything recruiters can."""
        return self.role in RECRUITER_ROLES

    @property
    def is_erased(self) -> bool:
        """Their personal data was erased: the address is on ``ERASED_DOMAIN``."""
        return self.email.endswith("@" + ERASED_DOMAIN)

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email

    @property
    def hours(self) -> Hours:
        return Hours(self.day_start, self.day_end)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ActionToken(db.Model):
    """A bearer link sent by e-mail: one purpose, one object, single use, expiring.

    Only the SHA-256 of the token is stored; the token itself exists only in the e-mail.
    """

    __tablename__ = "action_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = db.relationship()

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at


class SignInRequest(db.Model):
    """Someone asked for a sign-in link at ``email``.

    Recorded alike for every address, with or without an account, so the answer to /login takes
    the same work, and the same time, either way (how long it took must not tell who has an
    account). The worker looks the address up and mails a link only to an active account
    (``auth.services.send_sign_in_links``); the row is deleted once handled.
    """

    __tablename__ = "sign_in_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    next_path: Mapped[str | None] = mapped_column(sa.String(500))
    # The language of the page the link was asked from: the mail's, when the account has none yet.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))  # the asking request's: its mail carries it


# The trigram indexes above need PostgreSQL's pg_trgm extension (a trusted one: the database's owner
# may create it); a schema built from the models (tests) creates it first, as the migration does.
sa.event.listen(User.__table__, "before_create",
                sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
