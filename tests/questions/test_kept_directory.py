"""A large company's directory is read once and kept by the process for every candidate's ledger
(``questions.suggestions.directory``, ``generations.py``). What the candidate is told must still be
today's: the page right after a profile, a name or a person's state changes shows the change, and a
change that was rolled back shows nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff
from question_helpers import add

from portal.auth.models import User
from portal.extensions import db
from portal.generations import current
from portal.people.models import StaffProfile
from portal.people.picker import SMALL_LIST


@pytest.fixture
def company(ledger):
    """More people than the picker lists, so the ledger searches the kept directory's texts."""
    with ledger.app.app_context():
        for n in range(SMALL_LIST + 5):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}")
        make_staff(title="Staff Engineer", team="Operations", name="Nia Oncall").profile.topics = "pagers, incident drills"
        db.session.commit()
    add(ledger, "Who looks after the pagers?", "other")
    return ledger


def _suggested(ledger) -> list[str]:
    html = ledger.client.get("/questions").get_data(as_text=True)
    block = html.split("Who can answer this?", 1)[1].split("</small>", 1)[0]
    return re.findall(r'<a href="/people/\d+">([^<]+)</a>', block)


def _profile(ledger, name) -> StaffProfile:
    return db.session.scalar(sa.select(StaffProfile).join(User).where(User.name == name))


def test_the_ledger_shows_a_changed_profile_at_once(company):
    assert _suggested(company) == ["Nia Oncall"]
    assert _suggested(company) == ["Nia Oncall"]  # kept: the same answer

    with company.app.app_context():
        _profile(company, "Crowd Person007").topics = "pagers rota"
        db.session.commit()
    assert _suggested(company) == ["Crowd Person007", "Nia Oncall"]

    with company.app.app_context():
        _profile(company, "Nia Oncall").user.name = "Nia Pager"
        db.session.commit()
    assert _suggested(company) == ["Crowd Person007", "Nia Pager"]

    with company.app.app_context():
        _profile(company, "Nia Pager").visible = False  # hidden from the directory
        db.session.commit()
    assert _suggested(company) == ["Crowd Person007"]

    with company.app.app_context():
        _profile(company, "Crowd Person007").user.active = False  # left the company
        db.session.commit()
    assert _suggested(company) == []


def test_a_rolled_back_change_and_a_candidates_own_account_move_nothing(company):
    assert _suggested(company) == ["Nia Oncall"]
    with company.app.app_context():
        before = current("people")
        _profile(company, "Nia Oncall").topics = "hiring"
        db.session.flush()
        assert current("people") == (before[0] + 1,)  # moved in the change's own transaction
        db.session.rollback()
        assert current("people") == before
        # A candidate's account comes and signs in: nothing a candidate can be suggested changed.
        candidate = make_candidate(name="New Candidate")
        db.session.commit()
        candidate.user.name = "New Candidate Renamed"
        db.session.commit()
        assert current("people") == before
        # A candidate who joins the company as staff is a company account: the people move on.
        candidate.user.role = "staff"
        db.session.commit()
        assert current("people") == (before[0] + 1,)
    assert _suggested(company) == ["Nia Oncall"]


def test_a_kept_ranking_still_leaves_out_whom_the_question_is_for(company):
    """A question's ranking is kept with the directory (the same question is ranked once for every
    candidate), by what it is ranked on: the same words meant for one of the people it found must not
    suggest that person again, and the one that was first makes room for the next."""
    assert _suggested(company) == ["Nia Oncall"]
    with company.app.app_context():
        crowd = _profile(company, "Crowd Person003")
        crowd.topics = "pagers"
        nia = _profile(company, "Nia Oncall").user_id
        db.session.commit()
    assert _suggested(company) == ["Crowd Person003", "Nia Oncall"]
    add(company, "Who looks after the pagers?", "other", directed_to_id=nia)

    html = company.client.get("/questions").get_data(as_text=True)
    block = html.split("Who else can answer this?", 1)[1].split("</small>", 1)[0]
    assert re.findall(r'<a href="/people/\d+">([^<]+)</a>', block) == ["Crowd Person003"]
    assert _suggested(company) == ["Crowd Person003", "Nia Oncall"]  # the first question's, as before
