"""A candidate's personal data as a download: their own copy, or the full copy for a formal request.

Two exports, one shape:

- ``own`` (the candidate's "Download my data"): what the portal showed them and what they wrote or
  did. Nothing recruiters or interviewers wrote that the candidate hasn't been shown: no draft of
  the good-news message, no interviewer feedback before the message is published, no decision
  note, no recruiter-only timeline entries.
- ``formal`` (an admin, answering a request under GDPR Art. 15): the same sections, plus
  ``internal_notes``: everything else the portal holds about them, marked as internal notes not
  shown to the candidate in the portal.

So a candidate's own download never holds a surprise, and the company can still give the complete
answer the law asks for, deliberately, with the internal part labelled.

Recorded answers: the recordings made for this candidate alone are in the zip as files
(``recordings/1-what-would-my-first-month-look-like.ogg``, named by their order and question, never by
the storage key), with their captions as ``.vtt``, and ``data.json`` says who answered which question,
when, the summary and the captions. Answers for everyone that the candidate marked as answering one of
their questions are listed (who, which question, when, the summary) without the file: such a
recording is the person's answer to every candidate, not data about this one, and it stays on their
profile for as long as they keep it.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template

from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.models import User
from ..candidates.models import DECLINE_REASONS, Candidate, ExitSurvey
from ..extensions import db
from ..i18n import _l, language_of
from ..feedback.models import FeedbackMessage, InterviewFeedback, MessageRevision
from ..mail.models import OutboxMessage
from ..meetings.models import Meeting
from ..office_hours.models import HoursEntry, HoursLink, HoursWatch, HoursWindow
from ..questions.bank import BANK_BY_KEY
from ..questions.models import Question
from ..recordings.media import media_path
from ..recordings.services import answering, candidate_recordings
from ..timeutil import format_datetime, utcnow

OWN, FORMAL = "own", "formal"
# The export is written in the candidate's language (``write_export``): data.json's keys stay English
# (a data format), its sentences for people (these) and index.html are translated.
INTERNAL_HEADING = _l("Internal notes, not shown to the candidate in the portal")
CONTENTS = {
    OWN: _l("What the portal has shown you, and what you wrote and did in it. Internal notes by the hiring team "
            "are not included: ask your recruiter for a full copy of your personal data if you want them."),
    FORMAL: _l("Everything the portal holds about you: what it has shown you, what you wrote and did in it, and, "
               "in the last section, internal notes by the hiring team that the portal doesn't show you."),
}
# index.html's row headings for data.json's keys (a key missing here is shown as it is spelled).
LABELS = {
    "name": _l("Name"), "email": _l("E-mail address"), "time_zone": _l("Time zone"), "role": _l("Role"),
    "created_at": _l("Created"), "last_sign_in_at": _l("Last sign-in"),
    "position": _l("Position"), "team": _l("Team"), "stage": _l("Stage"), "offer_made_at": _l("Offer made"),
    "decision_deadline": _l("Decision deadline"), "decided_at": _l("Decided"), "decline_reason": _l("Decline reason"),
    "invited_at": _l("Invited"), "first_signed_in_at": _l("First signed in"), "recruiter": _l("Recruiter"),
    "text": _l("Text"), "category": _l("Category"), "private": _l("Private"), "status": _l("Status"),
    "directed_to": _l("Directed to"), "answered_via": _l("Answered via"), "answered_by": _l("Answered by"),
    "answered_at": _l("Answered"), "written_answer": _l("Written answer"),
    "with": _l("With"), "format": _l("Format"), "length_minutes": _l("Length in minutes"), "start_at": _l("Start"),
    "end_at": _l("End"), "note": _l("Note"), "reason": _l("Reason"), "rating": _l("Rating"),
    "requested_at": _l("Requested"), "window_start_at": _l("Office hours start"),
    "window_end_at": _l("Office hours end"), "place_in_queue": _l("Place in the queue"), "joined_at": _l("Joined"),
    "admitted_at": _l("Admitted"), "ended_at": _l("Ended"), "sent_at": _l("Sent"), "answer": _l("Answer"),
}

# Timeline entries the candidate has seen (in the portal or by e-mail) or caused. Anything else, a
# kind added later included, is a recruiter's working note and goes to the internal section.
SHARED_ACTIONS = frozenset({
    "candidate.created", "candidate.first_sign_in", "candidate.decided", "candidate.decision_changed",
    "candidate.decision_undone", "candidate.exit_survey_sent", "candidate.exit_survey_answered",
    "message.published", "message.edited",
    "meeting.requested", "meeting.approved", "meeting.rejected", "meeting.redirected", "meeting.accepted",
    "meeting.declined", "meeting.time_proposed", "meeting.cancelled", "meeting.rescheduled",
    "meeting.completed", "meeting.no_show", "meeting.new_times",
    "question.written_requested", "question.answered_in_writing", "question.answered_by_recording",
    "hours.joined", "hours.left", "hours.admitted", "hours.talk_ended", "hours.no_show",
})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")


def readable_time(value, zone: str):
    """For the export's index.html: an ISO moment from data.json as people read it, in the candidate's
    zone with its name ("Thu 3 Dec 2026, 21:54 GMT (Europe/London)"); anything else as it is."""
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        return format_datetime(datetime.fromisoformat(value), zone)
    return value


def _text(label) -> str | None:
    """A label as text in the export's language (labels may be lazy: data.json holds plain strings)."""
    return None if label is None else str(label)


