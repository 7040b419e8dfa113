"""The approval queue's 30-second refresh (meetings/queue_stamp.py, portal/polling.py): while nothing
the section shows has changed, the poll gets a 204 (``?since=`` its stamp) or a 304 (its ETag) after a
few small queries; any change to what it shows, a new hour, or another reader's language or zone
brings the fresh section."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_staff
from helpers import HTMX, Auth, sql_statements
from invite_helpers import make_request, slot_times, waiting_world

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.meetings.models import Meeting, ProposedSlot, meeting_question
from portal.people.models import StaffProfile
from portal.people.picker import SCOPES, SMALL_LIST
from portal.questions.models import Question

QUEUE = "/recruiter/requests"


@pytest.fixture
def world(app, frozen):  # the clock first: sessions and slots start at the same "now"
    return waiting_world(app)


@pytest.fixture
def riley(app, client, world):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.recruiter))
    return client


def poll_url(client) -> str:
    """The URL the section polls, as the page draws it."""
    response = client.get(QUEUE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    (url,) = re.findall(r'<section id="queue"[^>]* data-hx-get="([^"]+)"', html)
    return url.replace("&amp;", "&")


def test_an_unchanged_queue_answers_204_without_loading_it(app, riley, world, frozen):
    url = poll_url(riley)
    assert "since=" in url
    with sql_statements(app) as seen:
        response = riley.get(url, headers=HTMX)
    assert response.status_code == 204 and response.data == b""
    # the reader, then the stamp's one read: no meeting, candidate or question objects loaded
    assert len(seen.selects) <= 2, seen.selects
    fresh = riley.get(QUEUE, headers=HTMX)  # the fragment, with its stamp as ETag
    assert fresh.status_code == 200 and "Keen to hear about the roadmap." in fresh.get_data(as_text=True)
    again = riley.get(QUEUE, headers={**HTMX, "If-None-Match": fresh.headers["ETag"]})
    assert again.status_code == 304
    # a whole page (no htmx) is always drawn
    assert riley.get(url).status_code == 200


def change_note(meeting):
    meeting.note = "Changed my mind: let's talk hiring plans."


def add_slot(meeting):
    start = slot_times(1, days=5)[0]
    db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=start, end_at=start + timedelta(minutes=30)))


def move_slot(meeting):
    slot = db.session.scalars(sa.select(ProposedSlot).where(ProposedSlot.meeting_id == meeting.id)).first()
    slot.start_at += timedelta(days=1)
    slot.end_at += timedelta(days=1)


def grow_agenda(meeting):
    question = Question(candidate_id=meeting.candidate_id, text="How do teams plan?", category="role_team")
    db.session.add(question)
    db.session.flush()
    db.session.execute(meeting_question.insert().values(meeting_id=meeting.id, question_id=question.id))


def rename_person(meeting):
    meeting.staff.name = "Amara Okafor-Smith"


def retitle_person(meeting):
    meeting.staff.profile.title = "Chief Executive"


def rename_candidate(meeting):
    db.session.get(Candidate, meeting.candidate_id).user.name = "Jordan Lee-Park"


def retitle_position(meeting):
    db.session.get(Candidate, meeting.candidate_id).position.title = "Staff Backend Engineer"


def rename_someone_to_pass_to(meeting):  # Tom, in each request's "pass it to" list (a small company)
    db.session.scalar(sa.select(User).where(User.email == "tom@example.com")).name = "Tom Becker-Wolf"


def approve_elsewhere(meeting):
    meeting.status = "invited"


def another_request(meeting):
    candidate = db.session.get(Candidate, meeting.candidate_id)
    tom = db.session.scalar(sa.select(User).where(User.email == "tom@example.com"))
    make_request(SimpleNamespace(candidate=candidate), tom, status="needs_approval", questions=())


@pytest.mark.parametrize("change", [change_note, add_slot, move_slot, grow_agenda, rename_person, retitle_person,
                                    rename_candidate, retitle_position, rename_someone_to_pass_to,
                                    approve_elsewhere, another_request])
def test_any_change_the_queue_shows_brings_the_fresh_section(app, riley, world, frozen, change):
    url = poll_url(riley)
    before = riley.get(QUEUE, headers=HTMX).get_data(as_text=True)
    with app.app_context():
        change(db.session.get(Meeting, world.meeting))
        db.session.commit()
    response = riley.get(url, headers=HTMX)
    assert response.status_code == 200
    after = response.get_data(as_text=True)
    assert after != before and 'id="queue"' in after
    assert riley.get(poll_url(riley), headers=HTMX).status_code == 204  # and quiet again with the new stamp


def test_the_section_is_drawn_again_each_hour_and_for_each_reader(app, riley, world, frozen):
    url = poll_url(riley)
    frozen.shift(timedelta(minutes=59))  # from 12:00 (helpers.T0): the same hour
    assert riley.get(url, headers=HTMX).status_code == 204
    frozen.shift(timedelta(hours=1))
    assert riley.get(url, headers=HTMX).status_code == 200  # fresh forms (their CSRF tokens) at least hourly
    url = poll_url(riley)
    with app.app_context():
        db.session.get(User, world.recruiter).timezone = "Asia/Tokyo"  # the times are written in it
        db.session.commit()
    assert riley.get(url, headers=HTMX).status_code == 200
    url = poll_url(riley)
    other = app.test_client()
    with app.app_context():
        sam = User(email="sam.recruiter@example.com", name="Sam Okoye", role="recruiter", timezone="Europe/London")
        db.session.add(sam)
        db.session.commit()
        Auth(app, other).login(sam)
    assert other.get(url, headers=HTMX).status_code == 200  # another reader's stamp is their own
    url = poll_url(riley)
    with app.app_context():  # Riley signs in again in another tab: a new session, new CSRF secret
        Auth(app, riley).login(db.session.get(User, world.recruiter))
    with riley.session_transaction() as session:
        session.pop("csrf_token", None)
    fresh = riley.get(url, headers=HTMX)
    assert fresh.status_code == 200  # the open tab's forms get tokens of the new session


def test_in_a_large_company_the_people_to_pass_to_are_a_search_box_and_renaming_one_stays_quiet(app, riley, world,
                                                                                                frozen):
    # SMALL_LIST people can be chosen from a <select>; one more makes it a search box that lists no one
    with app.app_context():
        chosen = db.session.scalar(sa.select(sa.func.count()).select_from(StaffProfile)
                                   .where(*SCOPES["requests"]()).join(User))
        for n in range(SMALL_LIST - chosen):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")
        db.session.commit()
    url = poll_url(riley)
    assert "<select" in riley.get(QUEUE, headers=HTMX).get_data(as_text=True)
    with app.app_context():
        make_staff(title="Analyst", team="Operations", name="Crowd Person999")
        db.session.commit()
    response = riley.get(url, headers=HTMX)  # the <select> becomes a search box
    assert response.status_code == 200 and "<select" not in response.get_data(as_text=True)
    url = poll_url(riley)
    with app.app_context():
        rename_someone_to_pass_to(None)  # not on a request, and the box shows no one
        db.session.commit()
    assert riley.get(url, headers=HTMX).status_code == 204
