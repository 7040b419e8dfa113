"""Recruiters: the candidate list (filters, counts, fragment), adding a candidate, the candidate page."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_user
from helpers import HTMX, csrf_token, page_statements

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.questions.models import Question


def test_list_shows_progress_and_filters(app, client, riley):
    with app.app_context():
        backend = make_position("Backend Engineer", "Platform")
        design = make_position("Designer", "Product")
        jordan = make_candidate(position=backend, name="Jordan Lee", deadline_days=6)
        make_candidate(position=design, name="Sam Rivera", deadline_days=2)
        make_candidate(position=backend, name="Done Person", stage="accepted")
        db.session.add_all([Question(candidate_id=jordan.id, text="q1", category="growth", status="answered"),
                            Question(candidate_id=jordan.id, text="q2", category="growth")])
        db.session.commit()
        backend_id = backend.id
    html = client.get("/recruiter/candidates").get_data(as_text=True)
    assert "3 candidates" in html
    assert html.index("Sam Rivera") < html.index("Jordan Lee") < html.index("Done Person")
    assert "1 of 2 answered" in html
    assert "Jordan Lee" in client.get(f"/recruiter/candidates?position={backend_id}").get_data(as_text=True)
    assert "Sam Rivera" not in client.get(f"/recruiter/candidates?position={backend_id}").get_data(as_text=True)
    accepted = client.get("/recruiter/candidates?stage=accepted").get_data(as_text=True)
    assert "Done Person" in accepted and "Jordan Lee" not in accepted
    fragment = client.get("/recruiter/candidates?q=jord", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="candidate_list"') and "Jordan Lee" in fragment
    assert "Sam Rivera" not in fragment
    empty = client.get("/recruiter/candidates?q=nobody").get_data(as_text=True)
    assert "No candidates match these filters." in empty


def test_list_query_count_does_not_grow_with_candidates(app, client, riley):
    def count_selects():
        return len(page_statements(app, client, "/recruiter/candidates"))

    with app.app_context():
        make_candidate()
        db.session.commit()
    few = count_selects()
    with app.app_context():
        for _ in range(25):
            make_candidate()
        db.session.commit()
    assert count_selects() == few


# Six weeks ahead, 17:00 in New York: a deadline that is always valid whenever the tests run.
DEADLINE_LOCAL = datetime.combine(date.today() + timedelta(weeks=6), time(17, 0), tzinfo=ZoneInfo("America/New_York"))


def _shown(moment: datetime, zone: str) -> str:
    """How the portal writes a moment, computed here independently: "Wed 15 Jan 2031, 22:00 GMT"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()} ({zone})"


def candidate_data(**overrides):
    data = {"name": "Jordan Lee", "email": "Jordan.Lee@Example.com", "timezone": "America/New_York",
            "position_id": "new", "new_position_title": "Senior Backend Engineer", "new_position_team": "Platform",
            "owner_id": "", "decision_deadline": DEADLINE_LOCAL.strftime("%Y-%m-%dT%H:%M"), "source": "referral"}
    data.update(overrides)
    return data


