"""The candidate's conversations: ask someone for one, see them all, change, cancel, follow up.

Every change is a plain form POST first: without JavaScript it redirects back with a flash
(post/redirect/get); with htmx it answers with the refreshed section. A form with mistakes comes
back as 422 with the message next to the field. Every route loads the conversation by its id *and*
the signed-in candidate: another candidate's conversation is a 404, whatever the method.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from htmx_flask import make_response as htmx_response
from wtforms import SelectChoice

from ...extensions import db
from ...forms import error_on_field_or_page
from ...i18n import _
from ...people.services import get_profile
from ...questions.services import candidate_questions
from ...rendering import hx_redirect, render, wants_fragment
from ...security import parse_id, role_required
from ...timeutil import format_date, to_zone, utcnow, zone_label
from .. import bp
from .. import calendar as meeting_calendar
from ..alternatives import alternatives, rebook
from ..forms import (ActionForm, CancelForm, FollowUpForm, NewTimesForm, ProposalForm, RequestForm,
                     RescheduleForm, SlotChoiceForm, slot_value)
from ..notify import times_gone
from ..proposals import (accept_proposal, decline_proposal, offer_new_times, open_times, proposal_expires_at,
                         proposal_message)
from ..free_times import Offered, is_open, offered_slots
from ..requests import (GROUPS, MAX_SLOTS, RequestError, agenda, can_cancel, can_reschedule, cancel_meeting, cannot_move,
                        candidate_meetings, change_cutoff, change_deadline, create_request, get_meeting, group_conversations,
                        has_started, history, is_over, record_follow_up, report_no_show, reschedule_meeting)

def _candidacy():
    candidacy = current_user.candidacy
    if candidacy is None:
        abort(404)
    return candidacy


def _meeting_or_404(candidacy, meeting_id: int):
    meeting = get_meeting(candidacy, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _label(slot, fit, zone: str, person) -> str:
    """``06:30–07:00 EST, early for you (11:30 GMT for Amara)``: a time as an <option> shows it."""
    start, end = to_zone(slot.start, zone), to_zone(slot.end, zone)
    theirs = to_zone(slot.start, person.timezone)
    mine, other = f"{start:%H:%M}–{end:%H:%M} {zone_label(end)}", f"{theirs:%H:%M} {zone_label(theirs)}"
    if fit.inside:
        return _("%(time)s (%(their_time)s for %(name)s)", time=mine, their_time=other, name=person.first_name)
    if fit.kind == "early":
        return _("%(time)s, early for you (%(their_time)s for %(name)s)", time=mine, their_time=other,
                 name=person.first_name)
    return _("%(time)s, late for you (%(their_time)s for %(name)s)", time=mine, their_time=other,
             name=person.first_name)


def _by_day(offered, zone: str) -> OrderedDict:
    """(slot, fit) pairs grouped by the candidate's calendar day."""
    days: OrderedDict = OrderedDict()
    for slot, fit in offered:
        days.setdefault(to_zone(slot.start, zone).date(), []).append((slot, fit))
    return days


# --- asking ---------------------------------------------------------------------------------------


def _show_all() -> bool:
    """The candidate asked to see every free time, early and late ones included (``all=1``)."""
    return request.values.get("all") == "1"


def _request_page(candidacy, profile, form: RequestForm, *, status: int = 200, fragment: str | None = None,
                  error: str | None = None, open_questions: list | None = None):
    show_all = _show_all()
    zone, now = candidacy.user.timezone, utcnow()
    choice = SlotChoiceForm(formdata=None, format=form.format.data, length=form.length.data)
    fmt, length = choice.cleaned()
    open_ = is_open(profile)
    offered = (offered_slots(candidacy, profile, length, now, show_all=show_all) if open_ and fmt != "written"
               else Offered([]))
    questions = (open_questions if open_questions is not None
                 else [q for q in candidate_questions(candidacy) if not q.is_answered])
    return render("meetings/request.html", fragment=fragment, status=status, profile=profile, form=form,
                  choice=choice, format=fmt, length=length, is_open=open_, days=_by_day(offered.slots, zone),
                  offered=offered, show_all=show_all, hours=candidacy.user.hours,
                  slot_value=slot_value, chosen=set(form.slots.data or []), questions=questions,
                  chosen_questions=set(form.questions.data or []), zone=zone, max_slots=MAX_SLOTS,
                  person_now=to_zone(now, profile.user.timezone), deadline=candidacy.decision_deadline,
                  error=error)


