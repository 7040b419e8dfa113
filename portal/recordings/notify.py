"""E-mail about recorded answers (queued in the outbox, in the request's transaction)."""

from __future__ import annotations

from ..mail.services import queue_mail
from ..meetings.calendar import shown_text


def recorded_answer(candidate, person, question, recording) -> None:
    """``person`` answered the candidate's ``question`` with a recording: it is in their question list.
    A private question's text stays in the portal, as in every e-mail."""
    queue_mail("recording_answered", to=candidate.user.email,
               dedupe_key=f"recording_answered:{question.id}:{recording.id}", candidate=candidate,
               person=person, question=shown_text(question), video=recording.has_video,
               length=recording.duration_label)
