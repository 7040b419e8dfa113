"""The worker at frozen times: reminders once each, none after a cancellation; stale invitations
get a halfway reminder and then expire."""

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from factories import add_windows
from helpers import csrf_token
from invite_helpers import another_candidate, build_world, make_request, slot_times, world_ids

from portal.extensions import db
from portal.meetings import notify
from portal.meetings.calendar import video_link_for
from portal.meetings.models import Meeting
from portal.meetings.states import confirm, end_conversation
from portal.meetings.tasks import run_due
from portal.timeutil import utcnow
from portal.worker import run_worker


@pytest.fixture
def story(app):
    with app.app_context():
        rows = build_world()
        db.session.commit()
        return rows, world_ids(rows)


def worker_at(app, smtp, when) -> list[tuple[str, str]]:
    """Run one worker pass (``flask worker --once``) at ``when``; return the (to, subject) it sent."""
    before = len(smtp.messages)
    with time_machine.travel(when, tick=False), app.app_context():
        run_worker(once=True)
    return [(m["To"], m["Subject"].strip()) for m in smtp.messages[before:]]


def confirmed_meeting(app, ids) -> tuple[int, object]:
    with app.app_context():
        rows = _reload(ids)
        meeting = make_request(rows, rows.tom)
        confirm(meeting, slot_times()[0], actor=rows.tom, video_link=video_link_for(meeting))
        notify.meeting_confirmed(meeting, rows.tom)
        db.session.commit()
        return meeting.id, meeting.start_at


def _reload(ids):
    from types import SimpleNamespace

    from portal.auth.models import User
    from portal.candidates.models import Candidate
    from portal.questions.models import Question

    return SimpleNamespace(candidate=db.session.get(Candidate, ids.candidate), tom=db.session.get(User, ids.tom),
                           public=db.session.get(Question, ids.public), private=db.session.get(Question, ids.private))


def test_reminders_go_out_24_hours_and_1_hour_before_once_each(app, story, smtp):
    _, ids = story
    _, start = confirmed_meeting(app, ids)
    sent = worker_at(app, smtp, utcnow())
    assert sorted(to for to, subject in sent if subject.startswith("Confirmed")) == ["jordan@example.com",
                                                                                     "tom@example.com"]
    assert worker_at(app, smtp, start - timedelta(hours=24, minutes=1)) == []
    day_before = worker_at(app, smtp, start - timedelta(hours=23, minutes=59))
    assert sorted(day_before) == [("jordan@example.com", "Tomorrow: your conversation with Tom Becker"),
                                  ("tom@example.com", "Tomorrow: your conversation with Jordan Lee")]
    assert worker_at(app, smtp, start - timedelta(hours=23)) == []
    assert worker_at(app, smtp, start - timedelta(hours=1, minutes=1)) == []
    hour_before = worker_at(app, smtp, start - timedelta(hours=1))
    assert sorted(hour_before) == [("jordan@example.com", "In an hour: your conversation with Tom Becker"),
                                   ("tom@example.com", "In an hour: your conversation with Jordan Lee")]
    assert worker_at(app, smtp, start - timedelta(minutes=30)) == []
    assert worker_at(app, smtp, start + timedelta(days=1)) == []


def test_nothing_is_reminded_after_a_cancellation(app, story, smtp):
    _, ids = story
    meeting_id, start = confirmed_meeting(app, ids)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        end_conversation(meeting, "cancelled", actor=meeting.staff, reason="Sick")
        notify.meeting_cancelled(meeting, by=meeting.staff)
        db.session.commit()
    sent = worker_at(app, smtp, utcnow())
    assert sum(subject.startswith("Cancelled") for _, subject in sent) == 2
    for when in (start - timedelta(hours=23), start - timedelta(minutes=59), start + timedelta(hours=1)):
        assert worker_at(app, smtp, when) == []


def test_a_late_confirmation_skips_reminders_that_are_already_due(app, story, smtp):
    _, ids = story
    with app.app_context():
        rows = _reload(ids)
        soon = (utcnow() + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
        meeting = make_request(rows, rows.tom, starts=[soon])
        confirm(meeting, soon, actor=rows.tom)
        notify.meeting_confirmed(meeting, rows.tom)
        db.session.commit()
        from portal.mail.models import OutboxMessage
        keys = db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "meeting_reminder"))
        assert {key.split(":")[0] for key in keys} == {"meeting_reminder_1h"}


