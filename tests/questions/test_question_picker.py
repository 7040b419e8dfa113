"""A large company's "For someone in particular?": a search box instead of a <select> of everyone;
typed text works without JavaScript, and the page costs the same at any size."""

import pytest
from factories import make_staff
from helpers import HTMX, page_statements, text_of
from question_helpers import add, own_questions

from portal.extensions import db
from portal.people.picker import SMALL_LIST
from portal.people.models import StaffProfile


def crowd(ledger, count, start=0):
    with ledger.app.app_context():
        for n in range(start, start + count):
            make_staff(title="Analyst", team="Operations", name=f"Crowd Person{n:03d}").profile.topics = "on-call"
        make_staff(title="Engineer", team="Platform", name=f"Tom Baker{start}")
        db.session.commit()


@pytest.fixture
def large(ledger):
    crowd(ledger, SMALL_LIST)
    return ledger


def test_the_box_lists_no_one_up_front_and_finds_a_typed_name(large):
    html = large.client.get("/questions").get_data(as_text=True)
    assert 'id="directed_to" name="directed_to" value="" list="directed_to-choices"' in html
    assert "Crowd Person" not in html.split('id="add-question"')[1]
    assert 'aria-describedby="directed_to-hint"' in html and 'placeholder="Anyone"' in html
    response = large.client.post("/questions", data={"text": "Who runs on-call?", "category": "role_team",
                                                     "directed_to": "Tom Becker · Senior Engineer"})
    assert response.status_code == 302
    assert own_questions(large)[0].directed_to_id == large.staff.engineer


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_several_matches_are_422_with_the_matches_offered(large, headers):
    response = large.client.post("/questions", headers=headers, data={
        "text": "Who runs on-call?", "category": "role_team", "directed_to": "tom"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and own_questions(large) == []
    assert "Several people match “tom”" in text_of(body, "directed_to-error")
    assert 'aria-describedby="directed_to-hint directed_to-error"' in body and 'value="tom"' in body
    assert '<option value="Tom Becker · Senior Engineer">Platform</option>' in body  # offered in the list


def test_a_control_character_in_the_box_is_refused_at_the_field(large):
    response = large.client.post("/questions", data={
        "text": "Who runs on-call?", "category": "role_team", "directed_to": "Tom\x07Becker"})
    assert response.status_code == 422 and own_questions(large) == []
    assert "one line" in text_of(response.get_data(as_text=True), "directed_to-error").lower()


def test_editing_shows_the_person_even_after_they_left_the_directory(large):
    question_id = add(large, "Who runs on-call?", "role_team", directed_to_id=large.staff.engineer)
    edit = large.client.get(f"/questions/{question_id}/edit", headers=HTMX).get_data(as_text=True)
    assert 'value="Tom Becker · Senior Engineer"' in edit
    with large.app.app_context():
        db.session.get(StaffProfile, large.staff.engineer).visible = False
        db.session.commit()
    edit = large.client.get(f"/questions/{question_id}/edit", headers=HTMX).get_data(as_text=True)
    assert 'value="Tom Becker (no longer in the directory)"' in edit
    response = large.client.post(f"/questions/{question_id}", data={
        "edit-text": "Who runs on-call now?", "edit-category": "role_team",
        "edit-directed_to": "Tom Becker (no longer in the directory)"})
    assert response.status_code == 302
    assert (own_questions(large)[0].text, own_questions(large)[0].directed_to_id) == (
        "Who runs on-call now?", large.staff.engineer)


def test_the_ledger_costs_the_same_queries_at_any_size(large):
    add(large, "Who runs on-call?", "role_team", directed_to_id=large.staff.engineer)
    add(large, "How are salaries set?", "compensation_benefits")
    large.client.get("/questions")
    before = page_statements(large.app, large.client, "/questions")
    crowd(large, 2 * SMALL_LIST, start=SMALL_LIST)
    # New people: the first ledger reads the directory again (generations.py), the next ones keep it.
    assert len(page_statements(large.app, large.client, "/questions")) == len(before) + 1
    assert len(page_statements(large.app, large.client, "/questions")) == len(before)
