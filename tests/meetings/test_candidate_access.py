"""Who may use the candidate's conversation pages: another candidate's conversation is as good as missing,
on every route, GET and POST, page and fragment; other roles get 403; /meetings has bounded queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from candidate_helpers import at, get, value
from factories import make_meeting, make_staff, make_user
from helpers import HTMX, Auth, page_statements

from portal.extensions import db
from portal.meetings.models import Meeting
from portal.questions.models import Question

# endpoint: (method, path; {id} is a conversation, {person} someone in the directory)
ROUTES = {
    "meetings.new": ("GET", "/people/{person}/request"),
    "meetings.index": ("GET", "/meetings"),
    "meetings.show": ("GET", "/meetings/{id}"),
    "meetings.ics": ("GET", "/meetings/{id}.ics"),
    "meetings.move": ("GET", "/meetings/{id}/move"),
    "meetings.cancel": ("POST", "/meetings/{id}/cancel"),
    "meetings.reschedule": ("POST", "/meetings/{id}/reschedule"),
    "meetings.follow_up": ("POST", "/meetings/{id}/follow-up"),
    "meetings.no_show": ("POST", "/meetings/{id}/no-show"),
    "meetings.accept_proposed": ("POST", "/meetings/{id}/proposal/accept"),
    "meetings.decline_proposed": ("POST", "/meetings/{id}/proposal/decline"),
    "meetings.new_times": ("POST", "/meetings/{id}/times"),
}
MEETING_ROUTES = [name for name, (_, path) in ROUTES.items() if "{id}" in path]
# What each POST would need to succeed, were the conversation Jordan's.
DATA = {"reason": "Hijacked", "start": value(at(6, 14)), "rating": "1", "answered_needs": "no"}


def _call(client, endpoint, world, meeting_id, headers=None, method=None):
    default, path = ROUTES[endpoint]
    url = path.format(id=meeting_id, person=world.ceo)
    if (method or default) == "GET":
        return client.get(url, headers=headers or {})
    return client.post(url, headers=headers or {}, data=DATA)


@pytest.fixture
def foreign(world):
    """The other candidate's conversations with Amara: one over (follow-up, no-show), one ahead (the rest)."""
    with world.app.app_context():
        over = make_meeting(world.other, world.ceo, "confirmed", start=at(3, 10), questions=[world.foreign],
                            history=False)
        ahead = make_meeting(world.other, world.ceo, "confirmed", start=at(5, 14), history=False)
        db.session.commit()
        return {"over": over.id, "ahead": ahead.id}


def test_every_candidate_route_is_covered_here(world):
    app = world.app
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if app.view_functions[rule.endpoint].__module__ == "portal.meetings.views.candidate"}
    assert endpoints == set(ROUTES)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("endpoint", MEETING_ROUTES)
def test_another_candidates_conversation_is_404(world, foreign, endpoint, headers):
    meeting_id = foreign["over"] if endpoint in ("meetings.follow_up", "meetings.no_show") else foreign["ahead"]
    before = get(world, Meeting, meeting_id)
    response = _call(world.client, endpoint, world, meeting_id, headers)
    assert response.status_code == 404
    after = get(world, Meeting, meeting_id)
    assert (after.status, after.start_at, after.sequence, after.rating) == (
        before.status, before.start_at, before.sequence, before.rating)
    assert get(world, Question, world.foreign).status == "open"
    assert "Other Candidate" not in response.get_data(as_text=True) and world.notified == []


@pytest.mark.parametrize("endpoint", MEETING_ROUTES)
def test_a_missing_conversation_is_404(world, endpoint):
    assert _call(world.client, endpoint, world, 999_999).status_code == 404


@pytest.mark.parametrize("role", ["staff", "recruiter", "admin"])
@pytest.mark.parametrize("endpoint,method", [(name, method) for name, (method, _) in ROUTES.items()]
                         + [("meetings.new", "POST")])
def test_people_who_are_not_candidates_get_403(world, foreign, role, endpoint, method):
    client = world.app.test_client()
    with world.app.app_context():
        user = make_staff("team") if role == "staff" else make_user(role)
        db.session.commit()
        Auth(world.app, client).login(user)
    response = _call(client, endpoint, world, foreign["ahead"], method=method)
    assert response.status_code == 403
    assert get(world, Meeting, foreign["ahead"]).status == "confirmed"


@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(world, foreign, endpoint):
    response = _call(world.app.test_client(), endpoint, world, foreign["ahead"])
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_a_candidate_account_without_an_offer_gets_404(world, foreign, endpoint):
    client = world.app.test_client()
    with world.app.app_context():
        user = make_user("candidate")
        db.session.commit()
        Auth(world.app, client).login(user)
    assert _call(client, endpoint, world, foreign["ahead"]).status_code == 404


def _selects(world, path) -> int:
    return len(page_statements(world.app, world.client, path).selects)


def test_the_list_takes_the_same_few_queries_for_1_and_20_conversations(world):
    statuses = ("invited", "needs_approval", "declined", "cancelled", "completed", "expired", "rejected")

    def add(n, offset):
        with world.app.app_context():
            for i in range(n):
                # Amara twice at most: a candidate has one waiting request per person.
                person = make_staff("team", name=f"Person {offset + i}") if i % 2 or offset + i > 2 else None
                staff_id = person.id if person else world.ceo
                if i % 5 == 0:
                    make_meeting(world.candidate, staff_id, "confirmed", start=at(10 + i % 4, 14 + offset + i % 3),
                                 history=False)
                else:
                    make_meeting(world.candidate, staff_id, statuses[i % len(statuses)], slots=[at(6, 14)],
                                 reason="Because", history=False)
            db.session.commit()

    add(1, 0)
    one = _selects(world, "/meetings")
    add(19, 1)
    many = _selects(world, "/meetings")
    assert one == many <= 4, (one, many)  # user, candidacy, conversations with people, their slots
    with world.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                                 .where(Meeting.candidate_id == world.candidate)) == 20
