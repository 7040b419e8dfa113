"""A signed-in person's recorded answers (staff with a profile), next to their profile at /profile.

/profile/recordings                       their answers for every candidate (bank questions), and the
                                          candidates' open questions directed to them;
/profile/recordings/bank/<key>            record (or record again) an answer for every candidate;
/profile/recordings/bank/<key>/remove     take one back (POST);
/profile/recordings/questions/<id>        answer one candidate's question directed to them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ...candidates.models import Candidate
from ...extensions import db
from ...forms import EmptyForm
from ...i18n import _
from ...questions.bank import BANK_BY_KEY, bank_by_category
from ...questions.models import CATEGORIES, Question
from ...rendering import render
from ...security import me, role_required
from .. import bp, notify
from ..services import (answer_question, bank_recording, finish_written_conversations, for_everyone_by,
                        record_for_everyone, remove_for_everyone)
from .recorder import recorder_page, recording_form, refused_status, send, takes_uploads


def _own_profile():
    profile = current_user.profile
    if profile is None:
        abort(404)
    return profile


def _bank_question(bank_key: str):
    question = BANK_BY_KEY.get(bank_key)
    if question is None:
        abort(404)
    return question


def questions_for(person_id: int) -> list[Question]:
    """Candidates' open questions directed to the person, of candidates still deciding (or accepted)."""
    rows = db.session.scalars(
        sa.select(Question).where(Question.directed_to_id == person_id, Question.status == "open")
        .options(joinedload(Question.candidate).joinedload(Candidate.user))
        .order_by(Question.created_at, Question.id)).unique().all()
    return [q for q in rows if q.candidate.keeps_conversations]


def _directed_question(question_id: int) -> Question:
    """An open question directed to the signed-in person, or 404."""
    question = db.session.get(Question, question_id)
    if question is None or question.directed_to_id != current_user.id or not question.candidate.keeps_conversations:
        abort(404)
    return question


@bp.get("/profile/recordings")
@role_required("staff")
def mine():
    _own_profile()
    recordings = {r.bank_key: r for r in for_everyone_by(current_user.id)}
    return render("recordings/mine.html", recordings=recordings, bank=bank_by_category(), categories=CATEGORIES,
                  questions=questions_for(current_user.id), remove_form=EmptyForm(),
                  zone=current_user.timezone)


def _bank_page(key: str, form, status: int = 200):
    question = BANK_BY_KEY[key]
    current = bank_recording(current_user.id, key)
    return recorder_page(form, status=status, action=url_for("recordings.record_bank", bank_key=key),
                         question_text=question.text, category=question.category_label, for_everyone=True,
                         current=current, person=current_user, zone=current_user.timezone,
                         back=url_for("recordings.mine"), back_label=_("Back to your recorded answers"))


@bp.route("/profile/recordings/bank/<bank_key>", methods=["GET", "POST"],
          endpoint=takes_uploads("recordings.record_bank"))
@role_required("staff")
def record_bank(bank_key: str):
    _own_profile()
    question = _bank_question(bank_key)
    form = recording_form()
    if not form.is_submitted():
        return _bank_page(bank_key, form)
    recording = send(form, lambda media, summary, captions: record_for_everyone(
        me(), bank_key, media, summary, captions))
    if recording is None:
        return _bank_page(bank_key, form, status=refused_status())
    db.session.commit()
    flash(_("Saved: every candidate who opens your profile can now play your answer to “%(question)s”",
            question=question.text), "success")
    return redirect(url_for("recordings.mine") + f"#answer-{bank_key}", 303)


@bp.post("/profile/recordings/bank/<bank_key>/remove")
@role_required("staff")
def remove_bank(bank_key: str):
    _own_profile()
    question = _bank_question(bank_key)
    recording = bank_recording(current_user.id, bank_key)  # the CSRF check is the app's (CSRFProtect)
    if recording is not None:
        remove_for_everyone(me(), recording)
        db.session.commit()
        flash(_("Removed your answer to “%(question)s”. Candidates no longer see it.", question=question.text),
              "success")
    return redirect(url_for("recordings.mine"), 303)


def _question_page(question: Question, form, status: int = 200):
    first = question.candidate.user.first_name
    return recorder_page(
        form, status=status, action=url_for("recordings.record_question", question_id=question.id),
        question=question, question_text=question.text, candidate=question.candidate, person=current_user,
        private_note=_("Private: only you and %(name)s see it", name=first) if question.private else None,
        back=url_for("recordings.mine"), back_label=_("Back to your recorded answers"), answered=question.is_answered)


@bp.route("/profile/recordings/questions/<int:question_id>", methods=["GET", "POST"],
          endpoint=takes_uploads("recordings.record_question"))
@role_required("staff")
def record_question(question_id: int):
    _own_profile()
    question = _directed_question(question_id)
    form = recording_form()
    if question.is_answered:
        return _question_page(question, form, status=410)
    if not form.is_submitted():
        return _question_page(question, form)
    recording = send(form, lambda media, summary, captions: answer_question(me(), question, media, summary,
                                                                            captions))
    if recording is None:
        return _question_page(_directed_question(question_id), form, status=refused_status())
    finish_written_conversations(me(), question)
    notify.recorded_answer(question.candidate, me(), question, recording)
    db.session.commit()
    flash(_("Your recorded answer to “%(question)s” is sent: %(name)s has it in their list of questions.",
            question=question.text, name=question.candidate.user.first_name), "success")
    return redirect(url_for("recordings.mine"), 303)