def _feedback(f: InterviewFeedback) -> dict:
    return {"interviewer": f.interviewer.name, "went_well": f.went_well, "to_grow": f.to_grow,
            "submitted_at": _iso(f.submitted_at)}


def _event(e: AuditEvent) -> dict:
    return {"at": _iso(e.at), "action": e.action, "summary": e.summary}


def _office_hours(candidate: Candidate) -> tuple[dict, list[dict]]:
    """Their places in office hours queues and the people they asked to hear about (shown to them), and
    the links to office hours made for them alone (internal: not every one was sent)."""
    entries = db.session.execute(
        sa.select(HoursEntry, HoursWindow, User.name).join(HoursWindow, HoursWindow.id == HoursEntry.window_id)
        .join(User, User.id == HoursWindow.staff_id).where(HoursEntry.candidate_id == candidate.id)
        .order_by(HoursEntry.joined_at, HoursEntry.id)).all()
    watches = db.session.execute(
        sa.select(HoursWatch.created_at, User.name).join(User, User.id == HoursWatch.staff_id)
        .where(HoursWatch.candidate_id == candidate.id).order_by(HoursWatch.created_at)).all()
    links = db.session.execute(
        sa.select(HoursLink, HoursWindow.start_at, User.name).join(HoursWindow, HoursWindow.id == HoursLink.window_id)
        .join(User, User.id == HoursWindow.staff_id).where(HoursLink.candidate_id == candidate.id)
        .order_by(HoursLink.created_at, HoursLink.id)).all()
    shown = {
        "queues": [{"with": name, "window_start_at": _iso(window.start_at), "window_end_at": _iso(window.end_at),
                    "place_in_queue": entry.position, "status": entry.status, "joined_at": _iso(entry.joined_at),
                    "admitted_at": _iso(entry.admitted_at), "ended_at": _iso(entry.ended_at)}
                   for entry, window, name in entries],
        "tell_me_when_live": [{"person": name, "asked_at": _iso(at)} for at, name in watches],
    }
    internal = [{"with": name, "window_start_at": _iso(start), "expires_at": _iso(link.expires_at),
                 "created_at": _iso(link.created_at)} for link, start, name in links]
    return shown, internal