def test_add_a_candidate_with_a_deadline_in_their_zone(app, client, riley):
    response = client.post("/recruiter/candidates/new", data={
        **candidate_data(owner_id=str(riley)), "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 302
    with app.app_context():
        candidate = db.session.scalar(sa.select(Candidate))
        assert candidate.user.email == "jordan.lee@example.com" and candidate.user.role == "candidate"
        assert candidate.position.title == "Senior Backend Engineer" and candidate.owner_id == riley
        assert candidate.decision_deadline == DEADLINE_LOCAL  # the same instant, stored in UTC
        assert candidate.decision_deadline.utcoffset().total_seconds() == 0
        events = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.candidate_id == candidate.id)).all()
        assert events == ["Riley Morgan added Jordan Lee at the offer stage for Senior Backend Engineer"]
        assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "user.created")) \
            == "Account for Jordan Lee created with the role candidate by Riley Morgan"
        cid = candidate.id
    assert response.headers["Location"] == f"/recruiter/candidates/{cid}"
    page = client.get(f"/recruiter/candidates/{cid}").get_data(as_text=True)
    assert _shown(DEADLINE_LOCAL, "Europe/London") in page
    assert _shown(DEADLINE_LOCAL, "America/New_York") + " for Jordan" in page
    assert "Riley Morgan added Jordan Lee at the offer stage" in page


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "Enter the candidate's name."),
    ({"email": "nope"}, "Enter an e-mail address like name@example.com."),
    ({"new_position_title": ""}, "Enter the title of the new position."),
    ({"timezone": "Nowhere/City"}, "Choose a time zone from the list, like Europe/Berlin."),
    ({"decision_deadline": "2020-01-01T10:00"}, "The deadline must be in the future."),
    ({"decision_deadline": "9999-12-31T23:59"}, "Choose a deadline within a year."),
    ({"owner_id": "999"}, "Not a valid choice"),
])
def test_invalid_candidate_is_422_and_adds_nothing(app, client, riley, overrides, message):
    response = client.post("/recruiter/candidates/new", data={
        **candidate_data(**{"owner_id": str(riley), **overrides}), "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0


def test_candidate_language_is_saved_and_shown(app, client, riley):
    form = client.get("/recruiter/candidates/new").get_data(as_text=True)
    assert '<option selected value="">Their browser\'s language (at first sign-in)</option>' in form
    assert '<option lang="ja" value="ja">日本語</option>' in form
    response = client.post("/recruiter/candidates/new", data={
        **candidate_data(owner_id=str(riley), locale="ja"), "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 302
    with app.app_context():
        candidate = db.session.scalar(sa.select(Candidate))
        assert candidate.user.locale == "ja"
        cid = candidate.id
    page = client.get(f"/recruiter/candidates/{cid}").get_data(as_text=True)
    assert "<dt>Language</dt><dd>日本語</dd>" in page


def test_candidate_without_a_language_leaves_it_to_their_browser(app, client, riley):
    response = client.post("/recruiter/candidates/new", data={
        **candidate_data(owner_id=str(riley), locale=""), "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 302
    with app.app_context():
        candidate = db.session.scalar(sa.select(Candidate))
        assert candidate.user.locale is None
        cid = candidate.id
    page = client.get(f"/recruiter/candidates/{cid}").get_data(as_text=True)
    assert "Not set yet: their browser's language at first sign-in" in page


@pytest.mark.parametrize("code", ["fr", "xx-evil", "EN"])
def test_unknown_candidate_language_is_refused_and_adds_nothing(app, client, riley, code):
    response = client.post("/recruiter/candidates/new", data={
        **candidate_data(owner_id=str(riley), locale=code), "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 422
    assert "Choose a language from the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == "candidate")) == 0


def test_existing_email_is_refused(app, client, riley):
    with app.app_context():
        make_user("staff", email="jordan.lee@example.com")
        db.session.commit()
    response = client.post("/recruiter/candidates/new", data={**candidate_data(owner_id=str(riley)),
                                                              "csrf_token": csrf_token(client, "/recruiter/candidates/new")})
    assert response.status_code == 422 and "already an account for jordan.lee@example.com" in response.get_data(as_text=True)


def test_candidate_page_hides_private_question_text(app, client, riley):
    with app.app_context():
        candidate = make_candidate(name="Jordan Lee")
        db.session.add_all([
            Question(candidate_id=candidate.id, text="How is on-call organised?", category="role_team"),
            Question(candidate_id=candidate.id, text="SECRET salary worry", category="compensation_benefits",
                     private=True, status="answered"),
        ])
        db.session.commit()
        cid = candidate.id
    page = client.get(f"/recruiter/candidates/{cid}").get_data(as_text=True)
    assert "How is on-call organised?" in page
    assert "SECRET" not in page
    assert "Private question" in page and "1 of 2 answered" in page


def test_unknown_candidate_is_404(client, riley):
    assert client.get("/recruiter/candidates/999").status_code == 404


def test_first_sign_in_lands_on_the_timeline(app, smtp):
    from helpers import csrf_token, deliver_mail, link_in

    with app.app_context():
        candidate = make_candidate(name="Jordan Lee", email="jordan@example.com")
        db.session.commit()
        cid = candidate.id
    client = app.test_client()
    for _ in range(2):  # the second sign-in is not a new milestone
        client.post("/login", data={"email": "jordan@example.com", "csrf_token": csrf_token(client)})
        deliver_mail(app)
        path = link_in(smtp.messages[-1])
        client.post(path, data={"csrf_token": csrf_token(client, path)})
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        assert db.session.get(Candidate, cid).first_signed_in_at is not None
        summaries = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.candidate_id == cid)).all()
        assert summaries == ["Jordan Lee signed in for the first time"]  # the timeline: the milestone only
        sign_ins = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.action == "auth.sign_in")).all()
        assert sign_ins == ["Jordan Lee signed in with an e-mailed link"] * 2  # every sign-in, in the audit trail
