"""The Prepare page: /meetings/<id>/prepare, its checklist and its suggested questions.

The story, frozen on Monday 3 March 2031 at 12:00 UTC (``helpers.T0``): Jordan Lee (candidate, New
York) meets Tom Becker (Senior Engineer, Berlin; ask him about career growth, code review, on-call)
by video on Wednesday 5 March at 15:00 UTC: 10:00 EST for Jordan, 16:00 CET for Tom, in 2 days and
3 hours. Sam Rivera, another candidate, has a conversation of his own with Tom.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import HTMX, T0, Auth, count, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting, meeting_question
from portal.prepare.models import MeetingPrep
from portal.prepare.services import countdown
from portal.questions.bank import BANK_BY_KEY
from portal.questions.models import Question

START = datetime(2031, 3, 5, 15, 0, tzinfo=UTC)
GROWTH = "growth-01"  # "How do promotions work, …": fits Tom's "career growth"


def _login(app, client, user_id):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


@pytest.fixture
def world(make_app, frozen):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker",
                         email="tom@example.com", timezone="Europe/Berlin")
        tom.profile.topics = "career growth, code review, on-call"
        ceo = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor",
                         timezone="Europe/Berlin")
        jordan = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                                name="Jordan Lee", email="jordan@example.com", timezone="America/New_York",
                                deadline_days=10)
        sam = make_candidate(name="Sam Rivera", timezone="Europe/London")
        asked = Question(candidate_id=jordan.id, text="How is on-call organised?", category="role_team")
        for_tom = Question(candidate_id=jordan.id, text="What would you change about code review?",
                           category="role_team", directed_to_id=tom.id)
        secret = Question(candidate_id=jordan.id, text="ZZ-SECRET-FOR-AMARA", category="other", private=True,
                          directed_to_id=ceo.id)
        db.session.add_all([asked, for_tom, secret])
        db.session.flush()
        meeting = make_meeting(jordan, tom, "confirmed", start=START, questions=[asked, secret],
                               actor=jordan.user)
        meeting.video_link = "https://meet.example/room-abc"
        sams = make_meeting(sam, tom, "confirmed", start=START + timedelta(days=1), actor=sam.user)
        db.session.commit()
        ids = SimpleNamespace(tom=tom.id, ceo=ceo.id, jordan=jordan.user_id, candidate=jordan.id, sam=sam.user_id,
                              recruiter=recruiter.id, meeting=meeting.id, sams=sams.id, asked=asked.id,
                              for_tom=for_tom.id)
    client = _login(app, app.test_client(), ids.jordan)
    return SimpleNamespace(app=app, client=client, path=f"/meetings/{ids.meeting}/prepare", **vars(ids))


def _another(world, status: str, *, fmt: str = "video", start=None, **kwargs) -> int:
    with world.app.app_context():
        person = make_staff("team", title="Product Manager", team="Product", timezone="Europe/London")
        meeting = make_meeting(world.candidate, person, status, fmt=fmt, start=start,
                               actor=db.session.get(User, world.jordan), **kwargs)
        db.session.commit()
        return meeting.id


def _agenda(app, meeting_id) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(meeting_question.c.question_id)
                                      .where(meeting_question.c.meeting_id == meeting_id)))


# --- what the page shows ---------------------------------------------------------------------------


def test_the_page_shows_when_in_both_zones_with_a_countdown_how_to_join_and_whom(world):
    response = world.client.get(world.path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    when = text_of(html, "when")
    assert "Your time Wed 5 Mar 2031, 10:00–10:30 EST America/New_York" in when
    assert "Tom's time Wed 5 Mar 2031, 16:00–16:30 CET Europe/Berlin" in when
    assert "Video call, 30 minutes" in when and "https://meet.example/room-abc" in when
    assert f'href="/meetings/{world.meeting}.ics"' in html and "Add to calendar" in when
    assert "in 2 days, 3 hours" in text_of(html)
    person = text_of(html, "person")
    assert "Tom Becker" in person and "Senior Engineer · Platform" in person and "code review" in person
    questions = text_of(html, "questions")
    # On the agenda (a private one is the candidate's own: they read it), and the one directed to Tom.
    assert "How is on-call organised?" in questions and "ZZ-SECRET-FOR-AMARA" in questions
    assert "What would you change about code review?" in questions
    assert BANK_BY_KEY[GROWTH].text in questions and "Tom talks about career growth" in questions
    checklist = text_of(html, "checklist")
    assert "0 of 4 ready" in checklist and "My camera and microphone work" in checklist
    assert "Check my camera and microphone" in text_of(html, "device-check")


def test_only_this_page_may_use_the_camera_and_microphone(world):
    page = world.client.get(world.path)
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert "microphone=(self)" in page.headers["Permissions-Policy"]
    for other in ("/meetings", f"/meetings/{world.meeting}", "/"):
        policy = world.client.get(other).headers["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy, other


def test_a_phone_call_checks_the_microphone_and_in_person_checks_nothing(world):
    phone = _another(world, "confirmed", fmt="phone", start=START + timedelta(hours=3))
    html = world.client.get(f"/meetings/{phone}/prepare").get_data(as_text=True)
    assert "Check my microphone" in html and "Check my camera" not in html
    assert "My microphone works" in text_of(html, "checklist") and "0 of 4 ready" in text_of(html, "checklist")
    assert "How you connect" in text_of(html, "when") and "Add to calendar" in text_of(html, "when")

    in_person = _another(world, "confirmed", fmt="in_person", start=START + timedelta(hours=5))
    page = world.client.get(f"/meetings/{in_person}/prepare")
    html = page.get_data(as_text=True)
    assert 'id="device-check"' not in html and "0 of 2 ready" in text_of(html, "checklist")
    assert "I know where we meet" in text_of(html, "checklist") and "camera=()" in page.headers["Permissions-Policy"]


def test_answers_in_writing_have_nothing_to_tick_or_check(world):
    written = _another(world, "confirmed", fmt="written", history=False)
    page = world.client.get(f"/meetings/{written}/prepare")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "answers in writing, in their own time" in text_of(html, "when")
    assert 'id="checklist"' not in html and 'id="device-check"' not in html and "Add to calendar" not in html
    assert "camera=()" in page.headers["Permissions-Policy"]


def test_the_countdown_says_how_long_in_whole_units():
    assert countdown(START, START + timedelta(minutes=30), T0) == "in 2 days, 3 hours"
    assert countdown(START, None, START - timedelta(days=1)) == "in 1 day"
    assert countdown(START, None, START - timedelta(hours=5, minutes=20, seconds=30)) == "in 5 hours, 20 minutes"
    assert countdown(START, None, START - timedelta(minutes=1)) == "in 1 minute"
    assert countdown(START, None, START - timedelta(seconds=20)) == "starting now"
    assert countdown(START, START + timedelta(minutes=30), START + timedelta(minutes=5)) == "happening now"


# --- who may open it -------------------------------------------------------------------------------


def test_another_candidate_gets_404_and_people_who_are_not_candidates_403(world):
    sam = _login(world.app, world.app.test_client(), world.sam)
    assert sam.get(world.path).status_code == 404
    assert sam.post(f"{world.path}/checklist", data={"quiet_place": "y"}).status_code == 404
    assert sam.post(f"{world.path}/questions/{GROWTH}").status_code == 404
    for user in (world.tom, world.recruiter):
        other = _login(world.app, world.app.test_client(), user)
        assert other.get(world.path).status_code == 403
        assert other.post(f"{world.path}/checklist", data={"quiet_place": "y"}).status_code == 403
    with world.app.app_context():
        assert count(MeetingPrep) == 0 and count(Question, Question.bank_key.is_not(None)) == 0
    # And Jordan can't reach Sam's conversation.
    assert world.client.get(f"/meetings/{world.sams}/prepare").status_code == 404


def test_signed_out_the_link_leads_through_sign_in(world):
    response = world.app.test_client().get(world.path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/meetings/{world.meeting}/prepare"


@pytest.mark.parametrize("status, heading", [
    ("cancelled", "isn't going ahead"), ("invited", "isn't confirmed yet"), ("declined", "isn't going ahead")])
def test_a_conversation_that_is_not_confirmed_says_so(world, status, heading):
    meeting_id = _another(world, status, slots=[START])
    response = world.client.get(f"/meetings/{meeting_id}/prepare")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert heading in text_of(html, "main") and "There's nothing to prepare here." in html
    assert f'href="/meetings/{meeting_id}"' in html
    assert "camera=()" in response.headers["Permissions-Policy"]
    # Its forms change nothing either.
    assert world.client.post(f"/meetings/{meeting_id}/prepare/checklist", data={"quiet_place": "y"}).status_code == 303
    assert world.client.post(f"/meetings/{meeting_id}/prepare/questions/{GROWTH}").status_code == 303
    with world.app.app_context():
        assert count(MeetingPrep) == 0 and count(Question, Question.bank_key.is_not(None)) == 0


def test_a_conversation_that_is_over_points_to_the_follow_up(world, frozen):
    frozen.move_to(START + timedelta(hours=2), tick=False)
    _login(world.app, world.client, world.jordan)  # two days on: signed in again
    response = world.client.get(world.path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert "is over" in text_of(html, "main") and f"/meetings/{world.meeting}#follow-up" in html


# --- the checklist ---------------------------------------------------------------------------------


def _saved(app, meeting_id):
    with app.app_context():
        prep = db.session.get(MeetingPrep, meeting_id)
        return prep.ticked() if prep else []


def test_the_checklist_saves_with_a_plain_post_and_in_place_with_htmx(world):
    plain = world.client.post(f"{world.path}/checklist", data={"quiet_place": "y", "link_opened": "y"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"{world.path}#checklist")
    page = world.client.get(world.path).get_data(as_text=True)
    assert "Saved: 2 of 4 ready." in page and "2 of 4 ready" in text_of(page, "checklist")
    assert _saved(world.app, world.meeting) == ["quiet_place", "link_opened"]

    swapped = world.client.post(f"{world.path}/checklist", headers=HTMX,
                                data={"quiet_place": "y", "questions_ready": "y", "devices_checked": "y"})
    html = swapped.get_data(as_text=True)
    assert swapped.status_code == 200 and "<html" not in html and html.lstrip().startswith('<section id="checklist"')
    assert "Saved: 3 of 4 ready." in text_of(html, "checklist-status")
    assert _saved(world.app, world.meeting) == ["quiet_place", "questions_ready", "devices_checked"]
    # Unticking is saving too.
    world.client.post(f"{world.path}/checklist", data={})
    assert _saved(world.app, world.meeting) == []


@pytest.mark.parametrize("data", [{"quiet_place": "maybe"}, {"devices_checked": ["y", "y"]},
                                  {"link_opened": "<script>alert(1)</script>"}])
def test_a_bad_box_changes_nothing(world, data):
    world.client.post(f"{world.path}/checklist", data={"link_opened": "y"})
    response = world.client.post(f"{world.path}/checklist", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That wasn't saved" in text_of(html, "checklist") and "<script>alert" not in html
    assert _saved(world.app, world.meeting) == ["link_opened"]


def test_fields_that_are_not_boxes_are_ignored(world):
    world.client.post(f"{world.path}/checklist", data={"questions_ready": "y", "meeting_id": "1",
                                                       "updated_at": "1999-01-01", "status": "cancelled"})
    assert _saved(world.app, world.meeting) == ["questions_ready"]
    with world.app.app_context():
        assert db.session.get(Meeting, world.meeting).status == "confirmed"


def test_a_box_that_does_not_fit_the_format_is_left_alone(world):
    in_person = _another(world, "confirmed", fmt="in_person", start=START + timedelta(hours=5))
    world.client.post(f"/meetings/{in_person}/prepare/checklist", data={"devices_checked": "y", "link_opened": "y"})
    assert _saved(world.app, in_person) == ["link_opened"]


# --- suggested questions ---------------------------------------------------------------------------


def test_adding_a_suggestion_puts_it_on_the_list_for_the_person_and_on_the_agenda_once(world):
    before = _agenda(world.app, world.meeting)
    response = world.client.post(f"{world.path}/questions/{GROWTH}", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="questions"')
    assert "Added to your questions and to this conversation: Tom will see it." in html
    with world.app.app_context():
        (question,) = db.session.scalars(sa.select(Question).where(Question.bank_key == GROWTH))
        assert question.candidate_id == world.candidate and question.directed_to_id == world.tom
        assert question.text == BANK_BY_KEY[GROWTH].text and question.status == "open"
        added = question.id
        # Asked in the conversation: no mail asking Tom to answer it in writing.
        assert count(OutboxMessage, OutboxMessage.dedupe_key.startswith("meeting_written_request")) == 0
    assert _agenda(world.app, world.meeting) == before | {added}
    # It is on the agenda now, and no longer suggested.
    assert BANK_BY_KEY[GROWTH].text in text_of(html, "questions").split("Suggested for Tom")[0]
    assert f"/questions/{GROWTH}\"" not in html

    again = world.client.post(f"{world.path}/questions/{GROWTH}")
    assert again.status_code == 303
    assert "That question is already on your list." in world.client.get(world.path).get_data(as_text=True)
    with world.app.app_context():
        assert count(Question, Question.bank_key == GROWTH) == 1
    assert _agenda(world.app, world.meeting) == before | {added}
    # It is on the candidate's question list, directed to Tom.
    ledger = world.client.get("/questions").get_data(as_text=True)
    assert BANK_BY_KEY[GROWTH].text in ledger


def test_a_key_not_in_the_bank_is_404_and_adds_nothing(world):
    assert world.client.post(f"{world.path}/questions/not-a-key").status_code == 404
    with world.app.app_context():
        assert count(Question) == 3


def test_suggestions_leave_out_what_the_candidate_already_has(world):
    with world.app.app_context():
        db.session.add(Question(candidate_id=world.candidate, text=BANK_BY_KEY["growth-02"].text.upper(),
                                category="growth"))
        db.session.add(Question(candidate_id=world.candidate, text="x", category="growth", bank_key="growth-03"))
        db.session.commit()
    suggested = text_of(world.client.get(world.path).get_data(as_text=True), "questions").split("Suggested for Tom")[1]
    assert BANK_BY_KEY[GROWTH].text in suggested
    assert BANK_BY_KEY["growth-03"].text not in suggested
    assert BANK_BY_KEY["growth-02"].text not in suggested and BANK_BY_KEY["growth-02"].text.upper() not in suggested
    assert len(re.findall(r"action=\"[^\"]*/prepare/questions/", world.client.get(world.path).get_data(as_text=True))) == 5


def test_the_page_is_linked_from_conversations_the_conversation_and_home_as_a_page_load(world):
    link = f'<a href="{world.path}" data-hx-boost="false">'  # its own page load: its own Permissions-Policy
    for page in ("/meetings", f"/meetings/{world.meeting}", "/"):
        assert link in world.client.get(page).get_data(as_text=True), page
    cancelled = _another(world, "cancelled", slots=[START])
    assert f"/meetings/{cancelled}/prepare" not in world.client.get("/meetings").get_data(as_text=True)
    assert f"/meetings/{cancelled}/prepare" not in world.client.get(f"/meetings/{cancelled}").get_data(as_text=True)
