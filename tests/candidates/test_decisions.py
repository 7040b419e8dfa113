"""Recording a candidate's decision: each outcome, the date rules (in the recruiter's zone), validation
that changes nothing, corrections and undo, the timeline, calling off conversations (with the real
cancellation mail), the page and its htmx fragment, and who may do it.

The story, frozen on Monday 3 March 2031 at 12:00 UTC: Riley (recruiter, London) owns Jordan Lee
(candidate, New York), whose offer was made on Tuesday 25 February at 20:00 UTC. Amara (CEO,
Berlin) and Tom (engineer, Toronto) are people Jordan may talk to.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import HTMX, T0, Auth, csrf_in, deliver_mail, text_of

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.candidates.decisions import (DecisionConflict, DecisionData, DecisionError,
                                         record_decision, undo_decision)
from portal.candidates.models import Candidate, ExitSurvey
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.listeners import call_off_conversations
from portal.meetings.models import BookedUnit, Meeting

OFFER = datetime(2031, 2, 25, 20, 0, tzinfo=UTC)


def add_meeting(candidate_id: int, staff_id: int, status: str, start: datetime | None = None) -> Meeting:
    """A conversation that got to ``status`` through the state machine (so its history is real), with
    ``start`` as its one proposed time (and its time, once confirmed)."""
    booked = status in ("confirmed", "completed")
    return make_meeting(candidate_id, staff_id, status, slots=[start] if start else (), start=start if booked else None)


@pytest.fixture
def world(app, frozen):
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
        kiri = make_user("recruiter", name="Kiri Tane", email="kiri@example.com", timezone="Pacific/Auckland")
        amara = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor",
                           email="amara@example.com", timezone="Europe/Berlin")
        tom = make_staff("team", title="Senior Engineer", name="Tom Becker", email="tom@example.com",
                         timezone="America/Toronto")
        jordan = make_candidate(owner=riley, position=make_position("Backend Engineer", "Platform"),
                                name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
        jordan.offer_made_at = OFFER
        db.session.commit()
        return SimpleNamespace(riley=riley.id, kiri=kiri.id, amara=amara.id, tom=tom.id, candidate=jordan.id,
                               jordan=jordan.user.id)


def login(app, client, user_id):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


@pytest.fixture
def riley(app, client, world):
    return login(app, client, world.riley)


def page_path(world) -> str:
    return f"/recruiter/candidates/{world.candidate}"


def token(client, world) -> str:
    html = client.get(page_path(world)).get_data(as_text=True)
    return csrf_in(html)


def decide(client, world, headers=None, **data):
    """POST the decision form as the page would (the stage it shows, a CSRF token)."""
    form = {"outcome": "declined", "decided_on": "2031-03-03", "reason": "compensation", "note": "",
            "send_survey": None, "current_stage": stage(client.application, world), "csrf_token": token(client, world)}
    form.update(data)
    form = {key: value for key, value in form.items() if value is not None}
    return client.post(f"{page_path(world)}/decision", data=form, headers=headers or {})


def undo(client, world, headers=None, **data):
    form = {"current_stage": stage(client.application, world), "csrf_token": token(client, world), **data}
    return client.post(f"{page_path(world)}/decision/undo", data=form, headers=headers or {})


def stage(app, world) -> str:
    with app.app_context():
        return db.session.get(Candidate, world.candidate).stage


def snapshot(app, world) -> tuple:
    with app.app_context():
        c = db.session.get(Candidate, world.candidate)
        return (c.stage, c.decided_at, c.decline_reason, c.decision_note,
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action != "candidate.viewed")),  # opening the page is audited
                db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
                db.session.scalar(sa.select(sa.func.count()).select_from(ExitSurvey)),
                tuple(db.session.scalars(sa.select(Meeting.status).order_by(Meeting.id))))


def events(app, world) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.summary).where(AuditEvent.candidate_id == world.candidate,
                                                                   AuditEvent.action != "candidate.viewed")
            .order_by(AuditEvent.id))]


# --- the service, without HTTP ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome,reason,summary", [
    ("accepted", None, "Riley Morgan recorded that Jordan Lee accepted the offer"),
    ("declined", "other_offer", "Riley Morgan recorded that Jordan Lee declined the offer (Accepted another offer)"),
    ("withdrawn", None, "Riley Morgan recorded that Jordan Lee's offer was withdrawn"),
])
def test_each_outcome_is_recorded_with_an_event(app, world, outcome, reason, summary):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        result = record_decision(candidate, DecisionData(outcome, date(2031, 3, 3), reason="other_offer",
                                                         note="  They were kind about it.  "), by=riley)
        db.session.commit()
        candidate = db.session.get(Candidate, world.candidate)
        assert candidate.stage == outcome and candidate.decided_at == T0  # today: the current instant
        assert candidate.decline_reason == reason  # a reason belongs to a decline only
        assert candidate.decision_note == "They were kind about it."
        assert result.action == "decided"
    assert events(app, world) == [("candidate.decided", summary)]


def test_a_past_day_is_noon_in_the_recruiters_zone(app, world):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        record_decision(candidate, DecisionData("accepted", date(2031, 2, 28)), by=riley)
        assert candidate.decided_at == datetime(2031, 2, 28, 12, 0, tzinfo=UTC)  # London is UTC in winter
        kiri = db.session.get(User, world.kiri)
        record_decision(candidate, DecisionData("accepted", date(2031, 2, 27)), by=kiri)
        # 12:00 in Auckland (NZDT, UTC+13) is 23:00 UTC the day before.
        assert candidate.decided_at == datetime(2031, 2, 26, 23, 0, tzinfo=UTC)
        db.session.rollback()
    assert events(app, world) == []  # nothing committed: services flush, the view commits


def test_today_and_the_future_depend_on_the_recruiters_zone(app, world, frozen):
    frozen.move_to(datetime(2031, 3, 3, 23, 30, tzinfo=UTC))  # already Tuesday 4 March in Auckland
    with app.app_context():
        candidate = db.session.get(Candidate, world.candidate)
        riley, kiri = db.session.get(User, world.riley), db.session.get(User, world.kiri)
        with pytest.raises(DecisionError) as error:
            record_decision(candidate, DecisionData("accepted", date(2031, 3, 4)), by=riley)
        assert error.value.field == "decided_on"
        assert str(error.value) == ("The date can't be in the future: today is Mon 3 Mar 2031 in your time zone "
                                    "(Europe/London).")
        record_decision(candidate, DecisionData("accepted", date(2031, 3, 4)), by=kiri)
        assert candidate.decided_at == datetime(2031, 3, 3, 23, 30, tzinfo=UTC)  # "today" for Kiri: now
        db.session.rollback()


def test_not_before_the_offer_and_never_earlier_than_it(app, world):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        with pytest.raises(DecisionError) as error:
            record_decision(candidate, DecisionData("accepted", date(2031, 2, 24)), by=riley)
        assert str(error.value) == "The date can't be before the offer was made, on Tue 25 Feb 2031."
        # The offer's own day: noon would be before the offer (20:00), so the offer's moment is stored.
        record_decision(candidate, DecisionData("accepted", date(2031, 2, 25)), by=riley)
        assert candidate.decided_at == OFFER
        db.session.rollback()


@pytest.mark.parametrize("data,field,message", [
    (DecisionData(None, date(2031, 3, 3)), "outcome", "Choose what they decided."),
    (DecisionData("maybe", date(2031, 3, 3)), "outcome", "Choose what they decided."),
    (DecisionData("accepted", None), "decided_on", "Enter the date they decided, like 2026-03-14."),
    (DecisionData("declined", date(2031, 3, 3)), "reason", "Choose why they declined from the list."),
    (DecisionData("declined", date(2031, 3, 3), reason="bored"), "reason", "Choose why they declined from the list."),
    (DecisionData("withdrawn", date(2031, 3, 3), note="x" * 2001), "note",
     "Keep the note to 2,000 characters or fewer (it has 2,001)."),
])
def test_service_refuses_with_the_field(app, world, data, field, message):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        with pytest.raises(DecisionError) as error:
            record_decision(candidate, data, by=riley)
        assert (error.value.field, str(error.value)) == (field, message)
        db.session.rollback()


def test_conflicts_and_undo_at_the_offer_stage(app, world):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        with pytest.raises(DecisionConflict):
            undo_decision(candidate, by=riley)
        record_decision(candidate, DecisionData("accepted", date(2031, 3, 3)), by=riley)
        with pytest.raises(DecisionConflict) as error:
            record_decision(candidate, DecisionData("declined", date(2031, 3, 3), reason="timing"), by=riley,
                            expected_stage="offer")
        assert "it's now Accepted" in str(error.value)
        with pytest.raises(DecisionConflict):
            undo_decision(candidate, by=riley, expected_stage="declined")
        db.session.rollback()


def test_call_off_leaves_finished_and_started_conversations_alone(app, world, frozen):
    with app.app_context():
        candidate, riley = db.session.get(Candidate, world.candidate), db.session.get(User, world.riley)
        done = add_meeting(candidate.id, world.tom, "completed", start=T0 - timedelta(days=2))
        started = add_meeting(candidate.id, world.amara, "confirmed", start=T0 + timedelta(hours=1))
        frozen.move_to(T0 + timedelta(hours=1, minutes=10))  # the conversation is under way
        result = call_off_conversations(candidate, by=riley)
        assert result.total == 0
        assert (done.status, started.status) == ("completed", "confirmed")
        db.session.rollback()


# --- over HTTP -------------------------------------------------------------------------------------


def test_decline_over_http_then_correct_then_undo(app, riley, world):
    response = decide(riley, world, outcome="declined", reason="compensation", note="Base salary gap.")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{page_path(world)}#decision"
    page = riley.get(page_path(world)).get_data(as_text=True)
    assert "Recorded: Jordan Lee declined the offer (Compensation)." in page  # the flash
    section = page[page.index('<section id="decision"'):page.index("</section>", page.index('<section id="decision"'))]
    assert "<strong>Declined</strong>" in section and "Compensation" in section and "Base salary gap." in section
    assert "Mon 3 Mar 2031, 12:00 GMT (Europe/London)" in section  # the viewer's zone, named
    assert '<strong id="candidate-stage">Declined</strong>' in page
    assert "Yes, move Jordan Lee back to the offer stage" in page

    # The same day kept: the recorded instant is kept too; the reason changes.
    assert decide(riley, world, reason="other_offer", note="Base salary gap.").status_code == 302
    assert snapshot(app, world)[:4] == ("declined", T0, "other_offer", "Base salary gap.")
    # Another day, another outcome.
    assert decide(riley, world, outcome="accepted", decided_on="2031-03-01", reason="",
                  note="").status_code == 302
    assert snapshot(app, world)[:4] == ("accepted", datetime(2031, 3, 1, 12, tzinfo=UTC), None, None)
    # The same again changes nothing and says so.
    same = decide(riley, world, outcome="accepted", decided_on="2031-03-01")
    assert same.status_code == 302
    assert "Nothing changed" in riley.get(page_path(world)).get_data(as_text=True)

    assert undo(riley, world).status_code == 302
    assert snapshot(app, world)[:4] == ("offer", None, None, None)
    back = riley.get(page_path(world)).get_data(as_text=True)
    assert "Jordan Lee is back at the offer stage; the recorded decision was cleared." in back
    assert "Record the decision" in back

    assert events(app, world) == [
        ("candidate.decided", "Riley Morgan recorded that Jordan Lee declined the offer (Compensation)"),
        ("candidate.decision_changed", ("Riley Morgan changed the decision: Declined (Compensation) → "
                                        "Declined (Accepted another offer)")),
        ("candidate.decision_changed", ("Riley Morgan changed the decision: Declined (Accepted another offer) → "
                                        "Accepted; date → Sat 1 Mar 2031; note removed")),
        ("candidate.decision_undone", ("Riley Morgan moved Jordan Lee back to the offer stage (the decision had "
                                       "been: Accepted)")),
    ]
    timeline = back[back.index('id="timeline"'):]
    for _action, summary in events(app, world):
        assert summary.replace("'", "&#39;") in timeline


@pytest.mark.parametrize("data,message", [
    ({"outcome": None}, "Choose what they decided."),
    ({"outcome": "maybe"}, "Choose what they decided."),
    ({"reason": ""}, "Choose why they declined from the list."),
    ({"reason": "bored"}, "Choose why they declined from the list."),
    ({"note": "x" * 2001}, "Keep the note to 2,000 characters or fewer."),
    ({"decided_on": ""}, "Enter the date they decided, like 2026-03-14."),
    ({"decided_on": "3/3/2031"}, "Enter the date they decided, like 2026-03-14."),
    ({"decided_on": "2031-02-30"}, "Enter the date they decided, like 2026-03-14."),
    ({"decided_on": "2031-03-04"}, "The date can&#39;t be in the future"),
    ({"decided_on": "0001-01-01"}, "The date can&#39;t be before the offer was made, on Tue 25 Feb 2031."),
    ({"decided_on": "9999-12-31"}, "The date can&#39;t be in the future"),
])
def test_invalid_decision_is_422_and_changes_nothing(app, riley, world, data, message):
    with app.app_context():
        add_meeting(world.candidate, world.tom, "invited")
        db.session.commit()
    before = snapshot(app, world)
    page = decide(riley, world, **data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html and "<html" in html  # without JavaScript: the whole page
    assert 'aria-invalid="true"' in html
    fragment = decide(riley, world, headers=HTMX, **data)
    assert fragment.status_code == 422
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="decision"') and message in body and "<html" not in body
    assert "hx-swap-oob" not in body
    assert snapshot(app, world) == before


def test_error_is_tied_to_its_field_and_keeps_what_was_typed(riley, world):
    html = decide(riley, world, reason="", note="Went elsewhere.", headers=HTMX).get_data(as_text=True)
    assert '<select aria-describedby="reason-hint reason-error" aria-invalid="true" id="reason" name="reason">' in html
    assert text_of(html, "reason-error") == "Choose why they declined from the list."
    assert "\nWent elsewhere.</textarea>" in html
    assert re.search(r'<input [^>]*checked [^>]*value="declined">', html)


def test_someone_else_changed_it_first_is_409_and_overwrites_nothing(app, riley, world):
    page_token = token(riley, world)
    assert decide(riley, world, outcome="accepted", reason="").status_code == 302
    before = snapshot(app, world)
    stale = riley.post(f"{page_path(world)}/decision", headers=HTMX, data={
        "outcome": "declined", "decided_on": "2031-03-03", "reason": "timing", "current_stage": "offer",
        "csrf_token": page_token})
    assert stale.status_code == 409
    assert "Someone else changed the decision while you were looking: it&#39;s now Accepted." in stale.get_data(
        as_text=True)
    assert snapshot(app, world) == before
    # The form keeps what was typed and now carries the stage that is there: sending it again is deliberate.
    assert 'name="current_stage" type="hidden" value="accepted"' in stale.get_data(as_text=True)
    assert re.search(r'<input [^>]*checked [^>]*value="declined">', stale.get_data(as_text=True))
    again = riley.post(f"{page_path(world)}/decision/undo", data={"current_stage": "declined",
                                                                 "csrf_token": page_token})
    assert again.status_code == 409 and snapshot(app, world) == before


def test_undo_at_the_offer_stage_changes_nothing(app, riley, world):
    before = snapshot(app, world)
    response = undo(riley, world, headers=HTMX)
    assert response.status_code == 409
    assert "There&#39;s no decision to undo" in response.get_data(as_text=True)
    assert snapshot(app, world) == before


def test_htmx_success_swaps_the_section_the_stage_and_the_timeline(app, riley, world):
    response = decide(riley, world, outcome="withdrawn", reason="", headers=HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="decision"') and "<html" not in body
    assert ('role="status">Recorded: Jordan Lee&#39;s offer was withdrawn. There were '
            "no open requests or upcoming conversations to call off.</p>") in body
    assert '<strong id="candidate-stage" data-hx-swap-oob="true">Withdrawn</strong>' in body
    assert '<section id="timeline" aria-labelledby="timeline-heading" data-hx-swap-oob="true">' in body
    assert "Riley Morgan recorded that Jordan Lee&#39;s offer was withdrawn" in body
    undone = undo(riley, world, headers=HTMX).get_data(as_text=True)
    assert '<strong id="candidate-stage" data-hx-swap-oob="true">Offer stage</strong>' in undone
    assert "Conversations that were called off stay cancelled" in undone
    # Boosted navigation and plain pages never get a fragment.
    full = riley.get(page_path(world), headers={**HTMX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in full and "hx-swap-oob" not in full


def test_the_page_form_defaults_to_today_in_the_viewers_zone(app, client, world, frozen):
    frozen.move_to(datetime(2031, 3, 3, 23, 30, tzinfo=UTC))
    london = login(app, client, world.riley).get(page_path(world)).get_data(as_text=True)
    assert 'max="2031-03-03"' in london and 'value="2031-03-03"' in london and 'min="2031-02-25"' in london
    auckland = login(app, app.test_client(), world.kiri).get(page_path(world)).get_data(as_text=True)
    assert 'max="2031-03-04"' in auckland and 'value="2031-03-04"' in auckland and 'min="2031-02-26"' in auckland
    assert "in your time zone (Pacific/Auckland)" in auckland
    # The survey box sends mail: it is never ticked for the recruiter.
    assert re.search(r'<input [^>]*name="send_survey"', london)
    assert not re.search(r'<input [^>]*checked [^>]*name="send_survey"|<input [^>]*name="send_survey"[^>]*checked', london)


def test_the_recorded_date_shows_in_each_viewers_zone(app, client, world):
    decide(login(app, client, world.riley), world, outcome="accepted", reason="", decided_on="2031-02-28")
    kiri = login(app, app.test_client(), world.kiri).get(page_path(world)).get_data(as_text=True)
    assert "Sat 1 Mar 2031, 01:00 NZDT (Pacific/Auckland)" in kiri
    assert 'value="2031-03-01"' in kiri  # the correction form shows the day in Kiri's zone


def test_decline_calls_off_open_requests_and_upcoming_conversations(app, riley, world, smtp):
    with app.app_context():
        # Those that pass through "invited" first: a candidate has one waiting request per person.
        upcoming = add_meeting(world.candidate, world.amara, "confirmed", start=T0 + timedelta(days=3))
        done = add_meeting(world.candidate, world.tom, "completed", start=T0 - timedelta(days=1))
        waiting = add_meeting(world.candidate, world.amara, "needs_approval", start=T0 + timedelta(days=2))
        invited = add_meeting(world.candidate, world.tom, "invited", start=T0 + timedelta(days=2, hours=3))
        db.session.commit()
        ids = (waiting.id, invited.id, upcoming.id, done.id)
    response = decide(riley, world, reason="role_scope", headers=HTMX)
    assert response.status_code == 200
    assert ("Recorded: Jordan Lee declined the offer (Role or scope). 2 open requests and 1 upcoming conversation "
            "were called off; the people involved have been e-mailed.") in response.get_data(as_text=True)
    with app.app_context():
        statuses = [db.session.get(Meeting, i).status for i in ids]
        assert statuses == ["cancelled", "cancelled", "cancelled", "completed"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                                 .where(BookedUnit.meeting_id == ids[2])) == 0  # Amara's time is free again
        reason = db.session.get(Meeting, ids[1]).reason
        assert reason == "The offer process for Backend Engineer has ended, so this conversation is no longer needed."
    deliver_mail(app)
    (tom_mail,) = smtp.messages_to("tom@example.com")  # he had been invited; the approval queue hadn't reached Amara
    assert tom_mail["Subject"] == "Cancelled: your conversation with Jordan Lee"
    tom_text = tom_mail.get_body(preferencelist=("plain",)).get_content()
    assert "Riley Morgan cancelled the conversation with Jordan Lee" in tom_text
    assert "The offer process for Backend Engineer has ended" in tom_text
    (amara_mail,) = smtp.messages_to("amara@example.com")
    ics = [part for part in amara_mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(ics) == 1 and "METHOD:CANCEL" in ics[0].get_content()
    assert [e for e in events(app, world) if e[0] == "meeting.cancelled"] == [
        ("meeting.cancelled", ("Riley Morgan called off the conversation to talk to Amara Okafor: the offer "
                               "process ended")),
        ("meeting.cancelled", "Riley Morgan called off the request to talk to Amara Okafor: the offer process ended"),
        ("meeting.cancelled", "Riley Morgan called off the request to talk to Tom Becker: the offer process ended"),
    ]


def test_accepted_leaves_conversations_alone(app, riley, world, smtp):
    with app.app_context():
        add_meeting(world.candidate, world.tom, "invited", start=T0 + timedelta(days=2))
        add_meeting(world.candidate, world.amara, "confirmed", start=T0 + timedelta(days=3))
        db.session.commit()
    before = snapshot(app, world)[-1]
    response = decide(riley, world, outcome="accepted", reason="", headers=HTMX)
    assert response.status_code == 200
    assert "called off" not in response.get_data(as_text=True)
    assert snapshot(app, world)[-1] == before == ("invited", "confirmed")
    deliver_mail(app)
    assert smtp.messages == []


def test_withdrawn_after_accepted_calls_them_off(app, riley, world):
    with app.app_context():
        add_meeting(world.candidate, world.tom, "invited", start=T0 + timedelta(days=2))
        db.session.commit()
    decide(riley, world, outcome="accepted", reason="")
    response = decide(riley, world, outcome="withdrawn", reason="", headers=HTMX)
    assert "Decision updated: Withdrawn. 1 open request was called off" in response.get_data(as_text=True)
    assert snapshot(app, world)[-1] == ("cancelled",)


def test_unknown_candidate_is_404(app, riley, world):
    data = {"csrf_token": token(riley, world), "outcome": "accepted", "decided_on": "2031-03-03"}
    assert riley.post("/recruiter/candidates/999/decision", data=data).status_code == 404
    assert riley.post("/recruiter/candidates/999/decision/undo", data=data).status_code == 404
    assert riley.post("/recruiter/candidates/99999999999/decision", data=data).status_code == 404


@pytest.mark.parametrize("role", ["candidate", "staff"])
def test_candidates_and_staff_may_not_decide(app, world, role):
    with app.app_context():
        user_id = world.jordan if role == "candidate" else world.tom
    client = login(app, app.test_client(), user_id)
    before = snapshot(app, world)
    for path in (f"{page_path(world)}/decision", f"{page_path(world)}/decision/undo"):
        response = client.post(path, data={"outcome": "declined", "decided_on": "2031-03-03",
                                           "reason": "timing"}, headers={"X-CSRFToken": _any_token(client)})
        assert response.status_code == 403
    assert client.get(page_path(world)).status_code == 403
    assert snapshot(app, world) == before


def _any_token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return csrf_in(html)


def test_line_breaks_count_once_towards_the_note_limit(app, riley, world):
    """Browsers send a textarea's line breaks as CRLF but count them as one character for maxlength."""
    note = "x" * 999 + "\r\n" + "y" * 1000
    assert decide(riley, world, note=note).status_code == 302
    assert snapshot(app, world)[3] == "x" * 999 + "\n" + "y" * 1000
