"""The candidate's question ledger: write, edit, answer and delete questions inline.

Every change is a plain form POST first: without JavaScript it redirects back to the ledger with a
flash message (post/redirect/get); with htmx it answers with the refreshed ledger section, whose
status line says what changed. A form with mistakes comes back as 422 with just that form, the
message next to the field. The active filters travel in every action's query string, so the
ledger comes back as the candidate was looking at it.
"""

from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from htmx_flask import make_response as htmx_response

from ..extensions import db
from ..forms import show_error
from ..i18n import _
from ..people.picker import SMALL_LIST, PickProblem, allows, picker, resolve, small_list
from ..rendering import render, wants_fragment
from ..security import role_required
from . import bp
from .bank import BANK_BY_KEY, bank_by_category
from .forms import FilterForm, QuestionForm
from .models import CATEGORIES, Question
from .services import (QuestionError, add_from_bank, add_question, candidate_questions, delete_question,
                       filter_questions, get_question, mark_answered, progress_of, reopen_question,
                       update_question)
from .suggestions import directory, needs_directory, suggest_from_directory

EDIT_PREFIX = "edit"
CONFIRMED = "yes"  # the value of ``confirmed`` in a delete that was asked about


def _candidacy():
    candidacy = current_user.candidacy
    if candidacy is None:
        abort(404)
    return candidacy


def _own_question(candidacy, question_id: int) -> Question:
    question = get_question(candidacy, question_id)
    if question is None:
        abort(404)
    return question


def _filters() -> dict[str, str]:
    return FilterForm(request.args).cleaned()


def _edit_form(question: Question) -> QuestionForm:
    return QuestionForm(formdata=None, prefix=EDIT_PREFIX, text=question.text, category=question.category,
                        directed_to=str(question.directed_to_id or ""), private=question.private)


SCOPE = "directory"  # a question can be for anyone candidates see in the directory


def _gone(person) -> tuple[str, str]:
    """The option (value, text) for someone a question is for who has left the directory."""
    return str(person.id), _("%(name)s (no longer in the directory)", name=person.name)


def _person_field(form: QuestionForm, small, current=None):
    """The "For someone in particular?" picker: what was sent, or the question's person (``current``,
    a User) while untouched, kept as a choice even after they left the directory."""
    sent = form.directed_to.data or ""
    untouched = current is not None and sent == str(current.id)
    listed = allows(SCOPE, current)
    problem = getattr(form, "pick_problem", None)
    return picker(form.directed_to.name, SCOPE, people=small, text=None if untouched else sent,
                  current=current.profile if listed else None, extra=_gone(current) if current and not listed else None,
                  option_label=lambda p: f"{p.user.name} ({p.title})", empty=_("Anyone"),
                  offered=problem.matches if problem else [], error=" ".join(map(str, form.directed_to.errors)) or None)


def _page(candidacy, *, status: int = 200, fragment: str | None = "ledger", form: QuestionForm | None = None,
          editing: Question | None = None, edit_form: QuestionForm | None = None, notice: str | None = None,
          problem: str | None = None, open_category: str | None = None):
    """The ledger page (or one of its blocks): every question loaded once, filtered in Python, and
    the directory loaded once for the person picker and the suggestions (a fixed number of queries)."""
    filter_form = FilterForm(request.args)
    filters = filter_form.cleaned()
    questions = candidate_questions(candidacy)
    shown = filter_questions(questions, **filters)
    if editing is not None and editing not in shown:
        shown.append(editing)
    suggest = fragment in (None, "ledger") or not wants_fragment()  # a form alone shows no suggestions
    # The directory ready to search, when a question could have suggestions: it says whether the
    # company is small enough for the picker's <select> of everyone (no need to ask again when not).
    people = directory() if suggest and needs_directory(shown, candidacy.position.team) else None
    small = small_list(SCOPE) if people is None or len(people) <= SMALL_LIST else None  # else a search box
    if form is None:
        form = QuestionForm(formdata=None)
    if editing is not None and edit_form is None:
        edit_form = _edit_form(editing)
    answered, total = progress_of(questions)
    if open_category not in CATEGORIES:
        open_category = request.args.get("open") if request.args.get("open") in CATEGORIES else None
    return render(
        "questions/index.html",
        fragment=fragment,
        status=status,
        questions=shown,
        total=total,
        answered=answered,
        filters=filters,
        filter_form=filter_form,
        form=form,
        editing=editing,
        question=editing,  # the edit_form block, rendered alone, reads ``question``
        edit_form=edit_form,
        person_field=_person_field(form, small),
        edit_person_field=_person_field(edit_form, small, current=editing.directed_to) if editing is not None else None,
        linked={q.directed_to_id for q in shown if allows(SCOPE, q.directed_to)},  # "For <a>name</a>": still listed
        suggestions=suggest_from_directory(shown, team=candidacy.position.team, people=people, profiles=small)
        if suggest else {},
        bank=bank_by_category(),
        added=(added := {q.bank_key for q in questions if q.bank_key in BANK_BY_KEY}),
        added_per_category=Counter(BANK_BY_KEY[key].category for key in added),  # "2 of 9 added"
        categories=CATEGORIES,
        notice=notice,
        problem=problem,
        open_category=open_category,
        confirmed=CONFIRMED,
    )


def _done(candidacy, message: str, open_category: str | None = None):
    """htmx: the refreshed ledger saying what changed; without JavaScript: back to the page."""
    if wants_fragment():
        return _page(candidacy, notice=message, open_category=open_category)
    flash(message, "success")
    anchor = "#bank" if open_category else "#ledger"
    return redirect(url_for("questions.index", **_filters(), open=open_category) + anchor)


