"""The person's e-mailed links: GET shows the request and one button, only POST acts. No sign-in.

/invite/<token>  accept (choose a time), decline (optional reason) or propose another time;
/invite/manage/<token>  the person's standing link from the confirmation: what's booked, with one
                 form per action, each posting to its own URL: …/cancel and …/move (before the
                 cut-off), …/no-show (after the start);
/answer/<token>  answer questions in writing.
Every one is an ``auth.emailed.EmailedLinkView``: link scanners prefetch GETs (and HEADs), so those
only read; no answer sends a Referer; a link that can't be used gets its problem page.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from wtforms import RadioField, SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import Length

from ...auth.emailed import FORM_EXPIRED, EmailedLinkView, form_error
from ...extensions import db
from ...forms import EmptyForm, Form, error_on_field_or_page, show_error, strip
from ...i18n import _, _l, lazy_ngettext
from ...rendering import render
from ...timeutil import format_date, to_zone, utcnow, zone_label
from .. import bp
from ..calendar import PRIVATE_QUESTION, agenda_questions, shown_text
from ..forms import LimitMessage, parse_slot, slot_value
from ..invitations import (MAX_COUNTER_TIMES, accept_invitation, decline_invitation, free_slots, invitation_link,
                           proposable_times, propose_times)
from ..links import MAX_TEXT, InviteError, meeting_for_token, token_candidate
from ..manage import (
    manage_link,
    person_cancel,
    person_move_options,
    person_no_show,
    person_reschedule,
    too_late_to_cancel,
)
from ..models import Meeting, status_word
from ..notify import invitation_expires_at, recruiters_for
from ..requests import MAX_REASON, can_cancel, change_deadline, has_started
from ..states import SlotTaken, TransitionRefused
from ..written import MAX_ANSWER, answer_link, submit_written_answers


def _keep_under(limit: int) -> Length:
    return Length(max=limit, message=LimitMessage(_l("Keep it under %(limit)s characters."), limit))


class AcceptForm(Form):
    slot = RadioField(_l("Choose a time"), coerce=int, validate_choice=False)


class DeclineForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), filters=[strip], render_kw={"rows": 4},
                           validators=[_keep_under(MAX_TEXT)])


class ProposeForm(Form):
    times = SelectMultipleField(lazy_ngettext("Choose up to %(num)d of your free times",
                                              "Choose up to %(num)d of your free times", MAX_COUNTER_TIMES),
                                validate_choice=False)
    message = TextAreaField(_l("A message (optional)"), filters=[strip], render_kw={"rows": 3},
                            validators=[_keep_under(MAX_TEXT)])


class ManageCancelForm(Form):
    reason = TextAreaField(_l("Why are you cancelling?"), filters=[strip],
                           render_kw={"rows": 3, "maxlength": MAX_REASON},
                           validators=[_keep_under(MAX_REASON)])


FORMS = {"accept": AcceptForm, "decline": DeclineForm, "propose": ProposeForm}


def _contact(candidate):
    """The recruiter the person can write to (None: the page says "the recruiter who wrote to you")."""
    recruiters = recruiters_for(candidate) if candidate is not None else []
    return recruiters[0] if recruiters else None


class PersonLink(EmailedLinkView):
    """One of the person's links: its problem page may name the candidate and the recruiter to write to."""

    def about(self, token) -> dict:
        candidate = token_candidate(token)
        return {"meeting": meeting_for_token(token), "candidate": candidate, "contact": _contact(candidate)}


# --- invitations --------------------------------------------------------------------------------


def _time_label(start, end, fit, person, candidate) -> str:
    """``16:00–16:30 CET (10:00–10:30 EST for Sam, early for them)``: one time the person may propose."""
    theirs = candidate.user
    mine = (f"{to_zone(start, person.timezone):%H:%M}–{to_zone(end, person.timezone):%H:%M} "
            f"{zone_label(to_zone(end, person.timezone))}")
    other = (f"{to_zone(start, theirs.timezone):%H:%M}–{to_zone(end, theirs.timezone):%H:%M} "
             f"{zone_label(to_zone(end, theirs.timezone))}")
    if fit.inside:
        return _("%(time)s (%(their_time)s for %(name)s)", time=mine, their_time=other, name=theirs.first_name)
    if fit.kind == "early":
        return _("%(time)s (%(their_time)s for %(name)s, early for them)", time=mine, their_time=other,
                 name=theirs.first_name)
    return _("%(time)s (%(their_time)s for %(name)s, late for them)", time=mine, their_time=other,
             name=theirs.first_name)


