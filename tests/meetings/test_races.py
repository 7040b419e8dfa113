"""Races that need real processes: gunicorn workers on this test's database (a SQLite file, or
PostgreSQL when TEST_DATABASE_URL says so), many clients firing at the same moment.

- Two people accept the same time of one candidate at once: one conversation is confirmed, the
  other person is told the time was just taken (409); the candidate is never in two places.
- One candidate sends the same request 50 times at once: one request waits, the rest are told
  one is already waiting (``ux_meeting_one_waiting`` and the person's row lock).
- Many candidates ask one person for times in one week at once, across 8 workers: no more are
  invited than the person's weekly cap (the row lock serialises the count and the insert).
No answer may be a server error.
"""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from datetime import time, timedelta

import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from itsdangerous import URLSafeTimedSerializer
from helpers import CSRF_RAW, session_cookie
from limit_servers import gunicorn_server

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.forms import slot_value
from portal.meetings.models import WAITING, Meeting
from portal.meetings.free_times import offered_slots
from portal.people.models import AvailabilityWindow
from portal.timeutil import utcnow

SERVER_ENV = {"RATE_LIMIT_FORMS": "100000 per minute", "RATE_LIMIT_TOKEN_LINKS": "100000 per minute"}


def anonymous_cookie(app) -> str:
    """The session cookie of a browser that has opened a page (it holds the CSRF secret only)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'csrf_token': CSRF_RAW})}"


def form_token(app) -> str:
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(CSRF_RAW)


def all_at_once(base: str, calls: list[tuple[str, str, dict]]) -> list[tuple[int, str]]:
    """POST every (path, cookie, fields) from its own thread and connection, released together."""
    port = int(base.rsplit(":", 1)[1])
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def send(i, path, cookie, fields):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = urllib.parse.urlencode(fields, doseq=True)
        connection.connect()
        barrier.wait(30)
        connection.request("POST", path, body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        answers[i] = (response.status, response.read().decode("utf-8", "replace"))
        connection.close()

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert all(answers), "every client got an answer"
    return answers


def open_all_week(person) -> None:
    """Every hour of every day free in the person's windows (UTC), so times exist whenever this runs."""
    db.session.add_all(AvailabilityWindow(user_id=person.id, weekday=day, start_time=time(0), end_time=time(23, 45),
                                          zone="UTC") for day in range(7))
    db.session.flush()


def invited(candidate, person, starts) -> Meeting:
    meeting = make_meeting(candidate, person, "invited", slots=starts, actor=candidate.user)
    notify.send_invitation(meeting)
    return meeting


def accept_path(person_email: str) -> str:
    """The accept link of the invitation waiting in the outbox for ``person_email``."""
    body = db.session.scalar(sa.select(OutboxMessage.text_body).where(
        OutboxMessage.to_addr == person_email, OutboxMessage.kind == "meeting_invitation"))
    return re.findall(r"https?://[^/\s]+(/invite/\S+)", body)[0]


def test_two_people_accepting_one_candidates_time_at_once_confirm_one(app, tmp_path):
    pairs = 8
    with app.app_context():
        recruiter = make_user("recruiter")
        position = make_position()
        start = (utcnow() + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
        calls = []
        for i in range(pairs):  # each candidate offers the same time to two people of their own
            candidate = make_candidate(owner=recruiter, position=position)
            for person in (make_staff(email=f"a{i}@example.com"), make_staff(email=f"b{i}@example.com")):
                meeting = invited(candidate, person, [start, start + timedelta(hours=2)])
                calls.append((accept_path(person.email), {"slot": str(meeting.slots[0].id)}))
        db.session.commit()
        cookie, token = anonymous_cookie(app), form_token(app)
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=4, **SERVER_ENV) as base:
        answers = all_at_once(base, [(path, cookie, {"csrf_token": token, **fields}) for path, fields in calls])
    statuses = [status for status, _ in answers]
    assert [s for s in statuses if s >= 500] == []
    assert sorted(statuses) == [200] * pairs + [409] * pairs, statuses
    assert all("That time was just taken" in html for status, html in answers if status == 409)
    with app.app_context():
        confirmed = db.session.execute(sa.select(Meeting.candidate_id, sa.func.count()).where(
            Meeting.status == "confirmed").group_by(Meeting.candidate_id)).all()
        assert len(confirmed) == pairs and {n for _, n in confirmed} == {1}  # one each, never two at once
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
            Meeting.status == "invited")) == pairs  # the other still has the later time to choose


def test_fifty_identical_requests_at_once_leave_one_waiting(app, tmp_path):
    with app.app_context():
        person = make_staff(name="Tom Becker")
        candidate = make_candidate(position=make_position(), owner=make_user("recruiter"))
        db.session.commit()
        cookie = "=".join(session_cookie(app, candidate.user.session_token))
        path, token, candidate_id = f"/people/{person.id}/request", form_token(app), candidate.id
    fields = {"csrf_token": token, "format": "written", "length": "30", "note": "The same note, fifty times"}
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=8, **SERVER_ENV) as base:
        answers = all_at_once(base, [(path, cookie, fields)] * 50)
    statuses = [status for status, _ in answers]
    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(302) == 1 and statuses.count(422) == 49, statuses
    assert all("You already have a request waiting for Tom" in html for status, html in answers if status == 422)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
            Meeting.candidate_id == candidate_id, Meeting.status.in_(WAITING))) == 1


def test_a_weekly_cap_holds_under_eight_workers(app, tmp_path):
    candidates, cap = 16, 3
    with app.app_context():
        person = make_staff(name="Tom Becker")
        person.profile.weekly_cap, person.profile.needs_approval = cap, False
        open_all_week(person)
        recruiter, position = make_user("recruiter"), make_position()
        people = [make_candidate(owner=recruiter, position=position) for _ in range(candidates)]
        db.session.commit()
        now = utcnow()
        (first, _), *_ = offered_slots(people[0], person.profile, 30, now).slots
        for candidate in people:  # the same time suits every one of them
            assert first.start in {slot.start for slot, _ in offered_slots(candidate, person.profile, 30, now).slots}
        cookies = ["=".join(session_cookie(app, c.user.session_token)) for c in people]
        path, token, person_id = f"/people/{person.id}/request", form_token(app), person.id
    fields = {"csrf_token": token, "format": "video", "length": "30", "slots": slot_value(first.start)}
    with gunicorn_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=8, **SERVER_ENV) as base:
        answers = all_at_once(base, [(path, cookie, fields) for cookie in cookies])
    statuses = [status for status, _ in answers]
    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(302) == cap and statuses.count(422) == candidates - cap, statuses
    assert all("already has 3 conversations planned in the week" in html for s, html in answers if s == 422)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
            Meeting.staff_id == person_id, Meeting.status == "invited")) == cap
