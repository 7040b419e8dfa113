"""The question ledger: adding, changing and answering questions (flush, never commit)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..candidates import hooks as candidate_hooks
from ..candidates.models import Candidate
from ..candidates.services import count_for_candidate
from ..extensions import db
from ..forms import FieldError
from ..i18n import _, language_of, ngettext
from ..people.models import StaffProfile
from ..auth.tokens import end_links
from ..timeutil import utcnow
from . import hooks
from .bank import BANK_BY_KEY
from .forms import MAX_TEXT
from .models import CATEGORIES, Question


class QuestionError(FieldError):
    """A change that cannot be made; ``field`` names the form field the message belongs to."""


# --- reading ----------------------------------------------------------------------------------


def candidate_questions(candidate) -> list[Question]:
    """All of the candidate's questions in ledger order (open first, then in the order added).

    One query, with the people each question mentions (and whether the directory shows them: their
    profile); the page filters and counts in Python.
    """
    rows = db.session.scalars(_questions_statement(), {"candidate_id": candidate.id}).all()
    return sorted(rows, key=lambda q: q.is_answered)  # stable: keeps the order added within each


@cache
def _questions_statement() -> sa.Select:
    """``candidate_questions``' statement, built once (with its cache key): every view of the list reads it."""
    return (sa.select(Question)
            .where(Question.candidate_id == sa.bindparam("candidate_id"))
            .options(joinedload(Question.directed_to).joinedload(User.profile), joinedload(Question.answered_by))
            .order_by(Question.created_at, Question.id))


def filter_questions(questions: list[Question], status: str = "", category: str = "") -> list[Question]:
    return [q for q in questions
            if (not status or q.status == status) and (not category or q.category == category)]


def get_question(candidate, question_id: int) -> Question | None:
    """The candidate's own question, or None (someone else's question is as good as missing)."""
    return db.session.scalar(
        sa.select(Question).where(Question.id == question_id, Question.candidate_id == candidate.id)
    )


def question_progress(candidate) -> tuple[int, int]:
    """(answered, total) for the candidate's whole ledger, in one query."""
    counts = dict(db.session.execute(_progress_statement(), {"candidate_id": candidate.id}).all())
    return counts.get("answered", 0), sum(counts.values())


@cache
def _progress_statement() -> sa.Select:
    """Built once: the candidate's home reads it on every view."""
    return (sa.select(Question.status, sa.func.count())
            .where(Question.candidate_id == sa.bindparam("candidate_id")).group_by(Question.status))


def open_question_count(candidate) -> int:
    answered, total = question_progress(candidate)
    return total - answered


def progress_of(questions: list[Question]) -> tuple[int, int]:
    """(answered, total) of questions already loaded."""
    return sum(1 for q in questions if q.is_answered), len(questions)


def visible_staff() -> list[StaffProfile]:
    """Everyone candidates can see in the directory, by name, with their user (one query)."""
    return list(db.session.scalars(
        sa.select(StaffProfile).join(StaffProfile.user)
        .where(StaffProfile.visible.is_(True), User.active.is_(True))
        .options(joinedload(StaffProfile.user))
        .order_by(User.name)
    ).all())


def questions_for_recruiter(questions: list[Question]) -> list[dict]:
    """What a recruiter may see of the ledger (``candidate_questions``): a private question's text is
    withheld (None), and so is who answered it (it would say whom it was put to). How it was answered is
    shown ("with a recording"), never the answer itself: a written answer's text and a recording stay the
    candidate's."""
    return [
        {
            "id": q.id,
            "category_label": q.category_label,
            "status": q.status,
            "private": q.private,
            "answered_at": q.answered_at,
            "answered_via": q.answered_via if q.is_answered else None,
            "answered_by": None if q.private or q.answered_by is None else q.answered_by.name,
            "text": None if q.private else q.text,
        }
        for q in questions
    ]


# --- changing ---------------------------------------------------------------------------------


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise QuestionError(_("Write your question."), "text")
    if len(text) > MAX_TEXT:
        raise QuestionError(ngettext("Keep it to %(num)d character or fewer.", "Keep it to %(num)d characters or fewer.",
                                     MAX_TEXT), "text")
    return text


def _clean_category(category: str | None) -> str:
    if category not in CATEGORIES:
        raise QuestionError(_("Choose a category from the list."), "category")
    return category


