"""The buttons on a person's home page that open the pages their e-mails link to.

Each e-mailed link page (``/invite/<token>``, ``/invite/manage/<token>``, ``/answer/<token>``,
``/feedback/<token>``) is keyed by a single-purpose token. A signed-in person who lost the e-mail
presses a button here instead: a POST (CSRF-checked, so nothing is issued on a GET or from another
site) that checks the thing is theirs (404 otherwise), issues a fresh token of the same purpose,
bound to them and the thing, with the mail's lifetime (``services``), and sends them to the link's
page with a 303. If it can't be opened any more (answered meanwhile, withdrawn, published…), nothing
is issued and the home page says why.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from ..extensions import db
from ..security import me, role_required
from ..timeutil import utcnow
from . import bp
from .staff import (
    LinkRefused,
    feedback_link_for,
    invitation_link_for,
    manage_path_for,
    my_feedback,
    my_meeting,
    my_question,
    written_link_for,
)


def _found(item):
    if item is None:
        abort(404)
    return item


def _open(issue, to):
    """Issue the link (``issue()``), commit, and go to its page (``to(link)``); or say why not, at home."""
    try:
        link = issue()
    except LinkRefused as why:
        db.session.rollback()
        flash(str(why), "error")
        return redirect(url_for("main.home"), 303)
    db.session.commit()
    return redirect(to(link), 303)


@bp.post("/home/conversations/<int:meeting_id>/<any(accept, decline, propose):action>", endpoint="open_invitation")
@role_required("staff")
def open_invitation(meeting_id: int, action: str):
    """Accept, decline or propose another time: the invitation page for that answer."""
    meeting = _found(my_meeting(me(), meeting_id))
    return _open(lambda: invitation_link_for(meeting, action), lambda raw: url_for("meetings.invite", token=raw))


@bp.post("/home/conversations/<int:meeting_id>/manage", endpoint="open_manage")
@role_required("staff")
def open_manage(meeting_id: int):
    """A booked conversation's manage page: cancel or move it, or report a no-show."""
    meeting = _found(my_meeting(me(), meeting_id))
    return _open(lambda: manage_path_for(meeting, utcnow()), lambda path: path)


@bp.post("/home/conversations/<int:meeting_id>/answer", endpoint="open_answer")
@role_required("staff")
def open_answer(meeting_id: int):
    """A written conversation's answer page."""
    meeting = _found(my_meeting(me(), meeting_id))
    return _open(lambda: written_link_for(meeting, me()), lambda raw: url_for("meetings.answer", token=raw))


@bp.post("/home/questions/<int:question_id>/answer", endpoint="open_question")
@role_required("staff")
def open_question(question_id: int):
    """The answer page for one question the person was asked to answer in writing."""
    question = _found(my_question(me(), question_id))
    return _open(lambda: written_link_for(question, me()), lambda raw: url_for("meetings.answer", token=raw))


@bp.post("/home/feedback/<int:feedback_id>", endpoint="open_feedback")
@role_required("staff")
def open_feedback(feedback_id: int):
    """The feedback form for one candidate the person interviewed."""
    feedback = _found(my_feedback(me(), feedback_id))
    return _open(lambda: feedback_link_for(feedback), lambda raw: url_for("feedback.form", token=raw))
