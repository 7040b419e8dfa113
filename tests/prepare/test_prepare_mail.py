"""The Prepare page in the mail, and what the person learns without signing in (real SMTP).

Jordan Lee (candidate, New York, Senior Backend Engineer) meets Tom Becker (Berlin) by video on
Wednesday 5 March 2031 at 15:00 UTC; the clock stands at Monday 3 March 12:00 UTC (``helpers.T0``).
On the agenda: a public question, a private one directed to Amara (withheld from Tom) and a
private one directed to Tom (his to read on his own page, never in mail).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import BASE_URL, deliver_mail, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.questions.bank import BANK_BY_KEY
from portal.questions.models import Question

START = datetime(2031, 3, 5, 15, 0, tzinfo=UTC)
FOR_AMARA = "ZZ-PRIVATE-FOR-AMARA"
FOR_TOM = "ZZ-PRIVATE-FOR-TOM"


def _plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _mails(smtp, address, subject_start):
    return [m for m in smtp.messages_to(address) if " ".join(str(m["Subject"]).split()).startswith(subject_start)]


@pytest.fixture
def world(make_app, frozen, smtp):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker",
                         email="tom@example.com", timezone="Europe/Berlin")
        tom.profile.topics = "career growth, code review"
        ceo = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor", email="amara@example.com")
        jordan = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                                name="Jordan Lee", email="jordan@example.com", timezone="America/New_York",
                                deadline_days=10)
        public = Question(candidate_id=jordan.id, text="How is on-call organised?", category="role_team")
        for_amara = Question(candidate_id=jordan.id, text=FOR_AMARA, category="other", private=True,
                             directed_to_id=ceo.id)
        for_tom = Question(candidate_id=jordan.id, text=FOR_TOM, category="other", private=True,
                           directed_to_id=tom.id)
        db.session.add_all([public, for_amara, for_tom])
        db.session.flush()
        meeting = make_meeting(jordan, tom, "confirmed", start=START, questions=[public, for_amara, for_tom],
                               actor=jordan.user)
        meeting.video_link = "https://meet.example/room-abc"
        notify.meeting_confirmed(meeting, tom)
        db.session.commit()
        ids = SimpleNamespace(meeting=meeting.id, jordan=jordan.user_id, tom=tom.id)
    deliver_mail(app)
    return SimpleNamespace(app=app, smtp=smtp, **vars(ids))


def _client_of(app, user_id):
    from portal.timeutil import utcnow

    client = app.test_client()
    with app.app_context():
        token = db.session.get(User, user_id).session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["signed_in_at"] = utcnow().timestamp()
    return client


def test_the_candidates_confirmation_links_to_the_prepare_page(world):
    (mail,) = _mails(world.smtp, "jordan@example.com", "Confirmed: Tom Becker")
    link = f"{BASE_URL}/meetings/{world.meeting}/prepare"
    assert link in _plain(mail) and f'href="{link}"' in _html(mail)
    # Signed out, the link leads through sign-in and back to the page.
    response = world.app.test_client().get(link.removeprefix(BASE_URL))
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next=/meetings/{world.meeting}/prepare"
    # Tom's mail has no Prepare page (it is the candidate's).
    (to_tom,) = _mails(world.smtp, "tom@example.com", "Confirmed: Jordan Lee")
    assert "/prepare" not in _plain(to_tom) and "/prepare" not in _html(to_tom)


def test_the_persons_confirmation_says_who_for_which_role_and_what_they_want_to_ask(world):
    (mail,) = _mails(world.smtp, "tom@example.com", "Confirmed: Jordan Lee")
    for body in (_plain(mail), text_of(_html(mail))):
        assert "Jordan Lee has an offer from" in body and "for the Senior Backend Engineer role" in body
        assert "How is on-call organised?" in body and "A private question" in body
        # Private texts never travel by mail, not even to the person a question is for.
        assert FOR_AMARA not in body and FOR_TOM not in body


def test_the_persons_invitation_says_who_the_role_and_the_questions(make_app, frozen, smtp):
    app = make_app()
    with app.app_context():
        tom = make_staff("team", name="Tom Becker", email="tom@example.com", timezone="Europe/Berlin")
        jordan = make_candidate(position=make_position("Senior Backend Engineer", "Platform"), name="Jordan Lee",
                                email="jordan@example.com", timezone="America/New_York", deadline_days=10)
        public = Question(candidate_id=jordan.id, text="How is on-call organised?", category="role_team")
        secret = Question(candidate_id=jordan.id, text=FOR_TOM, category="other", private=True,
                          directed_to_id=tom.id)
        db.session.add_all([public, secret])
        db.session.flush()
        meeting = make_meeting(jordan, tom, "invited", slots=[START], questions=[public, secret], actor=jordan.user)
        assert notify.send_invitation(meeting)
        db.session.commit()
    deliver_mail(app)
    (mail,) = _mails(smtp, "tom@example.com", "Jordan Lee would like to talk to you")
    body = _plain(mail)
    assert "Jordan Lee has an offer from" in body and "for the Senior Backend Engineer role" in body
    assert "How is on-call organised?" in body and "A private question" in body and FOR_TOM not in body


def test_the_persons_manage_page_shows_the_questions_and_one_added_while_preparing(world):
    (mail,) = _mails(world.smtp, "tom@example.com", "Confirmed: Jordan Lee")
    (manage,) = re.findall(r"https?://[^/\s]+(/invite/manage/\S+)", _plain(mail))
    tom = world.app.test_client()
    page = text_of(tom.get(manage).get_data(as_text=True), "main")
    assert "What Jordan would like to ask" in page and "How is on-call organised?" in page
    # The private question for Tom is his to read on his page; the one for Amara stays withheld.
    assert FOR_TOM in page and FOR_AMARA not in page and "A private question" in page

    jordan = _client_of(world.app, world.jordan)
    key = "growth-01"
    prepare = jordan.get(f"/meetings/{world.meeting}/prepare").get_data(as_text=True)
    assert f"/prepare/questions/{key}" in prepare
    assert jordan.post(f"/meetings/{world.meeting}/prepare/questions/{key}").status_code == 303
    assert BANK_BY_KEY[key].text in text_of(tom.get(manage).get_data(as_text=True), "main")


def test_the_candidates_24_hour_reminder_links_to_the_prepare_page(world, frozen):
    frozen.move_to(START - timedelta(hours=23), tick=False)
    deliver_mail(world.app)
    (reminder,) = _mails(world.smtp, "jordan@example.com", "Tomorrow: your conversation with Tom Becker")
    assert f"{BASE_URL}/meetings/{world.meeting}/prepare" in _plain(reminder)
    assert f'href="{BASE_URL}/meetings/{world.meeting}/prepare"' in _html(reminder)
    (to_tom,) = _mails(world.smtp, "tom@example.com", "Tomorrow: your conversation with Jordan Lee")
    assert "Jordan has an offer for the Senior Backend Engineer role." in _plain(to_tom)
    assert "/prepare" not in _plain(to_tom)
    with world.app.app_context():
        assert db.session.get(Meeting, world.meeting).status == "confirmed"
