"""The approval queue of a large company: "Pass it to someone else" is a search box per request
(people.picker); a typed name that fits several people is refused, saying who, and the queue costs
the same queries at any size."""

import pytest
from factories import make_staff
from helpers import HTMX, Auth, csrf_token, page_statements, text_of
from invite_helpers import build_world, make_request, world_ids

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.people.picker import SMALL_LIST

QUEUE = "/recruiter/requests"


def crowd(app, count, start=0):
    with app.app_context():
        for n in range(start, start + count):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")
        db.session.commit()


@pytest.fixture
def queue(app, client):
    with app.app_context():
        rows = build_world()
        ids = world_ids(rows)
        ids.meeting = make_request(rows, rows.ceo, status="needs_approval").id
        db.session.commit()
        Auth(app, client).login(db.session.get(User, ids.recruiter))
    crowd(app, SMALL_LIST)
    return ids


def test_a_name_that_fits_several_people_is_refused_and_changes_nothing(app, client, queue):
    response = client.post(f"{QUEUE}/{queue.meeting}/redirect", headers=HTMX,
                           data={"person": "crowd person01", "csrf_token": csrf_token(client, QUEUE)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Several people match “crowd person01”" in text_of(body, f"person-{queue.meeting}-error")
    assert '<option value="Crowd Person010 · Analyst">' in body  # the matches, in that request's list
    with app.app_context():
        assert db.session.get(Meeting, queue.meeting).status == "needs_approval"
    done = client.post(f"{QUEUE}/{queue.meeting}/redirect",
                       data={"person": "Crowd Person010 · Analyst", "csrf_token": csrf_token(client, QUEUE)})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, queue.meeting).staff.name == "Crowd Person010"


def test_the_queue_costs_the_same_queries_at_any_size(app, client, queue):
    client.get(QUEUE)
    before = page_statements(app, client, QUEUE)
    crowd(app, 2 * SMALL_LIST, start=SMALL_LIST)
    assert len(page_statements(app, client, QUEUE)) == len(before)