@bp.route("/people/<int:user_id>/request", methods=["GET", "POST"], endpoint="new")
@role_required("candidate")
def new(user_id: int):
    """Ask one person for a conversation. htmx GETs just the times when the format or length changes."""
    candidacy = _candidacy()
    profile = get_profile(user_id)
    if profile is None:
        abort(404)
    if request.method == "GET":
        fmt, length = SlotChoiceForm(request.args).cleaned()
        # Preselected: questions meant for this person, and any ``?q=<id>`` (a suggestion or a rebook
        # link carries the agenda); only the candidate's own open questions, anything else is ignored.
        asked = {parse_id(value) for value in request.args.getlist("q")[:50]}
        open_questions = [q for q in candidate_questions(candidacy) if not q.is_answered]
        suggested = [str(q.id) for q in open_questions if q.directed_to_id == user_id or q.id in asked]
        form = RequestForm(formdata=None, format=fmt, length=length, questions=suggested)
        return _request_page(candidacy, profile, form, fragment="slots", open_questions=open_questions)
    form = RequestForm()
    error = None
    if form.validate_on_submit():
        try:
            meeting = create_request(candidacy, profile, form.request_data(), utcnow())
        except RequestError as problem:
            db.session.rollback()
            error = error_on_field_or_page(form, problem)
        else:
            db.session.commit()
            first = profile.user.first_name
            if meeting.status == "needs_approval":
                flash(_("Request sent. Your recruiter approves requests to %(name)s first; we'll let you know.",
                        name=first), "success")
            else:
                flash(_("Request sent to %(name)s. We'll let you know when they answer.", name=first), "success")
            target = url_for("meetings.show", meeting_id=meeting.id)
            return hx_redirect(target) if wants_fragment() else redirect(target)
    return _request_page(candidacy, profile, form, status=422, fragment="request", error=error)


# --- reading --------------------------------------------------------------------------------------


@bp.get("/meetings")
@role_required("candidate")
def index():
    """Every conversation the candidate asked for, grouped by where it stands."""
    candidacy = _candidacy()
    groups = group_conversations(candidate_meetings(candidacy), utcnow())
    return render("meetings/index.html", fragment="conversations", groups=groups, headings=GROUPS,
                  zone=candidacy.user.timezone, total=sum(len(g) for g in groups.values()))


def _new_times(candidacy, meeting, now) -> dict:
    """Other free times for a confirmed conversation, 12 hours (the cut-off) or more away, by day."""
    zone, person = candidacy.user.timezone, meeting.staff
    if person.profile is None:
        return {}
    offered = offered_slots(candidacy, person.profile, meeting.length_minutes, now, exclude_id=meeting.id,
                            earliest=now + change_cutoff())
    days = _by_day([(s, f) for s, f in offered.slots if s.start != meeting.start_at], zone)
    return {format_date(day[0][0].start, zone): [SelectChoice(slot_value(s.start), _label(s, f, zone, person))
                                                 for s, f in day] for day in days.values()}