def _proposable_days(meeting) -> dict:
    """The person's free times that suit the candidate, by the person's day: {day label: [choice]}."""
    person, candidate = meeting.staff, meeting.candidate
    days: dict = {}
    for slot, fit in proposable_times(meeting).slots:
        day = format_date(slot.start, person.timezone)
        days.setdefault(day, []).append(SelectChoice(slot_value(slot.start),
                                                     _time_label(slot.start, slot.end, fit, person, candidate)))
    return days


def _invite_page(link, form, token: str, status: int = 200, taken: bool = False, error: str | None = None):
    meeting = link.meeting
    candidate = meeting.candidate
    slots = free_slots(meeting)
    if "slot" in form:  # the radio group's options; the template names each in the person's zone
        form.slot.choices = [SelectChoice(slot.id) for slot in slots]
    questions = agenda_questions(meeting)
    return render("meetings/invite.html", fragment="invite_form", status=status, action=link.action, form=form,
                  token=token, meeting=meeting, person=meeting.staff, candidate=candidate,
                  proposable=_proposable_days(meeting) if link.action == "propose" else {},
                  chosen=set(form.times.data or []) if "times" in form else set(),
                  max_times=MAX_COUNTER_TIMES,
                  agenda=[shown_text(q) for q in questions], slots=slots,
                  has_private=any(q.private for q in questions),
                  taken=taken, error=error, expires_at=invitation_expires_at(meeting), contact=_contact(candidate))


def _answer_invitation(link, form, token: str) -> str | None:
    """Do what the link says; the written format's answer link, if accepting made one."""
    if link.action == "accept":
        return accept_invitation(token, form.slot.data).answer_token
    if link.action == "decline":
        decline_invitation(token, form.reason.data)
    else:
        propose_times(token, [parse_slot(value) for value in form.times.data or []], form.message.data)
    return None


class Invitation(PersonLink):
    """One invitation link: what it will do, and a button that does it."""

    problem_template = "meetings/invite_problem.html"

    def read(self, token: str):
        return invitation_link(token)

    def get(self, link, token: str):
        return _invite_page(link, FORMS[link.action](), token)

    def post(self, link, token: str):
        form = FORMS[link.action]()
        if not form.validate_on_submit():
            return _invite_page(link, form, token, status=422, error=form_error(form))
        meeting_id = link.meeting.id
        try:
            answer_token = _answer_invitation(link, form, token)
        except SlotTaken:
            db.session.rollback()  # nothing changed: the link still works for another time
            return _invite_page(invitation_link(token), AcceptForm(formdata=None), token, status=409, taken=True)
        except InviteError as problem:
            db.session.rollback()
            error = error_on_field_or_page(form, problem)
            return _invite_page(invitation_link(token), form, token, status=422, error=error)
        except TransitionRefused:  # the request changed a moment ago: its link now says how (problem page)
            db.session.rollback()
            return _invite_page(invitation_link(token), FORMS[link.action](formdata=None), token, status=409,
                                error=_("This request was just changed. Nothing was changed; try again."))
        db.session.commit()
        if answer_token:
            return redirect(url_for("meetings.answer", token=answer_token))
        meeting = db.session.get(Meeting, meeting_id)
        return render("meetings/invite_done.html", action=link.action, meeting=meeting, person=meeting.staff,
                      candidate=meeting.candidate)


bp.add_url_rule("/invite/<token>", view_func=Invitation.as_view("invite"))


# --- the person's manage link -------------------------------------------------------------------


def _manage_page(link, token: str, *, status: int = 200, notice: str | None = None, error: str | None = None,
                 cancel_form=None, done: bool = False):
    meeting, now = link.meeting, utcnow()
    candidate = meeting.candidate
    open_to_change = meeting.status == "confirmed" and can_cancel(meeting, now)
    # The agenda as the person may read it: a private question directed to someone else stays withheld.
    agenda = [PRIVATE_QUESTION if q.private_to_someone_else(link.person.id) else q.text
              for q in agenda_questions(meeting)]
    return render("meetings/manage.html", status=status, token=token, meeting=meeting, person=link.person,
                  status_word=status_word,
                  candidate=candidate, contact=_contact(candidate), notice=notice, error=error, agenda=agenda,
                  done=done, can_cancel=open_to_change,
                  has_started=has_started(meeting, now), change_deadline=change_deadline(meeting),
                  too_late=too_late_to_cancel(), cancel_form=cancel_form or ManageCancelForm(formdata=None),
                  action_form=EmptyForm(formdata=None), expires_at=link.token.expires_at,
                  move_options=person_move_options(meeting, now) if open_to_change else [])


class ManageLinkView(PersonLink):
    problem_template = "meetings/manage_problem.html"

    def read(self, token: str):
        return manage_link(token)


class Manage(ManageLinkView):
    """The person's standing link: what's booked, and (depending on time) cancel, move or report a no-show."""

    def get(self, link, token: str):
        return _manage_page(link, token)