def invitation_paths(smtp, address):
    text = smtp.messages_to(address)[-1].get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://[^/\s]+(/invite/\S+)", text)


def test_halfway_reminder_once_then_the_invitation_expires(app, story, smtp):
    _, ids = story
    with app.app_context():
        rows = _reload(ids)
        meeting = make_request(rows, rows.tom)
        notify.request_created(meeting, by=rows.candidate.user)
        db.session.commit()
        meeting_id = meeting.id
    t0 = utcnow()
    assert [s for _, s in worker_at(app, smtp, t0)] == ["Jordan Lee would like to talk to you before deciding on our offer"]
    first_links = invitation_paths(smtp, "tom@example.com")
    assert worker_at(app, smtp, t0 + timedelta(hours=35)) == []
    reminder = worker_at(app, smtp, t0 + timedelta(hours=36, minutes=1))
    assert reminder == [("tom@example.com", "Reminder: Jordan Lee is waiting for your answer")]
    fresh_links = invitation_paths(smtp, "tom@example.com")
    assert set(fresh_links).isdisjoint(first_links)
    assert worker_at(app, smtp, t0 + timedelta(hours=48)) == []  # once only
    with time_machine.travel(t0 + timedelta(hours=48), tick=False):
        assert app.test_client().get(fresh_links[0]).status_code == 200  # the reminder's links work

    expired = worker_at(app, smtp, t0 + timedelta(hours=72, minutes=1))
    assert sorted(expired) == [("jordan@example.com", "No answer from Tom Becker"),
                               ("riley@example.com", "No answer from Tom Becker to Jordan Lee")]
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "expired"
    assert worker_at(app, smtp, t0 + timedelta(hours=80)) == []
    page = app.test_client().get(first_links[0])
    assert page.status_code == 410 and "This request has expired" in page.get_data(as_text=True)


def test_no_nudge_for_a_person_who_already_proposed_another_time(app, story, smtp):
    _, ids = story
    with app.app_context():
        rows = _reload(ids)
        add_windows(rows.tom, time(9), time(17), "America/Toronto")
        notify.request_created(make_request(rows, rows.tom), by=rows.candidate.user)
        db.session.commit()
    t0 = utcnow()
    worker_at(app, smtp, t0)
    propose = invitation_paths(smtp, "tom@example.com")[2]
    person = app.test_client()
    page = person.get(propose).get_data(as_text=True)
    times = re.findall(r'name="times" value="([^"]+)"', page)[:1]
    assert times, "Tom has free times to propose"
    data = {"message": "Next week, any afternoon", "times": times, "csrf_token": csrf_token(person, propose)}
    assert person.post(propose, data=data).status_code == 200
    sent = worker_at(app, smtp, t0 + timedelta(hours=37))
    assert all(not subject.startswith("Reminder") for _, subject in sent)


def test_run_due_counts_and_keeps_going_past_a_bad_row(app, story, monkeypatch):
    _, ids = story
    with app.app_context():
        rows = _reload(ids)
        first = make_request(rows, rows.tom)
        second = make_request(rows, rows.tom, candidate=another_candidate(rows), questions=[])
        db.session.commit()
        first_id, second_id = first.id, second.id
    calls = []
    real = notify.invitation_expired

    def flaky(meeting):
        calls.append(meeting.id)
        if meeting.id == first_id:
            raise RuntimeError("template broke")
        real(meeting)

    monkeypatch.setattr(notify, "invitation_expired", flaky)
    with time_machine.travel(utcnow() + timedelta(hours=73), tick=False), app.app_context():
        result = run_due(utcnow())
        assert (result.expired, len(result.errors)) == (1, 1) and len(calls) == 2
        statuses = dict(db.session.execute(sa.select(Meeting.id, Meeting.status)).all())
        assert statuses[first_id] == "invited" and statuses[second_id] == "expired"