def _page(candidacy, meeting, *, status: int = 200, notice: str | None = None, error: str | None = None,
          moving: bool = False, fragment: str = "meeting", **forms):
    """The conversation page, or just its #meeting section for htmx (every action swaps that).

    ``moving``: the candidate asked to move it (the move page, a refused move), so its #move section
    lists the other free times; those cost the person's free times over two weeks, so the page
    otherwise offers only a link to them."""
    now = utcnow()
    forms = {"cancel_form": CancelForm(formdata=None), "reschedule_form": RescheduleForm(formdata=None),
             "follow_up_form": FollowUpForm(formdata=None), "action_form": ActionForm(formdata=None), **forms}
    moving = moving and can_reschedule(meeting, now)
    if moving:
        forms["reschedule_form"].start.choices = _new_times(candidacy, meeting, now)
    forms.setdefault("proposal_form", ProposalForm(formdata=None))
    forms.setdefault("new_times_form", NewTimesForm(formdata=None))
    turn = _candidates_turn(candidacy, meeting, now)
    # It didn't happen: who else to ask (and, after a no-show, the same person again), one click each.
    others = alternatives(meeting, now) if meeting.status in ("declined", "rejected", "no_show", "expired") else None
    # the same person again: after a no-show, or when their proposed times didn't work out
    after_proposal = (meeting.status in ("expired", "cancelled") and bool(meeting.counter_times)
                      and meeting.start_at is None)  # never booked: not one confirmed from a proposal, then cancelled
    again = rebook(meeting) if meeting.status == "no_show" or after_proposal else None
    return render(
        "meetings/show.html", fragment=fragment, status=status, meeting=meeting, person=meeting.staff,
        moving=moving,
        alternatives=others, rebook=again,
        profile=meeting.staff.profile, questions=agenda(meeting), history=history(meeting),
        zone=candidacy.user.timezone, notice=notice, error=error, can_cancel=can_cancel(meeting, now),
        can_reschedule=can_reschedule(meeting, now), is_over=is_over(meeting, now),
        has_started=has_started(meeting, now), change_deadline=change_deadline(meeting),
        cutoff_hours=int(change_cutoff().total_seconds() // 3600), **turn, **forms)


def _candidates_turn(candidacy, meeting, now) -> dict:
    """What the candidate is asked to do about times on this page: choose one of the times the person
    proposed, or, every time they offered being gone, offer new ones (the person's free times, by day)."""
    turn = {"proposal": None, "new_times": None, "slot_value": slot_value, "max_slots": MAX_SLOTS}
    if meeting.status == "proposed":
        choosable = open_times(meeting, now)
        turn["proposal"] = {"open": choosable, "gone": [t for t in meeting.counter_times if t not in choosable],
                            "message": proposal_message(meeting), "ends": proposal_expires_at(meeting)}
    elif times_gone(meeting, now) and meeting.staff.profile is not None:
        offered = offered_slots(candidacy, meeting.staff.profile, meeting.length_minutes, now,
                                exclude_id=meeting.id)
        turn["new_times"] = {"days": _by_day(offered.slots, candidacy.user.timezone), "outside": offered.outside}
    return turn


@bp.get("/meetings/<int:meeting_id>")
@role_required("candidate")
def show(meeting_id: int):
    candidacy = _candidacy()
    return _page(candidacy, _meeting_or_404(candidacy, meeting_id))


@bp.get("/meetings/<int:meeting_id>/move")
@role_required("candidate")
def move(meeting_id: int):
    """The other free times to move a confirmed conversation to: the conversation page with them in its
    #move section (htmx: just that section, in place of the link that asked). A conversation that can
    no longer be moved shows its page with the reason instead (htmx: the whole #meeting, refreshed)."""
    candidacy = _candidacy()
    meeting = _meeting_or_404(candidacy, meeting_id)
    if meeting.format == "written":  # answers in writing have no time to move (nor a calendar file)
        abort(404)
    if can_reschedule(meeting, utcnow()):
        return _page(candidacy, meeting, moving=True, fragment="move")
    response = _page(candidacy, meeting, error=str(cannot_move(meeting)))
    return htmx_response(response, retarget="#meeting", reswap="outerHTML") if wants_fragment() else response


@bp.get("/meetings/<int:meeting_id>.ics")
@role_required("candidate")
def ics(meeting_id: int):
    """The calendar entry of a confirmed conversation, for the candidate to import."""
    meeting = _meeting_or_404(_candidacy(), meeting_id)
    if meeting.status != "confirmed" or meeting.start_at is None:  # written answers have no time
        abort(404)
    response = Response(meeting_calendar.ics_for(meeting, method="REQUEST"),
                        content_type="text/calendar; charset=utf-8; method=REQUEST")
    response.headers["Content-Disposition"] = f'attachment; filename="conversation-{meeting.id}.ics"'
    return response


# --- changing -------------------------------------------------------------------------------------


def _act(meeting_id: int, form, action, success: str, form_key: str, *, moving: bool = False):
    """Validate, run ``action(candidacy, meeting, form, now)``; PRG or the fresh section, else 422
    (``moving``: with the other free times listed again, for a refused move)."""
    candidacy = _candidacy()
    meeting = _meeting_or_404(candidacy, meeting_id)
    error = None
    if form.validate_on_submit():
        try:
            action(candidacy, meeting, form, utcnow())
        except RequestError as problem:
            db.session.rollback()
            meeting = _meeting_or_404(candidacy, meeting_id)
            error = error_on_field_or_page(form, problem)
        else:
            db.session.commit()
            if wants_fragment():
                return _page(candidacy, meeting, notice=success)
            flash(success, "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return _page(candidacy, meeting, status=422, error=error, moving=moving, **{form_key: form})


@bp.post("/meetings/<int:meeting_id>/cancel")
@role_required("candidate")
def cancel(meeting_id: int):
    return _act(meeting_id, CancelForm(), lambda c, m, f, now: cancel_meeting(c, m, f.reason.data, now),
                _("Cancelled. We've told them, and their calendar entry is withdrawn."), "cancel_form")


@bp.post("/meetings/<int:meeting_id>/reschedule")
@role_required("candidate")
def reschedule(meeting_id: int):
    return _act(meeting_id, RescheduleForm(), lambda c, m, f, now: reschedule_meeting(c, m, f.start_at, now),
                _("Moved. Both of you get the new time and an updated calendar entry."), "reschedule_form",
                moving=True)


@bp.post("/meetings/<int:meeting_id>/follow-up")
@role_required("candidate")
def follow_up(meeting_id: int):
    def action(candidacy, meeting, form, now):
        record_follow_up(candidacy, meeting, form.answered_ids, form.rating.data, form.answered_needs.data,
                         now)

    return _act(meeting_id, FollowUpForm(), action, _("Thank you. The questions it answered are ticked off in "
                "your list."), "follow_up_form")


@bp.post("/meetings/<int:meeting_id>/no-show")
@role_required("candidate")
def no_show(meeting_id: int):
    return _act(meeting_id, ActionForm(), lambda c, m, f, now: report_no_show(c, m, now),
                _("Thanks for telling us. They and your recruiter have been told; you can book another time "
                  "below."), "action_form")


@bp.post("/meetings/<int:meeting_id>/proposal/accept")
@role_required("candidate")
def accept_proposed(meeting_id: int):
    """Take one of the times the person proposed: confirmed, with calendar invitations to both."""
    return _act(meeting_id, ProposalForm(), lambda c, m, f, now: accept_proposal(c, m, f.time.data, now),
                _("Confirmed. You both get a calendar invitation by e-mail."), "proposal_form")


@bp.post("/meetings/<int:meeting_id>/proposal/decline")
@role_required("candidate")
def decline_proposed(meeting_id: int):
    return _act(meeting_id, ActionForm(), lambda c, m, f, now: decline_proposal(c, m, now),
                _("Done: we've told them none of those times suits you. You can ask again with other times."),
                "action_form")


@bp.post("/meetings/<int:meeting_id>/times")
@role_required("candidate")
def new_times(meeting_id: int):
    """Every time the candidate offered is gone: new ones, sent on to the person."""
    candidacy = _candidacy()
    waiting_for_approval = _meeting_or_404(candidacy, meeting_id).status != "invited"
    done = (_("New times saved: your recruiter sees them with your request.") if waiting_for_approval
            else _("New times sent. We'll let you know when they answer."))
    return _act(meeting_id, NewTimesForm(), lambda c, m, f, now: offer_new_times(c, m, f.starts, now), done,
                "new_times_form")
