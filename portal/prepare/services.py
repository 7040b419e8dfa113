"""The preparation room: what a candidate sees and ticks before a conversation (flush, never commit).

A conversation can be prepared for while it is confirmed and not over. The checklist has the items
that fit its format (``items``): a video call has all four; a phone call checks the microphone
only; in person there is nothing to plug in and no quiet corner to find, so those two are left
out; written answers take no time together and have no checklist. Suggested questions come from
the question bank, ranked for this person by ``questions.suggestions`` (their topics, title and
team; never what they'd rather not discuss), leaving out what the candidate already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask_babel import npgettext  # (portal/i18n.py has no npgettext of its own)
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import FieldError
from ..i18n import _, ngettext
from ..meetings.calendar import agenda_questions
from ..meetings.models import Meeting, meeting_question
from ..questions.bank import BANK, BANK_BY_KEY, BankQuestion
from ..questions.models import Question
from ..questions.services import add_from_bank
from ..questions.suggestions import suggest_people
from .models import CHECKLIST, MeetingPrep

MAX_SUGGESTIONS = 5


class PrepareError(FieldError):
    """Something the preparation room refuses, with the message the candidate reads."""


# --- which conversations, which items -----------------------------------------------------------


def is_over(meeting: Meeting, now: datetime) -> bool:
    return meeting.end_at is not None and meeting.end_at <= now


def can_prepare(meeting: Meeting, now: datetime) -> bool:
    """Confirmed and not over yet (a conversation under way still shows its link and questions)."""
    return meeting.status == "confirmed" and not is_over(meeting, now)


def items(meeting: Meeting) -> dict[str, str]:
    """The checklist items that fit the conversation's format: field → what the candidate ticks."""
    first = meeting.staff.first_name
    if meeting.format == "written":
        return {}
    if meeting.format == "in_person":
        return {"questions_ready": str(CHECKLIST["questions_ready"]),
                "link_opened": _("I know where we meet and how to get there")}
    if meeting.format == "phone":
        return {"quiet_place": _("I have a quiet place with good phone reception"),
                "questions_ready": str(CHECKLIST["questions_ready"]),
                "link_opened": _("I know how we connect (who calls whom, and on which number) with %(name)s",
                                 name=first),
                "devices_checked": _("My microphone works")}
    return {"quiet_place": str(CHECKLIST["quiet_place"]), "questions_ready": str(CHECKLIST["questions_ready"]),
            "link_opened": _("I opened the video link"), "devices_checked": str(CHECKLIST["devices_checked"])}


def device_check(meeting: Meeting) -> str | None:
    """What the device check tries: ``"video"`` (camera and microphone), ``"audio"`` (a phone call:
    the microphone), or None (in person, in writing: nothing to check)."""
    return {"video": "video", "office_hours": "video", "phone": "audio"}.get(meeting.format)


def prep_of(meeting: Meeting) -> MeetingPrep:
    """The conversation's checklist as saved (an unsaved empty one when nothing was ticked yet)."""
    return db.session.get(MeetingPrep, meeting.id) or MeetingPrep(
        meeting_id=meeting.id, quiet_place=False, questions_ready=False, link_opened=False, devices_checked=False)


@dataclass
class Progress:
    ready: int
    total: int

    @property
    def label(self) -> str:
        return ngettext("%(ready)d of %(num)d ready", "%(ready)d of %(num)d ready", self.total, ready=self.ready)


def progress(meeting: Meeting, prep: MeetingPrep) -> Progress:
    fields = items(meeting)
    return Progress(sum(1 for field in fields if getattr(prep, field)), len(fields))


def save_checklist(meeting: Meeting, ticked: dict[str, bool], now: datetime) -> MeetingPrep:
    """Save what the candidate ticked; items that don't fit the format are left as they are."""
    if not can_prepare(meeting, now):
        raise PrepareError(_("This conversation isn't coming up any more, so its checklist can't be changed."))
    fields = items(meeting)
    values = {field: bool(ticked.get(field)) for field in fields}
    prep = db.session.get(MeetingPrep, meeting.id)
    if prep is None:
        try:
            with db.session.begin_nested():  # the first save of two at once: the other one made the row
                prep = MeetingPrep(meeting_id=meeting.id, **values)
                db.session.add(prep)
            return prep
        except IntegrityError:
            prep = db.session.get(MeetingPrep, meeting.id, populate_existing=True)
    for field, value in values.items():
        setattr(prep, field, value)
    db.session.flush()
    return prep


# --- questions ----------------------------------------------------------------------------------


def questions_for(meeting: Meeting, own: list[Question]) -> tuple[list[Question], list[Question]]:
    """(this conversation's agenda, the candidate's other questions directed to this person);
    ``own``: the candidate's questions (``candidate_questions``)."""
    agenda = agenda_questions(meeting)
    on_agenda = {q.id for q in agenda}
    directed = [q for q in own if q.directed_to_id == meeting.staff_id and q.id not in on_agenda]
    return agenda, directed


