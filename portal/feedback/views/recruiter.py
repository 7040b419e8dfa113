"""Recruiters collect feedback: ask interviewers, remind them, type feedback in on their behalf.

These actions start from the panel on the candidate's page. With htmx the panel is swapped in
place; without JavaScript the browser goes back to the candidate's page (post/redirect/get), and a
form that needs another look is shown on a page of its own with a 422.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from ...candidates.models import Candidate
from ...candidates.services import candidate_or_404
from ...extensions import db
from ...forms import show_error
from ...i18n import _
from ...rendering import render, wants_fragment
from ...security import me, recruiter_required
from .. import bp
from ..forms import FeedbackForm, RequestFeedbackForm
from ..models import InterviewFeedback
from ...people.picker import PickProblem, resolve
from ..choosing import INTERVIEWERS, load_interviewers, more_interviewers_field
from ..services import (FeedbackError, asked_ids, enter_feedback, feedback_overview, get_feedback, remind_feedback,
                        request_feedback)


def feedback_or_404(candidate: Candidate, feedback_id: int) -> InterviewFeedback:
    feedback = get_feedback(candidate, feedback_id)
    if feedback is None:
        abort(404)
    return feedback


def _names(feedback_rows) -> str:
    """``Ana, Ben and Chloé`` (the last two joined the reader's way)."""
    names = [row.interviewer.name for row in feedback_rows]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def candidate_page(candidate: Candidate, anchor: str = "feedback") -> str:
    return url_for("candidates.show", candidate_id=candidate.id, _anchor=anchor)


def _panel(candidate: Candidate, status: int = 200, request_form=None, notice=None, error=None, offered=(),
           focus=False):
    """The feedback panel: just the section for htmx, or a page around it without JavaScript.
    ``offered``: people to suggest in the search box's list; ``focus``: back in the box (after Add)."""
    chosen = request_form.ids if request_form is not None and not request_form.interviewers.errors else []
    overview = feedback_overview(candidate, chosen=chosen)
    return render("feedback/panel.html", fragment="feedback", status=status, candidate=candidate,
                  feedback_overview=overview, request_form=request_form, feedback_notice=notice,
                  feedback_error=error, more_field=more_interviewers_field(overview, request_form, offered, focus))


def _add(candidate: Candidate, form: RequestFeedbackForm):
    """Tick the person typed into "Someone else" and show the form again (nothing is sent yet)."""
    try:
        person = resolve(INTERVIEWERS, form.more.data)
    except PickProblem as problem:
        form.more.errors = [str(problem)]
        return _panel(candidate, status=422, request_form=form, offered=problem.matches)
    if person is None:
        form.more.errors = [_("Type a name first, then choose from the list.")]
        return _panel(candidate, status=422, request_form=form)
    if person.user_id in asked_ids(candidate):
        form.more.errors = [_("%(name)s has already been asked.", name=person.user.name)]
        return _panel(candidate, status=422, request_form=form)
    form.interviewers.data = list(dict.fromkeys([*(form.interviewers.data or []), str(person.user_id)]))
    form.more.data = ""
    return _panel(candidate, request_form=form, notice=_("%(name)s is ticked. Add more people, or send the requests.",
                                                          name=person.user.name), focus=True)


def _done(candidate: Candidate, message: str):
    if wants_fragment():
        return _panel(candidate, notice=message)
    flash(message, "success")
    return redirect(candidate_page(candidate))


@bp.post("/recruiter/candidates/<int:candidate_id>/feedback", endpoint="request")
@recruiter_required
def request_from_interviewers(candidate_id: int):
    """Ask the chosen directory people for feedback; each gets their own e-mailed link."""
    candidate = candidate_or_404(candidate_id)
    form = RequestFeedbackForm()
    if form.validate_on_submit():
        if "add" in request.form:
            return _add(candidate, form)
        try:
            ids = form.ids
            if form.more.data:  # someone typed in but not added: ask them too
                ids = list(dict.fromkeys([*ids, resolve(INTERVIEWERS, form.more.data).user_id]))
            created = request_feedback(candidate, load_interviewers(ids), by=me())
        except PickProblem as problem:
            db.session.rollback()
            form.more.errors = [str(problem)]
            return _panel(candidate, status=422, request_form=form, offered=problem.matches)
        except FeedbackError as error:
            db.session.rollback()
            show_error(form, error, "interviewers")
        else:
            db.session.commit()
            if not created:
                return _done(candidate, _("Everyone you chose had already been asked; no e-mail was sent."))
            return _done(candidate, _("Asked %(names)s for feedback. Each got an e-mail with their own link.",
                                      names=_names(created)))
    return _panel(candidate, status=422, request_form=form)


@bp.post("/recruiter/candidates/<int:candidate_id>/feedback/<int:feedback_id>/remind", endpoint="remind")
@recruiter_required
def remind_interviewer(candidate_id: int, feedback_id: int):
    candidate = candidate_or_404(candidate_id)
    feedback = feedback_or_404(candidate, feedback_id)
    try:
        remind_feedback(feedback, by=me())
    except FeedbackError as error:
        db.session.rollback()
        return _panel(candidate, status=422, error=str(error))
    db.session.commit()
    return _done(candidate, _("Reminded %(name)s with a fresh link.", name=feedback.interviewer.name))


def _enter_page(candidate, feedback, form, status=200):
    return render("feedback/enter.html", fragment="enter_form", status=status, candidate=candidate,
                  feedback=feedback, form=form)


@bp.route("/recruiter/candidates/<int:candidate_id>/feedback/<int:feedback_id>/enter",
          methods=["GET", "POST"], endpoint="enter")
@recruiter_required
def enter_for_interviewer(candidate_id: int, feedback_id: int):
    """Type in feedback an interviewer gave another way (a call, a chat message)."""
    candidate = candidate_or_404(candidate_id)
    feedback = feedback_or_404(candidate, feedback_id)
    form = FeedbackForm()
    if request.method != "POST":
        form.went_well.data, form.to_grow.data = feedback.went_well, feedback.to_grow
        return _enter_page(candidate, feedback, form)
    if form.validate_on_submit():
        try:
            enter_feedback(feedback, form.went_well.data, form.to_grow.data, by=me())
        except FeedbackError as error:
            db.session.rollback()
            show_error(form, error, "went_well")
        else:
            db.session.commit()
            flash(_("Saved %(name)s's feedback, marked as typed in by you.", name=feedback.interviewer.name),
                  "success")
            return redirect(candidate_page(candidate))
    return _enter_page(candidate, feedback, form, status=422)
