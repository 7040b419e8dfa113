"""Recruiters ask for feedback, remind, type it in: the panel as a fragment and as a page; access."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from feedback_helpers import build_world
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, Auth, count, csrf_token

from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.feedback.services import request_feedback
from portal.mail.models import OutboxMessage


def token(client, world):
    return csrf_token(client, f"/recruiter/candidates/{world.candidate}/message")


def ask(client, world, *people, headers=None):
    return client.post(f"/recruiter/candidates/{world.candidate}/feedback",
                       data={"interviewers": [str(p) for p in people], "csrf_token": token(client, world)},
                       headers=headers or {})


def feedback_id(app, interviewer_id):
    with app.app_context():
        return db.session.scalar(
            sa.select(InterviewFeedback.id).where(InterviewFeedback.interviewer_id == interviewer_id))


def test_asking_with_htmx_swaps_the_panel(app, recruiter, world):
    response = ask(recruiter, world, world.tom, world.ana, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="feedback" aria-labelledby="feedback-heading">')
    assert "<html" not in html
    assert "Asked Tom Becker and Ana Silva for feedback." in html
    assert html.count(">Asked</span>") == 2  # each of the two rows says so
    assert "0 of 2 answered" in html
    assert "Everyone in the directory has been asked." in html
    assert response.headers["Vary"].count("HX-Request") == 1
    with app.app_context():
        assert count(OutboxMessage, OutboxMessage.kind == "feedback_request") == 2


def test_asking_without_javascript_goes_back_to_the_candidate_page(app, recruiter, world):
    response = ask(recruiter, world, world.tom)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/recruiter/candidates/{world.candidate}#feedback"


def test_the_candidate_page_shows_the_panel(app, recruiter, world):
    ask(recruiter, world, world.tom)
    page = recruiter.get(f"/recruiter/candidates/{world.candidate}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<section id="feedback"' in html
    assert "Asked Tom Becker for feedback." in html  # the flash after the redirect
    assert f'name="interviewers" value="{world.ana}"' in html  # not asked yet: offered
    assert f'name="interviewers" value="{world.tom}"' not in html
    assert "No message yet" in html and "Write the message" in html


@pytest.mark.parametrize("people,message", [
    ((), "Choose at least one person to ask."),
    (("abc",), "Choose people from the list."),
    ((99999,), "Choose people from the list."),
])
def test_a_bad_request_is_a_422(app, recruiter, world, people, message):
    fragment = ask(recruiter, world, *people, headers=HTMX)
    assert fragment.status_code == 422 and message in fragment.get_data(as_text=True)
    assert fragment.get_data(as_text=True).startswith('<section id="feedback"')
    page = ask(recruiter, world, *people)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "<h1>Feedback for Jordan Lee</h1>" in html and message in html
    assert 'aria-describedby="interviewers-error"' in html


def test_only_directory_people_can_be_asked(app, recruiter, world):
    with app.app_context():
        other = make_user("candidate", name="Not Staff").id
        db.session.commit()
    response = ask(recruiter, world, world.tom, other)
    assert response.status_code == 422
    assert "Not Staff isn&#39;t in the directory" in response.get_data(as_text=True)
    with app.app_context():
        assert count(InterviewFeedback) == 0 and count(OutboxMessage) == 0


def test_hidden_directory_people_can_be_asked(app, recruiter, world):
    with app.app_context():
        hidden = make_staff("alumni", name="Hidden Hana", title="Former CTO")
        hidden.profile.visible = False
        db.session.commit()
        hidden_id = hidden.id
    page = ask(recruiter, world, headers=HTMX).get_data(as_text=True)
    assert "Hidden Hana" in page and "hidden from candidates" in page
    assert ask(recruiter, world, hidden_id).status_code == 302


def test_type_feedback_in_on_someones_behalf(app, recruiter, world):
    ask(recruiter, world, world.tom)
    path = f"/recruiter/candidates/{world.candidate}/feedback/{feedback_id(app, world.tom)}/enter"
    page = recruiter.get(path)
    assert page.status_code == 200 and "Tom Becker's feedback on Jordan Lee" in page.get_data(as_text=True)
    empty = recruiter.post(path, data={"went_well": "", "to_grow": "", "csrf_token": token(recruiter, world)})
    assert empty.status_code == 422 and "Write at least one of the two" in empty.get_data(as_text=True)
    saved = recruiter.post(path, data={"went_well": "Great pairing.", "to_grow": "",
                                       "csrf_token": token(recruiter, world)})
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/recruiter/candidates/{world.candidate}#feedback"
    with app.app_context():
        row = db.session.scalar(sa.select(InterviewFeedback))
        assert (row.went_well, row.entered_by_id) == ("Great pairing.", world.recruiter)
    panel = ask(recruiter, world, headers=HTMX).get_data(as_text=True)
    assert "Entered by Riley Morgan" in panel and "1 of 1 answered" in panel
    assert "Great pairing." in panel
    again = recruiter.get(path).get_data(as_text=True)
    assert "Great pairing." in again and "Riley Morgan typed this in" in again


def test_feedback_of_another_candidate_is_a_404(app, recruiter, world):
    ask(recruiter, world, world.tom)
    with app.app_context():
        other = make_candidate(name="Other Person").id
        db.session.commit()
    mine = feedback_id(app, world.tom)
    csrf = token(recruiter, world)
    base = f"/recruiter/candidates/{other}/feedback/{mine}"
    assert recruiter.get(base + "/enter").status_code == 404
    assert recruiter.post(base + "/enter", data={"went_well": "x", "csrf_token": csrf}).status_code == 404
    assert recruiter.post(base + "/remind", data={"csrf_token": csrf}).status_code == 404
    for path in ("/recruiter/candidates/999/feedback", f"/recruiter/candidates/999/feedback/{mine}/remind",
                 "/recruiter/candidates/999/message/preview", "/recruiter/candidates/999/message",
                 "/recruiter/candidates/999/message/publish"):
        assert recruiter.post(path, data={"csrf_token": csrf}).status_code == 404
    assert recruiter.get("/recruiter/candidates/999/message").status_code == 404


RECRUITER_ROUTES = [
    ("GET", "/recruiter/candidates/{c}/message"),
    ("POST", "/recruiter/candidates/{c}/message"),
    ("POST", "/recruiter/candidates/{c}/message/publish"),
    ("POST", "/recruiter/candidates/{c}/message/preview"),
    ("POST", "/recruiter/candidates/{c}/feedback"),
    ("POST", "/recruiter/candidates/{c}/feedback/{f}/remind"),
    ("GET", "/recruiter/candidates/{c}/feedback/{f}/enter"),
    ("POST", "/recruiter/candidates/{c}/feedback/{f}/enter"),
]


@pytest.mark.parametrize("method,template", RECRUITER_ROUTES)
def test_only_recruiters_and_admins(make_app, method, template):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        w = build_world()
        admin = make_user("admin")
        (row,) = request_feedback(w.candidate, [w.tom], by=w.recruiter)
        db.session.commit()
        path = template.format(c=w.candidate.id, f=row.id)
        people = {"candidate": w.candidate.user, "staff": w.tom, "recruiter": w.recruiter, "admin": admin}
        users = {role: SimpleNamespace(session_token=user.session_token) for role, user in people.items()}
    anonymous = app.test_client()
    response = anonymous.open(path, method=method)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    htmx = anonymous.open(path, method=method, headers=HTMX)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
    for role, user in users.items():
        client = app.test_client()
        Auth(app, client).login(user)
        status = client.open(path, method=method).status_code
        if role in ("candidate", "staff"):
            assert status == 403, (role, method, path)
        else:
            assert status in (200, 302, 422), (role, method, path, status)
