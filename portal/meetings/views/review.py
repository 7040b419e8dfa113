"""The recruiter's link in the approval e-mail (``notify.review_link``): /review/<token>.

GET shows the request (candidate, person, format, the offered times in the recruiter's zone and the
candidate's, the agenda) with [Approve] and [Reject] (a reason is optional); only POST decides, through
``queue.approve_request`` / ``queue.reject_request`` (the weekly cap, the mails), and uses the link up.
No sign-in: the link is bound to one request and one recruiter. Once the request no longer waits for
approval (someone decided in the portal, the candidate withdrew it) the link says what happened, by
whom and when, and changes nothing.
"""

from __future__ import annotations

from flask import request
from wtforms import TextAreaField
from wtforms.validators import Length

from ...auth.emailed import EmailedLinkView, form_error
from ...auth.tokens import TokenProblem
from ...extensions import db
from ...forms import Form, strip
from ...i18n import _, _l
from ...rendering import render
from .. import bp
from ..calendar import agenda_questions, shown_text
from ..forms import LimitMessage
from ..links import meeting_for_token
from ..models import status_word
from ..notify import REVIEW
from ..queue import MAX_REASON, QueueError, review_link, review_outcome, use_review_link
from ..states import TransitionRefused

DECISIONS = ("approve", "reject")


class RejectForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), filters=[strip], render_kw={"rows": 3, "maxlength": MAX_REASON},
                           validators=[Length(max=MAX_REASON, message=LimitMessage(_l("Keep it under %(limit)s characters."),
                                                                                   MAX_REASON))])


def _page(link, token: str, form=None, *, status: int = 200, error: str | None = None, done: str | None = None):
    meeting = link.meeting
    return render("meetings/review.html", status=status, token=token, meeting=meeting, recruiter=link.recruiter,
                  candidate=meeting.candidate, person=meeting.staff, form=form or RejectForm(formdata=None),
                  agenda=[shown_text(q) for q in agenda_questions(meeting)], error=error, done=done,
                  expires_at=link.token.expires_at)


class Review(EmailedLinkView):
    """One request waiting for approval, with Approve and Reject."""

    purpose = REVIEW
    problem_template = "meetings/review_problem.html"

    def read(self, token: str):
        return review_link(token)

    def about(self, token) -> dict:
        meeting = meeting_for_token(token)
        return {"meeting": meeting, "candidate": meeting.candidate if meeting is not None else None,
                "recruiter": token.user if token is not None else None,
                "outcome": review_outcome(meeting) if meeting is not None else None, "status_word": status_word}

    def get(self, link, token: str):
        return _page(link, token)

    def post(self, link, token: str):
        form = RejectForm()
        decision = request.form.get("decision")
        if decision not in DECISIONS:
            return _page(link, token, form, status=422, error=_("Choose Approve or Reject. Nothing was changed."))
        if not form.validate_on_submit():
            return _page(link, token, form, status=422, error=form_error(form))
        try:
            meeting = use_review_link(link, decision, form.reason.data)
        except TransitionRefused:  # someone decided a moment ago: say who and what
            db.session.rollback()
            return self.problem(TokenProblem("handled", link.token))
        except QueueError as problem:
            db.session.rollback()
            link = review_link(token)
            if problem.field == "reason":
                form.reason.errors = [str(problem)]
                return _page(link, token, form, status=422)
            return _page(link, token, form, status=409, error=_("%(problem)s Nothing was changed.", problem=problem))
        db.session.commit()
        return _page(link._replace(meeting=meeting), token, done=decision)


bp.add_url_rule("/review/<token>", view_func=Review.as_view("review"))
