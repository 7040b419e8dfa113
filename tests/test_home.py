"""Each role's home page shows what matters to that person, in their own time zone."""

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from factories import make_candidate, make_position, make_staff, make_user
from helpers import Auth

from portal.extensions import db
from portal.security import role_required
from portal.timeutil import format_datetime


def test_candidate_sees_their_offer_and_deadline_in_their_zone(app, client, auth):
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan")
        candidate = make_candidate(position=make_position("Senior Backend Engineer", "Platform"), owner=recruiter,
                                   name="Jordan Lee", timezone="America/New_York")
        candidate.decision_deadline = datetime(2031, 1, 15, 22, 0, tzinfo=ZoneInfo("UTC"))
        other = make_candidate(name="Someone Else", email="else@example.com")
        other.position.title = "Secret Other Role"
        db.session.commit()
        auth.login(candidate.user)
    html = client.get("/").get_data(as_text=True)
    assert "Welcome, Jordan" in html
    assert "Senior Backend Engineer" in html and "Platform team" in html
    assert "Wed 15 Jan 2031, 17:00 EST (America/New_York)" in html
    assert "Riley Morgan" in html
    assert "Times are shown in your time zone, <strong>America/New_York</strong>" in html
    assert "Someone Else" not in html and "Secret Other Role" not in html and "else@example.com" not in html


def test_candidate_without_deadline_is_told_so(app, client, auth):
    with app.app_context():
        candidate = make_candidate(deadline_days=None)
        db.session.commit()
        auth.login(candidate.user)
    assert "There's no deadline set" in client.get("/").get_data(as_text=True)


def test_recruiter_sees_offer_stage_candidates_soonest_deadline_first(app, client, auth):
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/Berlin")
        make_candidate(name="Later Person", deadline_days=9)
        sooner = make_candidate(name="Sooner Person", deadline_days=2)
        make_candidate(name="Done Person", stage="accepted")
        db.session.commit()
        deadline = format_datetime(sooner.decision_deadline, "Europe/Berlin")  # CET or CEST, named
        auth.login(recruiter)
    html = client.get("/").get_data(as_text=True)
    assert "2 candidates are at the offer stage." in html
    assert html.index("Sooner Person") < html.index("Later Person")
    assert "Done Person" not in html
    assert "1 accepted · 0 declined · 0 withdrawn" in html
    assert deadline.endswith(("CET (Europe/Berlin)", "CEST (Europe/Berlin)")) and deadline in html


def test_recruiter_home_with_no_candidates_has_an_empty_state(app, client, auth):
    with app.app_context():
        recruiter = make_user("admin")
        db.session.commit()
        auth.login(recruiter)
    assert "No candidates are at the offer stage right now." in client.get("/").get_data(as_text=True)


def test_staff_home_explains_that_email_is_enough(app, client, auth):
    with app.app_context():
        person = make_staff("investor", title="Partner, Harbor Ventures", name="Rachel Goldberg")
        person.profile.topics = "fundraising, runway"
        db.session.commit()
        auth.login(person)
    html = client.get("/").get_data(as_text=True)
    assert "Partner, Harbor Ventures" in html and "Investors" in html
    assert "Ask me about: fundraising, runway" in html
    assert "straight from that e-mail" in html


def test_navigation_marks_the_current_page(app, client, auth):
    with app.app_context():
        auth.login(make_user("recruiter"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/" aria-current="page">Home</a>' in html
    assert 'action="/logout"' in html


@pytest.fixture
def recruiter_only_app(make_app):
    app = make_app()

    @app.get("/__recruiters-only")
    @role_required("recruiter", "admin")
    def recruiters_only():
        return "ok"

    return app


@pytest.mark.parametrize("role,status", [("candidate", 403), ("staff", 403), ("recruiter", 200), ("admin", 200)])
def test_role_required(recruiter_only_app, role, status):
    client = recruiter_only_app.test_client()
    with recruiter_only_app.app_context():
        user = make_user(role)
        db.session.commit()
        Auth(recruiter_only_app, client).login(user)
    response = client.get("/__recruiters-only")
    assert response.status_code == status
    if status == 403:
        assert "You don't have access to this page" in html.unescape(response.get_data(as_text=True))


def test_role_required_sends_anonymous_visitors_to_sign_in(recruiter_only_app):
    response = recruiter_only_app.test_client().get("/__recruiters-only")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/__recruiters-only"