def _slug(text: str, limit: int = 40) -> str:
    """``what-would-my-first-month-look-like``: a file name's words, ASCII, at most ``limit`` long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0] if "-" in words[:limit] else words[:limit]
    return words or "answer"


def _recordings(candidate: Candidate, questions: list[Question]) -> tuple[dict, list[tuple[Path, str]]]:
    """The recordings section and the files to put in the zip: (path on disk, name in the zip)."""
    text_of = {q.id: q.text for q in questions}
    files: list[tuple[Path, str]] = []
    for_you = []
    for n, recording in enumerate(candidate_recordings(candidate), start=1):
        question = text_of.get(recording.question_id, "")
        base = f"recordings/{n}-{_slug(question)}"
        path = media_path(recording.file_key)
        name = f"{base}.{recording.file_key.rsplit('.', 1)[1]}" if path.is_file() else None
        if name:
            files.append((path, name))
        for_you.append({"question": question, "answered_by": recording.person.name,
                        "recorded_at": _iso(recording.created_at),
                        "kind": "video" if recording.has_video else "audio", "length": recording.duration_label,
                        "summary": recording.summary, "captions": recording.captions, "file": name,
                        "captions_file": f"{base}.vtt" if recording.captions else None})
    answered = [q for q in questions if q.answered_via == "recording" and q.bank_key]
    found = answering(answered)
    for_everyone = [
        {"your_question": q.text, "bank_question": BANK_BY_KEY[q.bank_key].text if q.bank_key in BANK_BY_KEY else None,
         "answered_by": r.person.name, "recorded_at": _iso(r.created_at), "summary": r.summary,
         "marked_answered_at": _iso(q.answered_at)}
        for q in answered if (r := found.get(q.id)) is not None and r.for_everyone]
    return {"for_you": for_you, "for_everyone_answering_your_questions": for_everyone}, files


def export_data(candidate: Candidate, kind: str = OWN) -> dict:
    """The candidate's personal data as plain JSON-able data; ``kind`` is ``own`` or ``formal``."""
    return _collect(candidate, kind)[0]


