"""The good-news message composer: a draft from the feedback, edited, previewed, published.

The preview is a plain form POST: htmx posts the textarea as you type and swaps in just the
preview block; without JavaScript the Preview button renders the whole page with it filled in.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from ...candidates.services import candidate_or_404
from ...extensions import db
from ...forms import show_error
from ...i18n import _
from ...rendering import render
from ...security import recruiter_required
from .. import bp
from ..forms import MessageForm
from ..services import (FeedbackError, draft_message, feedback_rows, get_message, message_history,
                        publish_message, save_message)
from .recruiter import me

PREVIEW_LIMIT = 40_000  # a preview of an over-long text still renders, up to a point


def _page(candidate, form, status=200, fragment=None, preview=None, notice=None):
    message = get_message(candidate)
    return render(
        "feedback/compose.html",
        fragment=fragment,
        status=status,
        candidate=candidate,
        message=message,
        history=message_history(message),
        rows=feedback_rows(candidate),
        form=form,
        preview=form.body.data if preview is None else preview,
        notice=notice,
    )


def _compose_url(candidate) -> str:
    return url_for("feedback.compose", candidate_id=candidate.id)


@bp.get("/recruiter/candidates/<int:candidate_id>/message", endpoint="compose")
@recruiter_required
def compose(candidate_id: int):
    """The editor, with the saved text, or a fresh draft from the feedback when there is none yet
    (or when asked to start again: a GET, so nothing is saved until Save)."""
    candidate = candidate_or_404(candidate_id)
    message = get_message(candidate)
    start_over = request.args.get("start") == "feedback"
    form = MessageForm(formdata=None)
    notice = None
    if message is not None and not start_over:
        form.body.data = message.body
    else:
        form.body.data = draft_message(candidate)
        if message is not None:
            notice = _("This is a fresh draft from the feedback. Nothing changes until you save or publish it.")
    return _page(candidate, form, notice=notice)


def _after(candidate, form, action):
    """Validate, run ``action(body)``; PRG on success, the page with a 422 otherwise."""
    if form.validate_on_submit():
        try:
            result = action(form.body.data)
        except FeedbackError as error:
            db.session.rollback()
            show_error(form, error, "body")
        else:
            db.session.commit()
            return result
    return _page(candidate, form, status=422, fragment="editor")


@bp.post("/recruiter/candidates/<int:candidate_id>/message", endpoint="save")
@recruiter_required
def save(candidate_id: int):
    candidate = candidate_or_404(candidate_id)

    def action(body):
        message = save_message(candidate, body, by=me())
        if message.is_published:
            flash(_("Saved. %(name)s sees the new version now; the earlier one is in the history.",
                    name=candidate.user.first_name), "success")
        else:
            flash(_("Draft saved. %(name)s won't see it until you publish it.", name=candidate.user.first_name),
                  "success")
        return redirect(_compose_url(candidate))

    return _after(candidate, MessageForm(), action)


@bp.post("/recruiter/candidates/<int:candidate_id>/message/publish", endpoint="publish")
@recruiter_required
def publish(candidate_id: int):
    candidate = candidate_or_404(candidate_id)
    earlier = get_message(candidate)
    was_published = earlier is not None and earlier.is_published

    def action(body):
        publish_message(candidate, body, by=me())
        who = candidate.user.first_name
        if was_published:
            flash(_("Saved. The message was already published, so %(name)s sees the new version now and "
                    "no second invitation was sent.", name=who), "success")
        else:
            flash(_("Published. We e-mailed %(name)s an invitation with a sign-in link to read it.", name=who),
                  "success")
        return redirect(_compose_url(candidate))

    return _after(candidate, MessageForm(), action)


@bp.post("/recruiter/candidates/<int:candidate_id>/message/preview", endpoint="preview")
@recruiter_required
def preview(candidate_id: int):
    """The message as the candidate will see it; changes nothing."""
    candidate = candidate_or_404(candidate_id)
    form = MessageForm()
    text = (form.body.data or "")[:PREVIEW_LIMIT]
    return _page(candidate, form, fragment="preview", preview=text)
