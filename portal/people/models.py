"""Staff profiles (who a candidate can talk to), their weekly availability and time off."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from babel.dates import get_day_names

from ..auth.models import User
from ..database import Choice
from ..extensions import db
from ..generations import watch
from ..i18n import _l, current_locale, pgettext
from ..timeutil import UTCDateTime, utcnow

GROUPS = ("leadership", "team", "investor", "board", "alumni")
# Shown as headings and choices, in the reader's language (lazy: str() one before storing it).
GROUP_LABELS = {
    "leadership": _l("Leadership"),
    "team": _l("The team"),
    "investor": _l("Investors"),
    "board": _l("Board members"),
    "alumni": _l("Former employees"),
}
# Conversations with these groups wait for a recruiter's approval unless switched off per person.
APPROVAL_BY_DEFAULT = frozenset({"leadership", "investor", "board"})
# English day names, for what is stored or logged (audit details); pages use ``day_name``/``every_day_name``.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def group_phrase(group: str) -> str:
    """The group's name inside a sentence ("requests to <the team> first"), in the reader's language."""
    return {
        "leadership": pgettext("group, inside a sentence", "leadership"),
        "team": pgettext("group, inside a sentence", "the team"),
        "investor": pgettext("group, inside a sentence", "investors"),
        "board": pgettext("group, inside a sentence", "board members"),
        "alumni": pgettext("group, inside a sentence", "former employees"),
    }[group]


def day_name(weekday: int, width: str = "wide") -> str:
    """``Monday`` (0) … ``Sunday`` (6) in the reader's language (Babel's CLDR names)."""
    return get_day_names(width, locale=current_locale())[weekday]


def every_day_name(weekday: int) -> str:
    """``Mondays`` (0) … ``Sundays`` (6): a day every week, as in "Mondays 09:00–12:00", in the
    reader's language (CLDR has no such form, so these are translated)."""
    return (pgettext("every week", "Mondays"), pgettext("every week", "Tuesdays"),
            pgettext("every week", "Wednesdays"), pgettext("every week", "Thursdays"),
            pgettext("every week", "Fridays"), pgettext("every week", "Saturdays"),
            pgettext("every week", "Sundays"))[weekday]


def split_list(text: str | None) -> list[str]:
    """"a, b ,, c" → ["a", "b", "c"] (topics are stored as one comma-separated text)."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class StaffProfile(db.Model):
    """One person in the directory (1:1 with their User, whose zone is the person's zone)."""

    __tablename__ = "staff_profile"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(Choice(20))
    title: Mapped[str] = mapped_column(sa.String(120))
    team: Mapped[str] = mapped_column(sa.String(120), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    topics: Mapped[str] = mapped_column(sa.Text, default="")  # "ask me about", comma-separated
    off_limits: Mapped[str] = mapped_column(sa.Text, default="")  # comma-separated
    photo_filename: Mapped[str | None] = mapped_column(sa.String(80))
    weekly_cap: Mapped[int] = mapped_column(default=3)
    sort_order: Mapped[int] = mapped_column(default=100)
    visible: Mapped[bool] = mapped_column(default=True)
    accepting_requests: Mapped[bool] = mapped_column(default=True)
    needs_approval: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
    windows: Mapped[list[AvailabilityWindow]] = relationship(
        back_populates="profile", cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_time)",
    )
    time_off: Mapped[list[TimeOff]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="TimeOff.start_date"
    )

    __table_args__ = (
        sa.CheckConstraint("\"group\" IN ('leadership', 'team', 'investor', 'board', 'alumni')", name="group_known"),
        sa.CheckConstraint("weekly_cap >= 0 AND weekly_cap <= 40", name="weekly_cap_range"),
        sa.Index("ix_staff_profile_directory", "group", "sort_order"),
        sa.Index("ix_staff_profile_team", "team"),  # the directory's team filter list
    )

    @property
    def group_label(self) -> str:
        return str(GROUP_LABELS[self.group])

    @property
    def group_phrase(self) -> str:
        return group_phrase(self.group)

    @property
    def topic_list(self) -> list[str]:
        return split_list(self.topics)

    @property
    def off_limits_list(self) -> list[str]:
        return split_list(self.off_limits)

    @property
    def initials(self) -> str:
        words = [w for w in self.user.name.replace("-", " ").split() if w[:1].isalpha()]
        letters = (words[0][0] + (words[-1][0] if len(words) > 1 else "")) if words else "?"
        return letters.upper()


class AvailabilityWindow(db.Model):
    """A weekly window when the person can talk: weekday and local start/end in ``zone``."""

    __tablename__ = "availability_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_profile.user_id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column()  # 0 = Monday … 6 = Sunday
    start_time: Mapped[time] = mapped_column(sa.Time)
    end_time: Mapped[time] = mapped_column(sa.Time)
    zone: Mapped[str] = mapped_column(sa.String(64))

    profile: Mapped[StaffProfile] = relationship(back_populates="windows")

    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("end_time > start_time", name="end_after_start"),
    )

    @property
    def weekday_name(self) -> str:
        """The day in the reader's language."""
        return day_name(self.weekday)


class TimeOff(db.Model):
    """Days the person is away (inclusive dates in their own zone): no slots on those days."""

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_profile.user_id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    profile: Mapped[StaffProfile] = relationship(back_populates="time_off")

    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="end_not_before_start"),)


def _a_candidates_own(user: User) -> bool:
    """A candidate's account, still a candidate's: never shown as a person of the company."""
    was = sa.inspect(user).attrs.role.history.deleted  # a role it had before this flush (none when new)
    return user.role == "candidate" and all(role == "candidate" for role in was)


# What pages keep of the people (the directory's texts, the names in analytics) is out of date once a
# profile, or a name, address, role or state of a company account, changes (generations.py).
watch("people", StaffProfile)
watch("people", User, ("name", "email", "role", "active"), ignore=_a_candidates_own)