def _clean_person(user_id: int | None) -> int | None:
    """None (anyone), or the id of a person candidates can see in the directory."""
    if user_id is None:
        return None
    profile = db.session.get(StaffProfile, user_id) if isinstance(user_id, int) and user_id > 0 else None
    if profile is None or not profile.visible or not profile.user.active:
        raise QuestionError(_("Choose someone from the list, or Anyone."), "directed_to")
    return profile.user_id


def _note(action: str, question: Question, verb: str) -> None:
    """A timeline entry that never contains the question's words (they may be private):
    "Jordan Lee added a question (Growth)"."""
    candidate = question.candidate
    with language_of("en"):  # the audit trail is stored in English
        category = question.category_label
    record(f"question.{action}", f"{candidate.user.name} {verb} a question ({category})",
           actor=candidate.user, candidate=candidate, subject=question)


def add_question(candidate, text: str, category: str = "other", directed_to_id: int | None = None,
                 private: bool = False, bank_key: str | None = None) -> Question:
    question = Question(
        candidate_id=candidate.id,
        text=_clean_text(text),
        category=_clean_category(category),
        directed_to_id=_clean_person(directed_to_id),
        private=bool(private),
        bank_key=bank_key,
        status="open",
    )
    db.session.add(question)
    db.session.flush()
    _note("added", question, "added")
    _ask_in_writing(question)
    return question


def _ask_in_writing(question: Question) -> None:
    """A question for someone in particular is announced (``hooks.directed``): meetings mails them a
    link to answer it in writing."""
    if question.directed_to_id is None or question.is_answered:
        return
    db.session.refresh(question)
    hooks.directed.send(question)


def update_question(question: Question, text: str, category: str, directed_to_id: int | None,
                    private: bool) -> Question:
    # Someone the question was already for stays, even if they have since left the directory.
    previous = question.directed_to_id
    person = previous if directed_to_id == previous else _clean_person(directed_to_id)
    values = (_clean_text(text), _clean_category(category), person, bool(private))
    question.text, question.category, question.directed_to_id, question.private = values
    db.session.flush()
    if person != previous:
        # Links mailed to whoever it was for end here (and would be refused anyway: auth.tokens.link_rule).
        end_links(subject=question, keep_user_id=person)
    if person is not None and person != previous:
        _ask_in_writing(question)
    return question


def delete_question(question: Question) -> None:
    _note("deleted", question, "deleted")
    end_links(subject=question)  # (SQLite may give a later question the same id)
    hooks.deleting.send(question)  # recordings: a recorded answer's file goes with the question
    db.session.delete(question)
    db.session.flush()


def mark_answered(question: Question, now: datetime | None = None) -> Question:
    """The candidate says they have their answer (by whom is not recorded: the candidate themself)."""
    if not question.is_answered:
        question.status = "answered"
        question.answered_via = "candidate"
        question.answered_by_id = None
        question.answered_at = now or utcnow()
        db.session.flush()
        _note("answered", question, "marked answered")
    return question


def reopen_question(question: Question) -> Question:
    """Back to open. A written answer's text is kept (someone wrote it), only its status goes."""
    if question.is_answered:
        question.status = "open"
        question.answered_via = None
        question.answered_by_id = None
        question.answered_at = None
        db.session.flush()
        _note("reopened", question, "reopened")
    return question


def add_from_bank(candidate, key: str) -> tuple[Question, bool]:
    """Add bank question ``key`` once: (question, True) when added, (existing, False) when already
    there. Raises LookupError for a key that is not in the bank."""
    item = BANK_BY_KEY.get(key)
    if item is None:
        raise LookupError(key)
    existing = db.session.scalar(
        sa.select(Question).where(Question.candidate_id == candidate.id, Question.bank_key == key)
    )
    if existing is not None:
        return existing, False
    # Stored in the words the candidate read it in (their language), like a question they wrote.
    return add_question(candidate, item.text, item.category, bank_key=key), True


# --- on the candidate's recruiter pages (candidates.hooks) ------------------------------------


@candidate_hooks.page_sections.connect
def _questions_section(candidate) -> dict:
    questions = candidate_questions(candidate)  # all of them: the progress is counted from the same rows
    answered, total = progress_of(questions)
    return {"questions": questions_for_recruiter(questions), "answered": answered, "total": total}


@candidate_hooks.list_counts.connect
def _question_counts(_sender) -> dict:
    return {
        "questions_answered": count_for_candidate(Question, Question.candidate_id == Candidate.id,
                                                  Question.status == "answered"),
        "questions_total": count_for_candidate(Question, Question.candidate_id == Candidate.id),
    }