def _collect(candidate: Candidate, kind: str) -> tuple[dict, list[tuple[Path, str]]]:
    """(the data, the recordings' files to add to the zip)."""
    if kind not in (OWN, FORMAL):
        raise ValueError(f"unknown export kind {kind!r}")
    user = candidate.user
    feedback = db.session.scalars(sa.select(InterviewFeedback).where(InterviewFeedback.candidate_id == candidate.id)
                                  .order_by(InterviewFeedback.requested_at, InterviewFeedback.id)).all()
    message = db.session.scalar(sa.select(FeedbackMessage).where(FeedbackMessage.candidate_id == candidate.id))
    published = message is not None and message.is_published
    revisions = db.session.scalars(
        sa.select(MessageRevision).where(MessageRevision.message_id == message.id)
        .order_by(MessageRevision.created_at.desc(), MessageRevision.id.desc())).all() if published else []
    questions = db.session.scalars(sa.select(Question).where(Question.candidate_id == candidate.id)
                                   .order_by(Question.created_at, Question.id)).all()
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.candidate_id == candidate.id)
                                  .order_by(Meeting.created_at, Meeting.id)).all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.candidate_id == candidate.id)
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == user.email)
                               .order_by(OutboxMessage.created_at, OutboxMessage.id)).all()
    survey = db.session.scalar(sa.select(ExitSurvey).where(ExitSurvey.candidate_id == candidate.id))
    office_hours, office_hours_links = _office_hours(candidate)
    recordings, files = _recordings(candidate, questions)

    # Interviewers write their feedback for the candidate to read; it reaches them with the message.
    shared_feedback = [f for f in feedback if published and f.is_submitted]
    shared_events = [e for e in events if e.action in SHARED_ACTIONS or (e.actor_id == user.id)]

    data = {
        "export": {
            "kind": kind,
            "contents": str(CONTENTS[kind]),
        },
        "exported_at": utcnow().isoformat(),
        "account": {"name": user.name, "email": user.email, "time_zone": user.timezone, "role": user.role,
                    "created_at": _iso(user.created_at), "last_sign_in_at": _iso(user.last_sign_in_at)},
        "offer": {
            "position": candidate.position.title, "team": candidate.position.team, "stage": _text(candidate.stage_label),
            "offer_made_at": _iso(candidate.offer_made_at), "decision_deadline": _iso(candidate.decision_deadline),
            "decided_at": _iso(candidate.decided_at),
            "decline_reason": _text(DECLINE_REASONS.get(candidate.decline_reason or "", None)),
            "invited_at": _iso(candidate.invited_at), "first_signed_in_at": _iso(candidate.first_signed_in_at),
            "recruiter": candidate.owner.name if candidate.owner else None,
        },
        "interviewer_feedback": [_feedback(f) for f in shared_feedback],
        "feedback_message": ({"body": message.body, "published_at": _iso(message.published_at),
                              "earlier_versions": [{"body": r.body, "published_at": _iso(r.created_at)}
                                                   for r in revisions[1:]]} if published else None),
        "questions": [
            {"text": q.text, "category": _text(q.category_label), "private": q.private, "status": q.status,
             "directed_to": q.directed_to.name if q.directed_to else None, "answered_via": q.answered_via,
             "answered_by": q.answered_by.name if q.answered_by else None, "answered_at": _iso(q.answered_at),
             "written_answer": q.written_answer, "created_at": _iso(q.created_at)} for q in questions],
        "conversations": [
            {"with": m.staff.name, "format": _text(m.format_label), "length_minutes": m.length_minutes, "status": m.status,
             "start_at": _iso(m.start_at), "end_at": _iso(m.end_at), "note": m.note, "reason": m.reason,
             "rating": m.rating, "requested_at": _iso(m.created_at),
             "history": [{"from": t.from_status, "to": t.to_status, "at": _iso(t.at)} for t in m.transitions]}
            for m in meetings],
        "office_hours": office_hours,
        "recorded_answers": recordings,
        "exit_survey": ({"sent_at": _iso(survey.sent_at), "answered_at": _iso(survey.answered_at),
                         "answer": survey.answer} if survey else None),
        "timeline": [_event(e) for e in shared_events],
        "emails": [{"to": m.to_addr, "subject": m.subject, "kind": m.kind, "status": m.status,
                    "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)} for m in mails],
    }
    if kind == FORMAL:
        shown_feedback, shown_events = {f.id for f in shared_feedback}, {e.id for e in shared_events}
        data["internal_notes"] = {
            "heading": str(INTERNAL_HEADING),
            "decision_note": candidate.decision_note or None,
            "source": candidate.source or None,
            "draft_feedback_message": ({"body": message.body, "saved_at": _iso(message.updated_at)}
                                       if message is not None and not published else None),
            "interviewer_feedback_not_shared": [{**_feedback(f), "requested_at": _iso(f.requested_at)}
                                                for f in feedback if f.id not in shown_feedback],
            "timeline": [_event(e) for e in events if e.id not in shown_events],
            "office_hours_links": office_hours_links,
        }
    return data, files


def write_export(candidate: Candidate, kind: str, target) -> None:
    """``data.json``, a readable ``index.html`` of the same data, and the recordings made for the
    candidate (with their captions), zipped into ``target`` (a binary file open for writing). The
    recordings are copied from disk as they are (already compressed), never held in memory whole."""
    zone = candidate.user.timezone
    with language_of(candidate.user):  # whoever downloads it, it is the candidate's data, for them
        data, files = _collect(candidate, kind)
        html = render_template("privacy/export.html", data=data, company=current_app.config["COMPANY_NAME"],
                               zone=zone, labels=LABELS, when=lambda value: readable_time(value, zone))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr("index.html", html)
        for path, name in files:
            archive.write(path, name, compress_type=zipfile.ZIP_STORED)
        for entry in data["recorded_answers"]["for_you"]:
            if entry["captions_file"]:
                archive.writestr(entry["captions_file"], entry["captions"])


def export_file(candidate: Candidate, kind: str = OWN):
    """The zip in a temporary file (on disk once past a few MB), at its start, for ``send_file``."""
    # Closed by the response once sent (send_file), so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        write_export(candidate, kind, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def export_zip(candidate: Candidate, kind: str = OWN) -> bytes:
    """The zip as bytes (tests, small exports)."""
    buffer = io.BytesIO()
    write_export(candidate, kind, buffer)
    return buffer.getvalue()


def record_export(candidate: Candidate, by: User, kind: str = OWN) -> None:
    who = "themself" if by.id == candidate.user_id else by.name
    what = " (full copy with internal notes, for a formal request)" if kind == FORMAL else ""
    record("candidate.exported", f"Personal data of candidate #{candidate.id} exported by {who}{what}",
           actor=by, candidate=candidate, subject=candidate, kind=kind)
