"""The candidate's Prepare page for one of their conversations: /meetings/<id>/prepare.

GET shows the time in both zones with a countdown, how to join, the person, the questions (with
suggestions one click away) and the checklist with the device check; the page may use the camera
and microphone (``allow_media_capture``), no other page may. Every change is a plain form POST
first (post/redirect/get); with htmx it answers with the refreshed checklist or questions block.
Another candidate's conversation is a 404, whatever the method; one that isn't coming up (not
confirmed, or over) gets a page that says so.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth.emailed import form_error
from ..extensions import db
from ..i18n import _
from ..meetings.requests import get_meeting
from ..questions.bank import BANK_BY_KEY
from ..questions.services import candidate_questions
from ..rendering import hx_redirect, render, wants_fragment
from ..security import allow_media_capture, role_required
from ..timeutil import utcnow
from . import bp
from . import services
from .forms import ChecklistForm


def _meeting_or_404(meeting_id: int):
    candidacy = current_user.candidacy
    meeting = get_meeting(candidacy, meeting_id) if candidacy is not None else None
    if meeting is None:
        abort(404)
    return meeting


def _page(meeting, *, fragment: str | None = None, status: int = 200, notice: str | None = None,
          error: str | None = None, question_notice: str | None = None):
    now = utcnow()
    if not services.can_prepare(meeting, now):
        return render("prepare/closed.html", meeting=meeting, person=meeting.staff,
                      over=services.is_over(meeting, now), zone=meeting.candidate.user.timezone)
    prep = services.prep_of(meeting)
    own = candidate_questions(meeting.candidate)  # one query for both lists below
    agenda, directed = services.questions_for(meeting, own)
    return render(
        "prepare/show.html", fragment=fragment, status=status, meeting=meeting, person=meeting.staff,
        talk=meeting.format == "office_hours", first=meeting.staff.first_name,
        profile=meeting.staff.profile, candidacy=meeting.candidate, zone=meeting.candidate.user.timezone,
        now=now, countdown=services.countdown(meeting.start_at, meeting.end_at, now),
        countdown_words=services.countdown_words(), device_texts=_device_texts(),
        items=services.items(meeting), prep=prep, progress=services.progress(meeting, prep),
        form=ChecklistForm(formdata=None, obj=prep), device=services.device_check(meeting),
        agenda=agenda, directed=directed, suggestions=services.suggestions(meeting, own),
        notice=notice, error=error, question_notice=question_notice)


def _device_texts() -> dict:
    """What static/prepare.js says during the device check, in the reader's language (the page hands it
    over as data-texts); each problem is [what happened, what to do]."""
    return {
        "blocked": [_("Your browser blocked the camera and microphone for this site."),
                    _("To allow them: select the camera or padlock icon at the left of the address bar, choose "
                      "Allow for the camera and the microphone, then press the check button again. On a phone, "
                      "look in your settings under your browser, then Camera and Microphone.")],
        "missing": [_("We couldn't find a camera or a microphone on this device."),
                    _("Plug one in, or switch on the built-in one, and try again. No camera? Check the microphone "
                      "only: you can still join with sound.")],
        "missingAudio": [_("We couldn't find a microphone on this device."),
                         _("Plug in a headset or switch on the built-in microphone, then try again.")],
        "busy": [_("Your camera or microphone is in use by another app."),
                 _("Close the other video call or app (or another browser tab using it), then try again.")],
        "unsupported": [_("This browser can't check your devices here."),
                        _("The check needs a secure (https) page and a recent browser: try the latest Chrome, Edge, "
                          "Firefox or Safari, or open your video link a few minutes early: most video tools show a "
                          "preview first.")],
        "silent": [_("We can't hear anything yet."),
                   _("Say something. If the bar stays empty, check that the microphone isn't muted and is the one "
                     "chosen in your system settings.")],
        "microphoneOnly": _("Check the microphone only"),
        "askingVideo": _("Asking your browser for the camera and microphone…"),
        "askingAudio": _("Asking your browser for the microphone…"),
        "startingCamera": _("Starting your camera…"),
        "listening": _("Listening…"),
        "workVideo": _("Your camera and microphone work. We ticked them off in your checklist."),
        "workAudio": _("Your microphone works. We ticked it off in your checklist."),
        "cameraWorks": _("Your camera works. Now say something to test the microphone."),
        "stoppedVideo": _("Stopped: your camera and microphone are off."),
        "stoppedAudio": _("Stopped: your microphone is off."),
    }


def _gone(meeting, problem: services.PrepareError):
    """The conversation stopped coming up while the page was open: the page says so."""
    db.session.rollback()
    target = url_for("prepare.show", meeting_id=meeting.id)
    if wants_fragment():
        return hx_redirect(target)
    flash(str(problem), "error")
    return redirect(target, 303)


@bp.get("/meetings/<int:meeting_id>/prepare")
@role_required("candidate")
def show(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if services.can_prepare(meeting, utcnow()) and services.device_check(meeting):
        allow_media_capture()
    return _page(meeting)


@bp.post("/meetings/<int:meeting_id>/prepare/checklist")
@role_required("candidate")
def checklist(meeting_id: int):
    """Save the ticked boxes; htmx gets the checklist block back, saying how many are ready."""
    meeting = _meeting_or_404(meeting_id)
    form = ChecklistForm()
    if not form.validate_on_submit():
        expired = "csrf_token" in form and form_error(form)
        return _page(meeting, fragment="checklist", status=422,
                     error=expired or _("That wasn't saved: tick the boxes on the page and save again."))
    try:
        prep = services.save_checklist(meeting, form.ticked(), utcnow())
    except services.PrepareError as problem:
        return _gone(meeting, problem)
    db.session.commit()
    message = _("Saved: %(progress)s.", progress=services.progress(meeting, prep).label)
    if wants_fragment():
        return _page(meeting, fragment="checklist", notice=message)
    flash(message, "success")
    return redirect(url_for("prepare.show", meeting_id=meeting.id) + "#checklist", 303)


@bp.post("/meetings/<int:meeting_id>/prepare/questions/<key>")
@role_required("candidate")
def add_question(meeting_id: int, key: str):
    """One suggested question onto the candidate's list, for this person and this conversation."""
    meeting = _meeting_or_404(meeting_id)
    if key not in BANK_BY_KEY:
        abort(404)
    first = meeting.staff.first_name
    try:
        created = services.add_suggestion(meeting, key, utcnow())[1]
        db.session.commit()
    except services.PrepareError as problem:
        return _gone(meeting, problem)
    except IntegrityError:  # the same click arrived twice at once: the other one added it
        db.session.rollback()
        created = False
    message = (_("Added to your questions and to this conversation: %(name)s will see it.", name=first) if created
               else _("That question is already on your list."))
    if wants_fragment():
        return _page(meeting, fragment="questions", question_notice=message)
    flash(message, "success")
    return redirect(url_for("prepare.show", meeting_id=meeting.id) + "#questions", 303)
