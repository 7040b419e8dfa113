"""A person's home (role staff): what is waiting for them (invitations, written answers, feedback) with
the same actions as their e-mailed links, and their conversations coming up, in their zone and the
candidate's. The buttons POST (CSRF) to small routes that check the thing is theirs, issue a fresh
link of the right kind and send them to its page; nothing is issued on a GET."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import T0, Auth, csrf_in, page_statements, text_of

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback
from portal.meetings import notify
from portal.meetings.links import WRITTEN
from portal.meetings.models import Meeting
from portal.questions.models import Question
from portal.timeutil import format_datetime

DAY = T0.replace(hour=15) + timedelta(days=2)  # Wednesday 15:00 UTC: 16:00 in Berlin, 10:00 in New York


@pytest.fixture
def world(app, frozen):
    """Amara (Berlin) is asked by Jordan (New York): an invitation, a written conversation, a booked call,
    feedback; Tom has his own invitation from Jordan she must not see."""
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        amara = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor",
                           email="amara@example.com", timezone="Europe/Berlin")
        tom = make_staff("team", name="Tom Becker", email="tom@example.com", timezone="America/Toronto")
        jordan = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                                name="Jordan Lee", timezone="America/New_York")
        sam = make_candidate(owner=recruiter, name="Sam Rivera", timezone="Europe/Berlin")
        question = Question(candidate_id=jordan.id, text="Where is the company going?", category="other")
        asked = Question(candidate_id=sam.id, text="How are decisions made?", category="other",
                         directed_to_id=amara.id)
        db.session.add_all([question, asked])
        db.session.flush()
        invited = make_meeting(jordan, amara, "invited", slots=[DAY, DAY + timedelta(hours=1)])
        written = make_meeting(sam, amara, "confirmed", fmt="written", questions=[asked], history=False)
        toms = make_meeting(jordan, tom, "invited", slots=[DAY])
        feedback = InterviewFeedback(candidate_id=jordan.id, interviewer=amara, requested_by=recruiter,
                                     requested_at=T0 - timedelta(days=1))
        db.session.add(feedback)
        db.session.flush()
        # A booked call with Sam (Jordan already has a waiting invitation with Amara)
        booked = make_meeting(sam, amara, "confirmed", start=DAY + timedelta(days=1))
        ids = {"amara": amara.id, "tom": tom.id, "jordan": jordan.id, "invited": invited.id, "written": written.id,
               "booked": booked.id, "toms": toms.id, "feedback": feedback.id, "question": question.id,
               "asked": asked.id, "recruiter": recruiter.id}
        db.session.commit()
    return ids


def _login(app, client, user_id):
    from portal.auth.models import User

    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_person_sees_what_waits_for_them_and_what_is_coming_up(app, client, world):
    _login(app, client, world["amara"])
    html = _home(client)
    with app.app_context():
        invited = db.session.get(Meeting, world["invited"])
        expires = format_datetime(notify.invitation_expires_at(invited), "Europe/Berlin")
    waiting = text_of(html, "waiting")
    assert "Waiting for you 3" in waiting
    assert "Jordan Lee would like to talk to you" in waiting and "Video call, 30 minutes" in waiting
    assert f"Answer by {expires}" in waiting and "CET (Europe/Berlin)" in expires
    assert "2 proposed times, the first Wed 5 Mar 2031, 16:00 CET (Europe/Berlin)" in waiting
    assert "Sam Rivera's question" in waiting and "How are decisions made?" in waiting
    assert "Your interview with Jordan Lee" in waiting
    coming = text_of(html, "coming-up")
    assert "Sam Rivera" in coming and "Thu 6 Mar 2031, 16:00 CET (Europe/Berlin)" in coming
    assert "The same time zone for Sam" in coming and "Move or cancel" in coming
    # Tom's invitation is his alone
    assert f"/home/conversations/{world['toms']}/" not in html
    assert "straight from that e-mail" in html


def test_coming_up_shows_the_candidate_s_zone_by_name(app, client, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["booked"])
        meeting.candidate.user.timezone = "America/New_York"
        db.session.commit()
    _login(app, client, world["amara"])
    coming = text_of(_home(client), "coming-up")
    assert "Thu 6 Mar 2031, 16:00 CET (Europe/Berlin)" in coming
    assert "Thu 6 Mar 2031, 10:00 EST (America/New_York) for Sam" in coming


def test_empty_states(app, client, frozen):
    with app.app_context():
        person = make_staff("team", name="Quiet Person")
        db.session.commit()
        Auth(app, client).login(person)
    html = _home(client)
    assert "Nothing is waiting for you." in text_of(html, "waiting")
    assert "No conversations booked." in text_of(html, "coming-up")


def test_things_of_candidates_who_decided_are_left_out(app, client, world):
    with app.app_context():
        db.session.get(Meeting, world["invited"]).candidate.stage = "declined"
        db.session.commit()
    _login(app, client, world["amara"])
    html = _home(client)
    assert "Jordan Lee would like to talk to you" not in html and "Your interview with Jordan Lee" not in html


def test_a_published_message_ends_the_feedback_item(app, client, world):
    with app.app_context():
        db.session.add(FeedbackMessage(candidate_id=world["jordan"], body="Well done", status="published"))
        db.session.commit()
    _login(app, client, world["amara"])
    assert "Your interview with Jordan Lee" not in _home(client)


def _post(client, path, html):
    return client.post(path, data={"csrf_token": csrf_in(html)})


def _tokens(app, **where):
    with app.app_context():
        return db.session.scalars(sa.select(ActionToken).filter_by(**where)).all()


@pytest.mark.parametrize("action", ["accept", "decline", "propose"])
def test_an_invitation_button_opens_the_same_page_as_the_mail(app, client, world, action):
    _login(app, client, world["amara"])
    html = _home(client)
    response = _post(client, f"/home/conversations/{world['invited']}/{action}", html)
    assert response.status_code == 303 and response.headers["Location"].startswith("/invite/")
    (token,) = _tokens(app, purpose=f"meeting_{action}")
    with app.app_context():
        expected = notify.invitation_expires_at(db.session.get(Meeting, world["invited"]))
    assert token.user_id == world["amara"] and token.subject_id == world["invited"] and token.expires_at == expected
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Jordan Lee" in page.get_data(as_text=True)


def test_accepting_from_home_confirms_the_conversation(app, client, world):
    _login(app, client, world["amara"])
    response = _post(client, f"/home/conversations/{world['invited']}/accept", _home(client))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        slot_id = db.session.get(Meeting, world["invited"]).slots[0].id
    done = client.post(response.headers["Location"], data={"csrf_token": csrf_in(page), "slot": slot_id})
    assert done.status_code == 200
    with app.app_context():
        meeting = db.session.get(Meeting, world["invited"])
        assert meeting.status == "confirmed" and meeting.start_at == DAY
    assert "Jordan Lee" in text_of(_home(client), "coming-up")


def test_the_buttons_open_manage_answer_and_feedback_pages(app, client, world):
    _login(app, client, world["amara"])
    html = _home(client)
    for path, prefix, title in [
        (f"/home/conversations/{world['booked']}/manage", "/invite/manage/", "Your conversation with Sam Rivera"),
        (f"/home/conversations/{world['written']}/answer", "/answer/", "How are decisions made?"),
        (f"/home/feedback/{world['feedback']}", "/feedback/", "Jordan"),
        (f"/home/questions/{world['asked']}/answer", "/answer/", "How are decisions made?"),
    ]:
        response = _post(client, path, html)
        assert response.status_code == 303 and response.headers["Location"].startswith(prefix), path
        page = client.get(response.headers["Location"])
        assert page.status_code == 200 and title in page.get_data(as_text=True), path
    (manage,) = _tokens(app, purpose=notify.MANAGE)
    with app.app_context():
        end = db.session.get(Meeting, world["booked"]).end_at
    assert manage.user_id == world["amara"] and manage.expires_at == end + timedelta(days=notify.MANAGE_DAYS_AFTER)
    assert {t.subject_type for t in _tokens(app, purpose=WRITTEN)} == {"Meeting", "Question"}
    (feedback,) = _tokens(app, purpose="feedback")
    assert feedback.user_id == world["amara"] and feedback.expires_at == T0 + timedelta(days=14)


def test_someone_else_s_things_are_404_and_issue_nothing(app, client, world):
    _login(app, client, world["tom"])
    html = _home(client)
    for path in (f"/home/conversations/{world['invited']}/accept", f"/home/conversations/{world['booked']}/manage",
                 f"/home/conversations/{world['written']}/answer", f"/home/feedback/{world['feedback']}",
                 f"/home/questions/{world['asked']}/answer", f"/home/questions/{world['question']}/answer",
                 f"/home/conversations/{world['toms']}/shout"):
        assert _post(client, path, html).status_code == 404, path
    assert _tokens(app) == []


def test_a_get_or_a_post_without_csrf_issues_nothing(app, client, world):
    _login(app, client, world["amara"])
    assert client.get(f"/home/conversations/{world['invited']}/accept").status_code == 405
    assert client.post(f"/home/conversations/{world['invited']}/accept").status_code == 400
    assert _tokens(app) == []


def test_a_request_answered_meanwhile_says_so_at_home(app, client, world):
    _login(app, client, world["amara"])
    html = _home(client)
    with app.app_context():
        from portal.meetings.states import transition

        transition(db.session.get(Meeting, world["invited"]), "declined")
        db.session.commit()
    response = _post(client, f"/home/conversations/{world['invited']}/accept", html)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "You&#39;ve already declined Jordan&#39;s request." in client.get("/").get_data(as_text=True)
    assert _tokens(app) == []


def test_feedback_after_the_message_is_published_says_so(app, client, world):
    _login(app, client, world["amara"])
    html = _home(client)
    with app.app_context():
        db.session.add(FeedbackMessage(candidate_id=world["jordan"], body="Well done", status="published"))
        db.session.commit()
    response = _post(client, f"/home/feedback/{world['feedback']}", html)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "already been published" in client.get("/").get_data(as_text=True)
    assert _tokens(app) == []


def test_the_home_takes_the_same_queries_for_1_and_many_of_each(app, client, world):
    _login(app, client, world["amara"])
    one = len(page_statements(app, client, "/").selects)
    with app.app_context():
        recruiter_id = world["recruiter"]
        for i in range(6):
            other = make_candidate(name=f"Candidate {i}", timezone="Asia/Tokyo")
            q = Question(candidate_id=other.id, text=f"Question {i}?", category="other", directed_to_id=world["amara"])
            db.session.add(q)
            db.session.flush()
            make_meeting(other, world["amara"], "confirmed", fmt="written", questions=[q], history=False)
            make_meeting(other, world["amara"], "confirmed", start=DAY + timedelta(days=2, hours=i))
            make_meeting(other, world["amara"], "invited", slots=[DAY + timedelta(hours=i)])
            db.session.add(InterviewFeedback(candidate_id=other.id, interviewer_id=world["amara"],
                                             requested_by_id=recruiter_id, requested_at=T0))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Waiting for you 21" in text_of(html, "waiting")
    many = len(page_statements(app, client, "/").selects)
    assert one == many, (one, many)


def test_a_proposal_waiting_for_the_candidate_is_under_coming_up(app, client, world):
    with app.app_context():
        db.session.get(Meeting, world["invited"]).status = "proposed"
        db.session.commit()
    _login(app, client, world["amara"])
    html = _home(client)
    assert "Waiting for Jordan to answer your proposed times" in text_of(html, "coming-up")
    assert "Jordan Lee would like to talk to you" not in html