def own_question_or_404(question_id: int) -> tuple:
    """(candidacy, question) for an action a feature above (recordings) offers in the ledger."""
    candidacy = _candidacy()
    return candidacy, _own_question(candidacy, question_id)


def ledger_done(candidacy, message: str):
    """A feature above changed a question from the ledger: as the ledger's own actions answer."""
    return _done(candidacy, message)


def ledger_refused(candidacy, message: str):
    """A ledger action that changed nothing: htmx gets the ledger (422) with the message as an alert;
    without JavaScript, back to the ledger with the message."""
    if wants_fragment():
        return _page(candidacy, status=422, problem=message)
    flash(message, "error")
    return redirect(url_for("questions.index", **_filters()) + "#ledger")


def _invalid(response, target: str):
    """A 422 form goes back where the form is, even though success would replace the whole ledger."""
    if wants_fragment():
        return htmx_response(response, retarget=target, reswap="outerHTML")
    return response


def _chosen(form: QuestionForm, current=None) -> int | None:
    """The id the form names: "" (Anyone), an id (the service checks it, as every id sent), the text
    shown for the question's person who left the directory (kept), or what was typed, found in the
    directory (PickProblem, kept on the form, when it isn't one person)."""
    sent = form.directed_to.data or ""
    if sent in ("", "None"):
        return None
    if sent.isascii() and sent.isdigit():
        return int(sent) if len(sent) < 19 else -1
    if current is not None and sent == _gone(current)[1]:
        return current.id
    try:
        return resolve(SCOPE, sent).user_id
    except PickProblem as problem:
        form.pick_problem = problem
        form.directed_to.errors = [str(problem)]
        raise


def _submitted(form: QuestionForm, current=None) -> tuple:
    """(text, category, directed-to id, private) as the services take them."""
    return form.text.data, form.category.data, _chosen(form, current), form.private.data


def _apply_error(form: QuestionForm, error: QuestionError) -> None:
    db.session.rollback()
    show_error(form, error, "text")


@bp.get("/questions")
@role_required("candidate")
def index():
    """Everything the candidate still wants to know, with progress, filters and the bank."""
    return _page(_candidacy())


@bp.post("/questions")
@role_required("candidate")
def create():
    candidacy = _candidacy()
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            add_question(candidacy, *_submitted(form))
        except PickProblem:
            db.session.rollback()
        except QuestionError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            return _done(candidacy, _("Question added."))
    return _invalid(_page(candidacy, status=422, fragment="add_form", form=form), "#add-question")


@bp.get("/questions/<int:question_id>/edit")
@role_required("candidate")
def edit(question_id: int):
    """The question as a form, in its place in the ledger (htmx: just that form)."""
    candidacy = _candidacy()
    return _page(candidacy, fragment="edit_form", editing=_own_question(candidacy, question_id))


@bp.post("/questions/<int:question_id>")
@role_required("candidate")
def update(question_id: int):
    candidacy = _candidacy()
    question = _own_question(candidacy, question_id)
    form = QuestionForm(prefix=EDIT_PREFIX)
    if form.validate_on_submit():
        try:
            update_question(question, *_submitted(form, question.directed_to))
        except (QuestionError, PickProblem) as error:
            if isinstance(error, QuestionError):
                _apply_error(form, error)
            else:
                db.session.rollback()
            question = _own_question(candidacy, question_id)  # reloaded after the rollback
        else:
            db.session.commit()
            return _done(candidacy, _("Question saved."))
    response = _page(candidacy, status=422, fragment="edit_form", editing=question, edit_form=form)
    return _invalid(response, f"#question-{question.id}")


def _change_own(question_id: int, change, done: str):
    """One of the candidate's own questions, changed by ``change`` (a service), then the list."""
    candidacy = _candidacy()
    change(_own_question(candidacy, question_id))
    db.session.commit()
    return _done(candidacy, done)


@bp.post("/questions/<int:question_id>/delete")
@role_required("candidate")
def delete(question_id: int):
    """Deletes only a confirmed POST. The ledger's button asks first with JavaScript (htmx's confirm
    dialog, then it sends ``confirmed``); without, this first POST changes nothing and asks on a page
    of its own (htmx without ``confirmed``: the same question, in the question's place)."""
    if request.form.get("confirmed") == CONFIRMED:
        return _change_own(question_id, delete_question, _("Question deleted."))
    candidacy = _candidacy()
    question = _own_question(candidacy, question_id)
    response = render("questions/confirm_delete.html", fragment="confirm", question=question,
                      filters=_filters(), in_ledger=wants_fragment(), confirmed=CONFIRMED)
    if wants_fragment():
        return htmx_response(response, retarget=f"#question-{question.id}", reswap="outerHTML")
    return response


@bp.post("/questions/<int:question_id>/answered", endpoint="mark_answered")
@role_required("candidate")
def mark_answered_view(question_id: int):
    return _change_own(question_id, mark_answered, _("Marked as answered."))


@bp.post("/questions/<int:question_id>/reopen")
@role_required("candidate")
def reopen(question_id: int):
    return _change_own(question_id, reopen_question, _("Question reopened."))


@bp.post("/questions/bank", endpoint="add_from_bank")
@role_required("candidate")
def add_from_bank_view():
    """The bank's one form: the Add button pressed sends its question's ``key``."""
    candidacy = _candidacy()
    key = request.form.get("key", "")
    if key not in BANK_BY_KEY:
        abort(404)
    try:
        _question, created = add_from_bank(candidacy, key)
        db.session.commit()
    except IntegrityError:  # the same click arrived twice at once: the other one added it
        db.session.rollback()
        created = False
    message = _("Added to your questions.") if created else _("That question is already on your list.")
    return _done(candidacy, message, open_category=BANK_BY_KEY[key].category)
