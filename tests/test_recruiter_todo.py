"""The recruiter's home is a to-do list: requests waiting for approval (and for how long), interviewers
who haven't given feedback (per candidate, with Remind), invitations expiring within a day, and
decision deadlines this week (soonest first, in the recruiter's zone, named). Each with a count and an
empty state, in the same few queries whatever the numbers."""

from datetime import timedelta

import pytest
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import T0, Auth, csrf_in, page_statements, text_of

from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.timeutil import format_datetime

DAY = T0 + timedelta(days=2)


@pytest.fixture
def world(app, frozen):
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", timezone="Europe/Berlin")
        amara = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor")
        tom = make_staff("team", name="Tom Becker", email="tom@example.com")
        ana = make_staff("team", name="Ana Silva")
        position = make_position("Senior Backend Engineer", "Platform")
        jordan = make_candidate(owner=riley, position=position, name="Jordan Lee", deadline_days=3)
        sam = make_candidate(owner=riley, position=position, name="Sam Rivera", deadline_days=2)
        make_candidate(position=position, name="Later Person", deadline_days=9)
        published = make_candidate(position=position, name="Published Person", deadline_days=20)
        db.session.add(FeedbackMessage(candidate_id=published.id, body="Well done", status="published"))
        waiting = make_meeting(jordan, amara, "needs_approval", slots=[DAY])
        for who, candidate, submitted in ((tom, jordan, None), (ana, jordan, T0), (ana, sam, None),
                                          (tom, published, None)):
            db.session.add(InterviewFeedback(candidate_id=candidate.id, interviewer=who, requested_by=riley,
                                             requested_at=T0 - timedelta(days=2), submitted_at=submitted))
        db.session.commit()
        ids = {"riley": riley.id, "waiting": waiting.id, "jordan": jordan.id, "sam": sam.id, "tom": tom.id,
               "amara": amara.id}
    return ids


def _login(app, client, user_id):
    from portal.auth.models import User

    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))


def test_the_to_do_list(app, client, world, frozen):
    frozen.move_to(T0 + timedelta(hours=5))  # the request has waited 5 hours
    with app.app_context():
        # An invitation sent 60 hours ago: 12 hours left of 72
        invited = make_meeting(world["sam"], world["tom"], "invited", slots=[DAY])
        for step in invited.transitions:
            step.at = T0 + timedelta(hours=5) - timedelta(hours=60)
        fresh = make_meeting(world["jordan"], world["tom"], "invited", slots=[DAY])  # 72 hours left
        db.session.commit()
        expires = format_datetime(notify.invitation_expires_at(invited), "Europe/Berlin")
        fresh_id = fresh.id
    _login(app, client, world["riley"])
    html = client.get("/").get_data(as_text=True)
    approvals = text_of(html, "todo-approvals")
    assert "Requests waiting for approval 1" in approvals
    assert "Jordan Lee → Amara Okafor (Chief Executive Officer)" in approvals and "waiting 5 hours" in approvals
    feedback = text_of(html, "todo-feedback")
    assert "Feedback not given yet 2" in feedback
    assert "Jordan Lee 1 still to answer Tom Becker" in feedback and "Sam Rivera" in feedback
    assert "Published Person" not in feedback  # the message is out: nothing to collect
    assert f"/recruiter/candidates/{world['jordan']}/feedback/" in html  # Remind
    expiring = text_of(html, "todo-expiring")
    assert "Invitations expiring within a day 1" in expiring
    assert f"Tom Becker hasn't answered Sam Rivera Expires {expires}" in expiring
    assert f"/meetings/{fresh_id}" not in expiring
    deadlines = text_of(html, "todo-deadlines")
    assert "Decisions due this week 2" in deadlines
    assert deadlines.index("Sam Rivera") < deadlines.index("Jordan Lee")
    assert "Later Person" not in deadlines
    with app.app_context():
        from portal.candidates.models import Candidate

        sam_deadline = db.session.get(Candidate, world["sam"]).decision_deadline
    assert f"{format_datetime(sam_deadline, 'Europe/Berlin')} 1 day left" in deadlines
    assert "CET (Europe/Berlin)" in deadlines
    assert "To do 6" in text_of(html, "todo")


def test_remind_from_the_home_page(app, client, world, smtp, frozen):
    frozen.move_to(T0 + timedelta(hours=2))
    _login(app, client, world["riley"])
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        row = db.session.scalar(select(InterviewFeedback).filter_by(candidate_id=world["jordan"],
                                                                    interviewer_id=world["tom"]))
        path = f"/recruiter/candidates/{world['jordan']}/feedback/{row.id}/remind"
    assert path in html
    response = client.post(path, data={"csrf_token": csrf_in(html)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(InterviewFeedback, row.id).reminded_at is not None


def test_empty_states(app, client, frozen):
    with app.app_context():
        riley = make_user("recruiter")
        db.session.commit()
        Auth(app, client).login(riley)
    html = client.get("/").get_data(as_text=True)
    assert "No requests are waiting for approval." in html
    assert "Every interviewer who was asked has given their feedback." in html
    assert "No invitations expire in the next 24 hours." in html
    assert "No decisions are due in the next 7 days." in html
    assert "To do 0" in text_of(html, "todo")


def test_the_same_queries_for_few_and_many(app, client, world):
    _login(app, client, world["riley"])
    one = len(page_statements(app, client, "/").selects)
    with app.app_context():
        for i in range(8):
            person = make_staff("board", name=f"Board {i}")
            candidate = make_candidate(name=f"Candidate {i}", deadline_days=1 + i % 5)
            make_meeting(candidate, person, "needs_approval", slots=[DAY])
            invited = make_meeting(candidate, world["tom"], "invited", slots=[DAY])
            for step in invited.transitions:
                step.at = T0 - timedelta(hours=60)
            db.session.add(InterviewFeedback(candidate_id=candidate.id, interviewer=person,
                                             requested_at=T0 - timedelta(days=1)))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Invitations expiring within a day 8" in text_of(html, "todo-expiring")
    many = len(page_statements(app, client, "/").selects)
    assert one == many, (one, many)
    with app.app_context():
        assert db.session.query(Meeting).filter_by(status="needs_approval").count() == 9