@dataclass(frozen=True)
class Suggested:
    question: BankQuestion
    topics: tuple[str, ...]  # the person's "ask me about" topics it fits (none when it fits their role)


def _topics_hit(reasons, topics: list[str]) -> tuple[str, ...]:
    """The person's topics that the matched terms came from ("debt" → "tech debt")."""
    return tuple(topic for topic in topics
                 if any(re.search(rf"(?<![a-z0-9]){re.escape(reason)}", topic.lower()) for reason in reasons))


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?.! ")


def suggestions(meeting: Meeting, own: list[Question], limit: int = MAX_SUGGESTIONS) -> list[Suggested]:
    """Bank questions that fit the person, best match first, without the ones the candidate already
    has (``own``: added from the bank, or the same words written themself)."""
    profile = meeting.staff.profile
    if profile is None:
        return []
    have_keys = {q.bank_key for q in own if q.bank_key}
    have_texts = {_normal(q.text) for q in own}
    candidates = [item for item in BANK if item.key not in have_keys and _normal(item.text) not in have_texts]
    # suggest_people reads questions by id, category, text, direction and status.
    stand_ins = [SimpleNamespace(id=n, category=item.category, text=item.text, directed_to_id=None,
                                 is_answered=False) for n, item in enumerate(candidates)]
    matches = suggest_people(stand_ins, [profile], limit=1)
    ranked = []
    for n, item in enumerate(candidates):
        found = matches.get(n) or []
        if found:
            ranked.append((-len(found[0].reasons), n, Suggested(item, _topics_hit(found[0].reasons, profile.topic_list))))
    ranked.sort(key=lambda row: row[:2])
    return [suggested for *_, suggested in ranked[:limit]]


def add_suggestion(meeting: Meeting, key: str, now: datetime) -> tuple[Question, bool]:
    """Bank question ``key`` onto the candidate's list, directed to the person, and onto this
    conversation's agenda: (question, True); (the question, False) when the candidate already has it.

    It is asked in the conversation: directed here without the written-answer mail a question
    directed from the question list sends (``questions.hooks.directed``), since the person will
    hear it in a conversation already booked and sees it on their confirmation details.
    """
    if key not in BANK_BY_KEY:
        raise LookupError(key)
    if not can_prepare(meeting, now):
        raise PrepareError(_("This conversation isn't coming up any more, so nothing can be added to it."))
    question, created = add_from_bank(meeting.candidate, key)
    if not created:
        return question, False
    question.directed_to_id = meeting.staff_id
    db.session.execute(meeting_question.insert().values(meeting_id=meeting.id, question_id=question.id))
    db.session.flush()
    return question, True


# --- time ---------------------------------------------------------------------------------------


# A countdown's units ("in 2 days, 3 hours"): their own context, as a language may inflect them after "in".
def _days(n: int, shown=None) -> str:
    return npgettext("countdown", "%(count)s day", "%(count)s days", n, count=n if shown is None else shown)


def _hours(n: int, shown=None) -> str:
    return npgettext("countdown", "%(count)s hour", "%(count)s hours", n, count=n if shown is None else shown)


def _minutes(n: int, shown=None) -> str:
    return npgettext("countdown", "%(count)s minute", "%(count)s minutes", n, count=n if shown is None else shown)


def _within(time: str, more: str | None = None) -> str:
    return _("in %(time)s, %(more)s", time=time, more=more) if more else _("in %(time)s", time=time)


def countdown(start: datetime | None, end: datetime | None, now: datetime) -> str:
    """``in 2 days, 3 hours``, ``in 5 hours, 20 minutes``, ``in 12 minutes``, ``starting now``,
    ``happening now``: whole units, never more time than there is (prepare.js says the same, in the
    words of ``countdown_words``)."""
    if start is None:
        return ""
    seconds = int((start - now).total_seconds())
    if seconds <= 0:
        return _("happening now") if end is None or end > now else _("over")
    if seconds < 60:
        return _("starting now")
    minutes = seconds // 60
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return _within(_days(days), _hours(hours) if hours else None)
    if hours:
        return _within(_hours(hours), _minutes(mins) if mins else None)
    return _within(_minutes(mins))


def countdown_words() -> dict:
    """``countdown``'s words for static/prepare.js, in the reader's language: ``{time}``, ``{more}`` and
    ``{n}`` are filled in there; a unit is [one, other] (one for exactly 1)."""
    return {
        "now": _("happening now"), "over": _("over"), "starting": _("starting now"),
        "in": _within("{time}"), "inMore": _within("{time}", "{more}"),
        "day": [_days(1, "{n}"), _days(2, "{n}")],
        "hour": [_hours(1, "{n}"), _hours(2, "{n}")],
        "minute": [_minutes(1, "{n}"), _minutes(2, "{n}")],
    }
