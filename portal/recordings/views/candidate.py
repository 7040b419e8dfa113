"""The candidate's side of recorded answers: playing them in the question list and on profiles, marking
a bank question answered by someone's answer for everyone, and adding that question to the list.

The question list and the profile belong to features below this one (questions, people), which never
import it (tests/test_layers.py): their templates ask two template globals,
``recordings_for_questions(questions)`` and ``recordings_for_profile(person_id)`` (``showing`` builds
both, one query each), and render ``recordings/_player.html``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...i18n import _
from ...questions.bank import BANK_BY_KEY
from ...questions.services import add_from_bank
from ...questions.views import ledger_done, ledger_refused, own_question_or_404
from ...security import role_required
from .. import bp, showing
from ..services import RecordingError, mark_answered_by, playable_by



def _candidacy():
    if not current_user.is_authenticated or current_user.role != "candidate":
        return None
    return current_user.candidacy


@bp.app_template_global("recordings_for_questions")
def recordings_for_questions(questions) -> showing.LedgerRecordings:
    """For templates/questions/index.html: the signed-in candidate's recorded answers and offers."""
    candidacy = _candidacy()
    if candidacy is None:
        return showing.LedgerRecordings()
    return showing.for_ledger(candidacy, list(questions))


@bp.app_template_global("recordings_for_profile")
def recordings_for_profile(person_id: int) -> showing.ProfileRecordings | None:
    """For templates/people/show.html (whose view has already checked the viewer may see the person)."""
    return showing.for_profile(person_id, _candidacy())


def _back_to_profile(recording) -> bool:
    return request.args.get("back") == "profile" and recording is not None


def _profile_url(recording) -> str:
    return url_for("people.show", user_id=recording.person_id) + f"#recording-{recording.id}"


@bp.post("/questions/<int:question_id>/recording/<int:recording_id>", endpoint="mark_answered")
@role_required("candidate")
def mark_answered(question_id: int, recording_id: int):
    """The candidate's open bank question is answered by someone's answer for everyone to it. From the
    ledger (htmx: the ledger again) or from the profile (``?back=profile``: back to that recording)."""
    candidacy, question = own_question_or_404(question_id)
    recording = playable_by(current_user, recording_id)
    try:
        if recording is None or not recording.for_everyone:
            raise RecordingError(_("That recording is no longer available: its person may have removed it, or "
                                   "left the directory."), "media")
        mark_answered_by(candidacy, question, recording)
    except RecordingError as error:
        db.session.rollback()
        if _back_to_profile(recording):
            flash(str(error), "error")
            return redirect(_profile_url(recording), 303)
        return ledger_refused(candidacy, str(error))
    db.session.commit()
    message = _("Marked answered by %(name)s's recording.", name=recording.person.name)
    if _back_to_profile(recording):
        flash(message, "success")
        return redirect(_profile_url(recording), 303)
    return ledger_done(candidacy, message)


@bp.post("/recordings/<int:recording_id>/add-question", endpoint="add_question")
@role_required("candidate")
def add_question(recording_id: int):
    """From a profile: the bank question this answer for everyone answers goes on the candidate's list,
    and they come back to the recording (where they can now mark it answered)."""
    candidacy = current_user.candidacy
    recording = playable_by(current_user, recording_id)
    if candidacy is None or recording is None or not recording.for_everyone or recording.bank_key not in BANK_BY_KEY:
        abort(404)
    try:
        created = add_from_bank(candidacy, recording.bank_key)[1]
        db.session.commit()
    except IntegrityError:  # the same click arrived twice at once: the other one added it
        db.session.rollback()
        created = False
    text = BANK_BY_KEY[recording.bank_key].text
    flash(_("Added to your questions: “%(question)s”", question=text) if created
          else _("That question is already on your list."), "success")
    return redirect(_profile_url(recording), 303)
