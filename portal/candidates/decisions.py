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
from flask_babel import format_decimal

from ..audit.services import record
from ..extensions import db
from ..forms import FieldError
from ..i18n import _, language_of, ngettext
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
        """What the recruiter is told, in one paragraph (in the language being rendered)."""
        candidate = self.candidate
        name, first = candidate.user.name, candidate.user.first_name
        if self.action == "decided":
            parts = [_("Recorded: %(outcome)s.", outcome=_outcome_sentence(candidate))]
        elif self.action == "changed":
            parts = [_("Decision updated: %(decision)s.", decision=describe(candidate.stage, candidate.decline_reason))]
        else:
            parts = [_("Nothing changed: that is the decision already recorded for %(name)s.", name=name)]
        off = self.called_off
        if off.total:
            parts.append(_called_off(off))
        elif candidate.stage in ENDS_CONVERSATIONS and self.action != "unchanged":
            parts.append(_("There were no open requests or upcoming conversations to call off."))
        if self.survey_sent is not None:
            parts.append(_("%(name)s has been e-mailed the optional exit survey.", name=first))
        elif self.survey_already is not None:
            sent = format_date(self.survey_already.sent_at, self.zone)
            parts.append(_("The exit survey was already sent on %(date)s, so no second one went out.", date=sent))
        return " ".join(parts)


def _called_off(off: CalledOff) -> str:
    """"2 open requests and 1 upcoming conversation were called off; …": one sentence, plurals done."""
    if off.requests and off.conversations:
        return _("%(requests)s and %(conversations)s were called off; the people involved have been e-mailed.",
                 requests=ngettext("%(num)d open request", "%(num)d open requests", off.requests),
                 conversations=ngettext("%(num)d upcoming conversation", "%(num)d upcoming conversations",
                                        off.conversations))
    if off.requests:
        return ngettext("%(num)d open request was called off; the people involved have been e-mailed.",
                        "%(num)d open requests were called off; the people involved have been e-mailed.",
                        off.requests)
    return ngettext("%(num)d upcoming conversation was called off; the people involved have been e-mailed.",
                    "%(num)d upcoming conversations were called off; the people involved have been e-mailed.",
                    off.conversations)


def describe(stage: str, reason: str | None = None) -> str:
    """``Declined (Compensation)``, ``Accepted``, ``Offer stage``: one decision in words (in the
    language being rendered)."""
    label = str(STAGE_LABELS.get(stage, stage))
    if stage == Stage.DECLINED and reason:
        return _("%(stage)s (%(reason)s)", stage=label, reason=str(DECLINE_REASONS.get(reason, reason)))
    return label


def reason_label(reason: str | None) -> str:
    return str(DECLINE_REASONS.get(reason or "", ""))


def _outcome_sentence(candidate: Candidate) -> str:
    name = candidate.user.name
    if candidate.stage == Stage.ACCEPTED:
        return _("%(name)s accepted the offer", name=name)
    if candidate.stage == Stage.DECLINED:
        return _("%(name)s declined the offer (%(reason)s)", name=name,
                 reason=reason_label(candidate.decline_reason) or _("no reason given"))
    return _("%(name)s's offer was withdrawn", name=name)


def _characters(limit: int, count: int) -> str:
    """"Keep the note to 2,000 characters or fewer (it has 2,001).", numbers in the reader's format."""
    return ngettext("Keep the note to %(limit)s character or fewer (it has %(count)s).",
                    "Keep the note to %(limit)s characters or fewer (it has %(count)s).", limit,
                    limit=format_decimal(limit), count=format_decimal(count))


# --- dates ----------------------------------------------------------------------------------------


def today_in(zone: str, now: datetime | None = None) -> date:
    return to_zone(now or utcnow(), zone).date()


def offer_day(candidate: Candidate, zone: str) -> date:
    return to_zone(candidate.offer_made_at, zone).date()


def decided_instant(candidate: Candidate, day: date | None, zone: str, now: datetime) -> datetime:
    """The UTC instant to store for ``day`` (a date in ``zone``), or DecisionError saying why not."""
    if day is None:
        raise DecisionError(_("Enter the date they decided, like 2026-03-14."), "decided_on")
    today = today_in(zone, now)
    if day > today:
        raise DecisionError(_("The date can't be in the future: today is %(today)s in your time zone (%(zone)s).",
                              today=format_date(now, zone), zone=zone), "decided_on")
    if day < offer_day(candidate, zone):
        raise DecisionError(_("The date can't be before the offer was made, on %(date)s.",
                              date=format_date(candidate.offer_made_at, zone)), "decided_on")
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
        raise DecisionConflict(_("Someone else changed the decision while you were looking: it's now %(decision)s. "
                                 "Nothing was changed; check it below and try again if needed.", decision=now))


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
        raise DecisionError(_("Choose what they decided."), "outcome")
    decided_at = decided_instant(candidate, data.decided_on, zone, now)
    reason = data.reason or None
    if outcome == Stage.DECLINED:
        if reason not in DECLINE_REASONS:
            raise DecisionError(_("Choose why they declined from the list."), "reason")
    else:
        reason = None  # a reason belongs to a decline only
    note = (data.note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise DecisionError(_characters(MAX_NOTE, len(note)), "note")

    before = (candidate.stage, candidate.decided_at, candidate.decline_reason, candidate.decision_note)
    after = (outcome, decided_at, reason, note or None)
    first_time = candidate.stage == Stage.OFFER
    action = "decided" if first_time else ("unchanged" if before == after else "changed")
    if action != "unchanged":
        candidate.stage, candidate.decided_at, candidate.decline_reason, candidate.decision_note = after
        db.session.flush()
        details = {"outcome": outcome, "reason": reason, "decided_at": decided_at.isoformat()}
        with language_of("en"):  # the audit trail is stored in English
            shown_day = ("" if to_zone(decided_at, zone).date() == today_in(zone, now)
                         else f" (decided {format_date(decided_at, zone)})")
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
        raise DecisionConflict(_("There's no decision to undo: %(name)s is already at the offer stage. "
                                 "Nothing was changed.", name=candidate.user.name))
    _check_expected(candidate, expected_stage)
    previous = candidate.stage
    with language_of("en"):  # for the audit trail, stored in English
        was = describe(candidate.stage, candidate.decline_reason)
    candidate.stage = Stage.OFFER
    candidate.decided_at = candidate.decline_reason = candidate.decision_note = None
    db.session.flush()
    record("candidate.decision_undone",
           f"{by.name} moved {candidate.user.name} back to the offer stage (the decision had been: {was})",
           actor=by, candidate=candidate, subject=candidate, previous=previous)
    return previous
