"""Asking for feedback in a large company: the likely interviewers to tick (the hiring manager and the
position's team), a search box to add anyone else, several at a time, with or without JavaScript."""

import sqlalchemy as sa
from factories import make_staff
from helpers import HTMX, csrf_token, page_statements, text_of

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.people.picker import SMALL_LIST


def crowd(app, count, start=0):
    with app.app_context():
        for n in range(start, start + count):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")
        db.session.commit()


def post(client, world, headers=None, **data):
    data["csrf_token"] = csrf_token(client, f"/recruiter/candidates/{world.candidate}/message")
    return client.post(f"/recruiter/candidates/{world.candidate}/feedback", data=data, headers=headers or {})


def asked(app):
    with app.app_context():
        return set(db.session.scalars(sa.select(InterviewFeedback.interviewer_id)))


def test_likely_interviewers_then_anyone_added_by_name(app, recruiter, world):
    crowd(app, SMALL_LIST)
    with app.app_context():
        hana = make_staff(title="Board Advisor", team="Board", name="Hidden Hana")
        hana.profile.visible = False
        db.session.commit()
        hana = hana.id
    page = recruiter.get(f"/recruiter/candidates/{world.candidate}").get_data(as_text=True)
    assert f'name="interviewers" value="{world.tom}"' in page and f'name="interviewers" value="{world.ana}"' in page
    assert "Crowd Person" not in page and "The hiring manager and the Platform team" in page
    assert 'list="more-interviewers-choices"' in page and "/people/choices?for=interviewers" in page
    # Without JavaScript: Add ticks the person typed (nothing is sent yet), the ticks are kept.
    added = post(recruiter, world, interviewers=[str(world.tom)], more="Hidden Hana · Board Advisor", add="1")
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and "Hidden Hana is ticked." in html and asked(app) == set()
    assert f'value="{hana}" checked' in html and f'value="{world.tom}" checked' in html
    assert "Added by you" in html and 'value=""' in html.split('id="more-interviewers"')[1][:200]
    # Send asks everyone ticked, and someone typed but not added.
    sent = post(recruiter, world, interviewers=[str(world.tom), str(hana)], more="crowd person007")
    assert sent.status_code == 302 and len(asked(app)) == 3


def test_a_name_that_fits_several_is_422_and_asks_no_one(app, recruiter, world):
    crowd(app, SMALL_LIST)
    response = post(recruiter, world, HTMX, interviewers=[str(world.tom)], more="crowd person00")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and asked(app) == set()
    assert "Several people match “crowd person00”" in text_of(body, "more-interviewers-error")
    assert 'aria-invalid="true"' in body and '<option value="Crowd Person000 · Analyst">' in body
    assert f'value="{world.tom}" checked' in body


def test_the_candidate_page_costs_the_same_at_any_size(app, recruiter, world):
    crowd(app, SMALL_LIST)
    path = f"/recruiter/candidates/{world.candidate}"
    recruiter.get(path)  # the first page after signing in notes the visit, and keeps the likely interviewers
    later = page_statements(app, recruiter, path)
    crowd(app, 2 * SMALL_LIST, start=SMALL_LIST)
    # The first view after the people changed finds the likely interviewers again (one statement
    # more); later views read what is kept. Both the same at any size.
    first = page_statements(app, recruiter, path)
    assert len(first) == len(later) + 1 and len(page_statements(app, recruiter, path)) == len(later)


def test_the_kept_likely_interviewers_follow_the_people_at_once(app, recruiter, world):
    """Who is likely is kept by the process for the position until the people change: someone who
    joins the team, or leaves the company, shows on the very next view of the candidate's page."""
    crowd(app, SMALL_LIST)
    path = f"/recruiter/candidates/{world.candidate}"
    with app.app_context():
        team = db.session.get(Candidate, world.candidate).position.team
    page = recruiter.get(path).get_data(as_text=True)
    assert f'name="interviewers" value="{world.ana}"' in page
    with app.app_context():
        newcomer = make_staff(title="Engineer", team=team, name="Nova Newcomer").id
        db.session.get(User, world.ana).active = False
        db.session.commit()
    page = recruiter.get(path).get_data(as_text=True)
    assert f'name="interviewers" value="{newcomer}"' in page
    assert f'name="interviewers" value="{world.ana}"' not in page
