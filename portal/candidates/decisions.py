"""The end of the offer stage: recording the candidate's decision, correcting or undoing it, and the
optional exit survey a candidate who declined may be sent.

Services flush, never commit, and raise ``DecisionError`` with the message the recruiter (or the
candidate, on the survey page) sees and the form field it belongs to; ``DecisionConflict`` when
someone else changed the decision in the meantime (nothing is overwritten).

Dates: the recruiter gives the calendar day of the decision in their own zone. Today is stored as
the current instant; an earlier day as 12:00 in the recruiter's zone (never before the offer
itself); a correction that keeps the day keeps the recorded instant.

Declined and withdrawn end the process: the decision is announced (``hooks.decided``) and meetings
calls off the candidate's open requests and upcoming confirmed conversations
(``meetings.listeners``), each receiver returning what it called off (``CalledOff``) for the
recruiter's message; accepted leaves them alone. Nothing called off comes back when a decision is
corrected or undone.

The exit survey itself (sending it, its link, the answer) lives in ``exit_survey.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..audit.services import record
from ..extensions import db
from ..forms import FieldError
from ..timeutil import format_date, to_zone, utcnow
from . import hooks
from .models import DECLINE_REASONS, OUTCOMES, STAGE_LABELS, Candidate, ExitSurvey, Stage

MAX_NOTE = 2000
ENDS_CONVERSATIONS = (Stage.DECLINED, Stage.WITHDRAWN)


class DecisionError(FieldError):
    """A decision (or survey answer) that needs another look; ``field`` names its form field."""


class DecisionConflict(DecisionError):
    """Someone else changed the decision since the page was loaded: nothing was changed."""


@dataclass
class DecisionData:
    outcome: str | None
    decided_on: date | None  # the calendar day, in the recruiter's zone
    reason: str | None = None  # a DECLINE_REASONS key (declined only)
    note: str | None = None
    send_survey: bool = False  # declined only


@dataclass
class CalledOff:
    requests: int = 0  # still being asked, approved or answered
    conversations: int = 0  # confirmed, not started yet

    @property
    def total(self) -> int:
        return self.requests + self.conversations

    def __add__(self, other: CalledOff) -> CalledOff:
        return CalledOff(self.requests + other.requests, self.conversations + other.conversations)


@dataclass
class DecisionResult:
    candidate: Candidate
    action: str  # "decided", "changed" or "unchanged"
    called_off: CalledOff = field(default_factory=CalledOff)
    survey_sent: ExitSurvey | None = None
    survey_already: ExitSurvey | None = None  # asked for, but one was sent before
    zone: str = "UTC"  # the recruiter's, for dates in the message

    def message(self) -> str:
        """What the recruiter is told, in one paragraph."""
        candidate = self.candidate
        name, first = candidate.user.name, candidate.user.first_name
        if self.action == "decided":
            parts = [f"Recorded: {_outcome_sentence(candidate)}."]
        elif self.action == "changed":
            parts = [f"Decision updated: {describe(candidate.stage, candidate.decline_reason)}."]
        else:
            parts = [f"Nothing changed: that is the decision already recorded for {name}."]
        off = self.called_off
        if off.total:
            pieces = [p for p in (_count(off.requests, "open request"), _count(off.conversations,
                                                                              "upcoming conversation")) if p]
            parts.append(f"{' and '.join(pieces)} {'was' if off.total == 1 else 'were'} called off; "
                         "the people involved have been e-mailed.")
        elif candidate.stage in ENDS_CONVERSATIONS and self.action != "unchanged":
            parts.append("There were no open requests or upcoming conversations to call off.")
        if self.survey_sent is not None:
            parts.append(f"{first} has been e-mailed the optional exit survey.")
        elif self.survey_already is not None:
            sent = format_date(self.survey_already.sent_at, self.zone)
            parts.append(f"The exit survey was already sent on {sent}, so no second one went out.")
        return " ".join(parts)


def _count(n: int, word: str) -> str:
    if not n:
        return ""
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(stage: str, reason: str | None = None) -> str:
    """``Declined (Compensation)``, ``Accepted``, ``Offer stage``: one decision in words."""
    label = STAGE_LABELS.get(stage, stage)
    if stage == Stage.DECLINED and reason:
        return f"{label} ({DECLINE_REASONS.get(reason, reason)})"
    return label


def reason_label(reason: str | None) -> str:
    return DECLINE_REASONS.get(reason or "", "")


def _outcome_sentence(candidate: Candidate) -> str:
    name = candidate.user.name
    if candidate.stage == Stage.ACCEPTED:
        return f"{name} accepted the offer"
    if candidate.stage == Stage.DECLINED:
        return f"{name} declined the offer ({reason_label(candidate.decline_reason) or 'no reason given'})"
    return f"{name}'s offer was withdrawn"


# --- dates ----------------------------------------------------------------------------------------


def today_in(zone: str, now: datetime | None = None) -> date:
    return to_zone(now or utcnow(), zone).date()


def offer_day(candidate: Candidate, zone: str) -> date:
    return to_zone(candidate.offer_made_at, zone).date()


def decided_instant(candidate: Candidate, day: date | None, zone: str, now: datetime) -> datetime:
    """The UTC instant to store for ``day`` (a date in ``zone``), or DecisionError saying why not."""
    if day is None:
        raise DecisionError("Enter the date they decided, like 2026-03-14.", "decided_on")
    today = today_in(zone, now)
    if day > today:
        raise DecisionError(f"The date can't be in the future: today is {format_date(now, zone)} in your time "
                            f"zone ({zone}).", "decided_on")
    if day < offer_day(candidate, zone):
        raise DecisionError("The date can't be before the offer was made, on "
                            f"{format_date(candidate.offer_made_at, zone)}.", "decided_on")
    previous = candidate.decided_at
    if candidate.stage != Stage.OFFER and previous is not None and to_zone(previous, zone).date() == day:
        return previous  # a correction that keeps the day keeps the recorded moment
    if day == today:
        return now
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return max(noon, candidate.offer_made_at)  # on the offer's own day, never before the offer


# --- recording, correcting, undoing ---------------------------------------------------------------


def _lock(candidate: Candidate) -> None:
    """Hold the candidate's row for this transaction and read its decision afresh, so two recruiters
    saving at once are serialised (PostgreSQL: row lock; SQLite: writes begin IMMEDIATE)."""
    db.session.execute(sa.select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())
    db.session.refresh(candidate, ["stage", "decided_at", "decline_reason", "decision_note"])


def _check_expected(candidate: Candidate, expected_stage: str | None) -> None:
    if expected_stage is not None and candidate.stage != expected_stage:
        now = describe(candidate.stage, candidate.decline_reason)
        raise DecisionConflict(f"Someone else changed the decision while you were looking: it's now {now}. "
                               "Nothing was changed; check it below and try again if needed.")


def record_decision(candidate: Candidate, data: DecisionData, *, by, now: datetime | None = None,
                    expected_stage: str | None = None) -> DecisionResult:
    """Record (or correct) the outcome; call off conversations and send the exit survey as it says.

    ``expected_stage`` is the stage the recruiter saw: a different one raises DecisionConflict.
    """
    now = now or utcnow()
    zone = by.timezone
    _lock(candidate)
    _check_expected(candidate, expected_stage)
    outcome = data.outcome
    if outcome not in OUTCOMES:
        raise DecisionError("Choose what they decided.", "outcome")
    decided_at = decided_instant(candidate, data.decided_on, zone, now)
    reason = data.reason or None
    if outcome == Stage.DECLINED:
        if reason not in DECLINE_REASONS:
            raise DecisionError("Choose why they declined from the list.", "reason")
    else:
        reason = None  # a reason belongs to a decline only
    note = (data.note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise DecisionError(f"Keep the note to {MAX_NOTE:,} characters or fewer (it has {len(note):,}).", "note")

    before = (candidate.stage, candidate.decided_at, candidate.decline_reason, candidate.decision_note)
    after = (outcome, decided_at, reason, note or None)
    first_time = candidate.stage == Stage.OFFER
    action = "decided" if first_time else ("unchanged" if before == after else "changed")
    if action != "unchanged":
        candidate.stage, candidate.decided_at, candidate.decline_reason, candidate.decision_note = after
        db.session.flush()
        shown_day = ("" if to_zone(decided_at, zone).date() == today_in(zone, now)
                     else f" (decided {format_date(decided_at, zone)})")
        details = {"outcome": outcome, "reason": reason, "decided_at": decided_at.isoformat()}
        if first_time:
            record("candidate.decided", f"{by.name} recorded that {_outcome_sentence(candidate)}{shown_day}",
                   actor=by, candidate=candidate, subject=candidate, **details)
        else:
            record("candidate.decision_changed", f"{by.name} changed the decision: "
                   + _changes(before, after, zone), actor=by, candidate=candidate, subject=candidate,
                   previous={"outcome": before[0], "reason": before[2]}, **details)

    result = DecisionResult(candidate, action, zone=zone)
    # Features above candidates react: meetings calls off what a declined/withdrawn candidate had open.
    for _receiver, called_off in hooks.decided.send(candidate, stage=outcome, by=by, now=now):
        if called_off is not None:
            result.called_off += called_off
    if outcome == Stage.DECLINED and data.send_survey:
        from .exit_survey import existing_survey, send_exit_survey  # (it imports DecisionError from here)

        result.survey_sent = send_exit_survey(candidate, by=by, now=now)
        if result.survey_sent is None:
            result.survey_already = existing_survey(candidate)
    return result


def _changes(before: tuple, after: tuple, zone: str) -> str:
    parts = []
    if (before[0], before[2]) != (after[0], after[2]):
        parts.append(f"{describe(before[0], before[2])} → {describe(after[0], after[2])}")
    if before[1] != after[1]:
        parts.append(f"date → {format_date(after[1], zone)}")
    if before[3] != after[3]:
        parts.append("note updated" if after[3] else "note removed")
    return "; ".join(parts)


def undo_decision(candidate: Candidate, *, by, expected_stage: str | None = None) -> str:
    """Back to the offer stage: the outcome, date, reason and note are cleared. Returns the stage it
    had. Conversations called off stay called off; an exit survey already sent stays (and closes)."""
    _lock(candidate)
    if candidate.stage == Stage.OFFER:
        raise DecisionConflict(f"There's no decision to undo: {candidate.user.name} is already at the offer "
                               "stage. Nothing was changed.")
    _check_expected(candidate, expected_stage)
    previous = candidate.stage
    was = describe(candidate.stage, candidate.decline_reason)
    candidate.stage = Stage.OFFER
    candidate.decided_at = candidate.decline_reason = candidate.decision_note = None
    db.session.flush()
    record("candidate.decision_undone",
           f"{by.name} moved {candidate.user.name} back to the offer stage (the decision had been: {was})",
           actor=by, candidate=candidate, subject=candidate, previous=previous)
    return previous
