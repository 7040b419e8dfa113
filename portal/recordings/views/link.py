"""Recording an answer from the e-mailed written-answer link (/answer/<token>), without signing in.

/answer/<token>/record/<question_id>: one open question of the link, answered by a recording. GET only
shows the recorder (link scanners prefetch); POST sends. The link keeps working for its other open
questions; with the last one answered it is used up and a conversation in the written format is
complete (``meetings.written.finish_link``, as when answering in writing). A link that can't be used
shows the written-answer link's problem page; a question that isn't on the link is 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from ...extensions import db
from ...i18n import _
from ...meetings.views.public import PersonLink
from ...meetings.written import answer_link, finish_link
from ...rendering import render
from .. import bp, notify
from ..services import answer_question
from .recorder import recorder_page, recording_form, refused_status, send, takes_uploads


class RecordByLink(PersonLink):
    """The recorder for one question of a written-answer link."""

    problem_template = "meetings/answer_problem.html"

    def read(self, token: str):
        return answer_link(token)

    def dispatch_request(self, token: str, question_id: int):
        self.question_id = question_id  # a new view object answers each request
        return super().dispatch_request(token)

    def question(self, link):
        """The link's question this page answers: 404 for one it doesn't name (or hides)."""
        question = next((q for q in link.questions if q.id == self.question_id), None)
        if question is None:
            abort(404)
        return question

    def page(self, link, token: str, question, form, status: int = 200):
        first = link.candidate.user.first_name
        return recorder_page(
            form, status=status, action=url_for("recordings.record_link", token=token, question_id=question.id),
            question=question, question_text=question.text, candidate=link.candidate, person=link.person,
            private_note=_("Private: only you and %(name)s see it", name=first) if question.private else None,
            back=url_for("meetings.answer", token=token), back_label=_("Answer in writing instead"),
            answered=question.is_answered)

    def get(self, link, token: str):
        question = self.question(link)
        return self.page(link, token, question, recording_form(), status=410 if question.is_answered else 200)

    def post(self, link, token: str):
        question = self.question(link)
        if question.is_answered:
            return self.page(link, token, question, recording_form(), status=410)
        form = recording_form()
        recording = send(form, lambda media, summary, captions: answer_question(
            link.person, question, media, summary, captions))
        if recording is None:
            link = answer_link(token)  # read again: a refusal rolled back
            return self.page(link, token, self.question(link), form, status=refused_status())
        done = all(q.is_answered for q in link.questions)
        if done:
            finish_link(link)
        notify.recorded_answer(link.candidate, link.person, question, recording)
        db.session.commit()
        if not done:
            flash(_("Your recorded answer to “%(question)s” is sent: %(name)s has it in their list of questions.",
                    question=question.text, name=link.candidate.user.first_name), "success")
            return redirect(url_for("meetings.answer", token=token), 303)
        return render("recordings/record_done.html", person=link.person, candidate=link.candidate,
                      recording=recording, question=question)


bp.add_url_rule("/answer/<token>/record/<int:question_id>",
                view_func=RecordByLink.as_view(takes_uploads("recordings.record_link")))