class ManageAction(ManageLinkView):
    """One thing the manage link does, at its own URL (POST only): ``act`` makes the change and
    says what happened; the manage page shows it."""

    form_class = EmptyForm

    def act(self, link, form, token: str) -> str:
        raise NotImplementedError

    def get(self, link, token: str):
        """The action's address opened again (history, a bookmark, the address bar after acting):
        the manage page it belongs to."""
        return redirect(url_for("meetings.manage", token=token), 303)

    def post(self, link, token: str):
        form = self.form_class()
        if not form.validate_on_submit():
            return self.page(link, token, form, status=422, error=form_error(form))
        try:
            notice = self.act(link, form, token)
        except (InviteError, TransitionRefused) as problem:
            db.session.rollback()
            return self.refused(manage_link(token), token, form, problem)
        db.session.commit()
        return _manage_page(manage_link(token), token, notice=notice, done=True)

    def page(self, link, token: str, form, **options):
        """The manage page with this action's form as it was sent."""
        return _manage_page(link, token, **options)

    def refused(self, link, token: str, form, problem):
        """Nothing was changed: say why."""
        if isinstance(problem, TransitionRefused):
            return _manage_page(link, token, status=409, error=_("%(problem)s Nothing was changed.", problem=problem))
        return _manage_page(link, token, status=409, error=str(problem))


class CancelConversation(ManageAction):
    """Call the conversation off, before the cut-off, with a reason the candidate reads."""

    form_class = ManageCancelForm

    def act(self, link, form, token: str) -> str:
        first = link.meeting.candidate.user.first_name
        person_cancel(token, form.reason.data, utcnow())
        return _("Cancelled. %(name)s has been told, and the calendar entry is withdrawn for both of you.", name=first)

    def page(self, link, token: str, form, **options):
        return _manage_page(link, token, cancel_form=form, **options)

    def refused(self, link, token: str, form, problem):
        if getattr(problem, "field", None):  # the reason needs another look
            show_error(form, problem, "reason")
            return self.page(link, token, form, status=422)
        return super().refused(link, token, form, problem)


class MoveConversation(ManageAction):
    """Move the conversation to another time free for both, before the cut-off."""

    def act(self, link, form, token: str) -> str:
        first = link.meeting.candidate.user.first_name
        person_reschedule(token, parse_slot(request.form.get("start")), utcnow())
        return _("Moved. %(name)s has been told, and you both get an updated calendar entry.", name=first)

    def refused(self, link, token: str, form, problem):
        if getattr(problem, "field", None) == "start":  # a bad or taken time
            return _manage_page(link, token, status=422, error=str(problem))
        return super().refused(link, token, form, problem)


class ReportNoShow(ManageAction):
    """Tell the recruiter the candidate didn't come (once the start has passed)."""

    def act(self, link, form, token: str) -> str:
        person_no_show(token, utcnow())
        first = link.meeting.candidate.user.first_name
        return _("Thanks for telling us. %(name)s and the recruiter have been told, and %(name)s can book "
                 "another time.", name=first)


bp.add_url_rule("/invite/manage/<token>", view_func=Manage.as_view("manage"))
bp.add_url_rule("/invite/manage/<token>/cancel", view_func=CancelConversation.as_view("manage_cancel"))
bp.add_url_rule("/invite/manage/<token>/move", view_func=MoveConversation.as_view("manage_move"))
bp.add_url_rule("/invite/manage/<token>/no-show", view_func=ReportNoShow.as_view("manage_no_show"))


# --- written answers ----------------------------------------------------------------------------


def _answer_page(link, token: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render("meetings/answer.html", fragment="answer_form", status=status, token=token, link=link,
                  form=EmptyForm(), errors=errors or {}, values=values or {},
                  open_questions=[q for q in link.questions if not q.is_answered],
                  done_questions=[q for q in link.questions if q.is_answered], max_answer=MAX_ANSWER)


class WrittenAnswers(PersonLink):
    """Answer the candidate's questions in writing: one text box per open question."""

    problem_template = "meetings/answer_problem.html"

    def read(self, token: str):
        return answer_link(token)

    def get(self, link, token: str):
        return _answer_page(link, token)

    def post(self, link, token: str):
        values = {q.id: request.form.get(f"answer-{q.id}", "") for q in link.questions}
        if not EmptyForm().validate_on_submit():
            return _answer_page(link, token, {"form": FORM_EXPIRED}, values, status=422)
        try:
            answered = submit_written_answers(token, values)
        except InviteError as error:
            db.session.rollback()
            return _answer_page(answer_link(token), token, {error.field: str(error)}, values, status=422)
        db.session.commit()
        return render("meetings/answer_done.html", person=link.person, candidate=link.candidate,
                      answered=answered)


bp.add_url_rule("/answer/<token>", view_func=WrittenAnswers.as_view("answer"))
