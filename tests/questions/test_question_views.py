"""The ledger page and its fragments: add, edit, answer, delete, filter, the bank (CSRF off here)."""

import re
from datetime import UTC, datetime

import pytest
from helpers import HTMX, text_of
from question_helpers import add, own_questions

from portal.questions.bank import BANK, BANK_BY_KEY


def page(ledger, path="/questions"):
    response = ledger.client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def question_data(**overrides):
    data = {"text": "How is on-call organised?", "category": "role_team", "directed_to": ""}
    data.update(overrides)
    return data


def test_empty_ledger_points_to_the_bank_and_the_form(ledger):
    html = page(ledger)
    assert "<h1>My questions</h1>" in html
    assert "No questions yet." in html and 'href="#add-question"' in html and 'href="#bank"' in html
    assert "<progress" not in html
    assert html.count("<details id=\"bank-") == 6
    assert html.count('class="outline compact" data-hx-post="/questions/bank">Add<span class="visually-hidden">') == len(BANK)
    assert "Other candidate&#39;s secret question" not in html


def test_the_page_states_privacy_plainly(ledger):
    html = page(ledger)
    assert "your recruiter can see this list" in html
    assert "Keep the text private" in html
    assert "Recruiters see that this question exists, its category and whether it's answered, not what it says." in html
    assert 'aria-describedby="private-hint"' in html


def test_directed_to_lists_visible_people_with_titles(ledger):
    html = page(ledger)
    assert '<option selected value="">Anyone</option>' in html
    assert f'<option value="{ledger.staff.cfo}">Nadia Cho (Chief Financial Officer)</option>' in html
    assert "Hidden Person" not in html


def test_adding_without_javascript_redirects_back(ledger):
    response = ledger.client.post("/questions", data=question_data(directed_to=str(ledger.staff.engineer),
                                                                   private="y"))
    assert response.status_code == 302 and response.headers["Location"] == "/questions#ledger"
    html = page(ledger)
    assert "Question added." in html and "How is on-call organised?" in html
    assert "0 of 1 answered" in html and '<progress id="question-progress" value="0" max="1">' in html
    assert f'For <a href="/people/{ledger.staff.engineer}">Tom Becker</a>' in html
    assert "Private: recruiters don't see the text" in html
    (question,) = own_questions(ledger)
    assert (question.category, question.directed_to_id, question.private) == ("role_team", ledger.staff.engineer, True)


def test_adding_with_htmx_returns_the_ledger(ledger):
    response = ledger.client.post("/questions", data=question_data(), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert body.lstrip().startswith('<div id="ledger">') and "<html" not in body
    assert 'role="status">Question added.' in body and "How is on-call organised?" in body
    assert 'name="text"' in body and "How is on-call organised?</textarea>" not in body  # a fresh form


@pytest.mark.parametrize("data,message", [
    ({"text": "   "}, "Write your question."),
    ({"text": "x" * 1001}, "Keep it to 1000 characters or fewer."),
    ({"category": "gossip"}, "Choose a category from the list."),
    ({"directed_to": "HIDDEN"}, "Choose someone from the list, or Anyone."),
    ({"directed_to": "not-a-number"}, "No one matches “not-a-number”."),  # typed text is a name to find
    ({"directed_to": "999999"}, "Choose someone from the list, or Anyone."),
])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_invalid_questions_are_422_with_the_form_and_change_nothing(ledger, data, message, headers):
    if data.get("directed_to") == "HIDDEN":
        data = {"directed_to": str(ledger.staff.hidden)}
    response = ledger.client.post("/questions", data=question_data(**data), headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and 'aria-invalid="true"' in body
    if headers:
        assert body.lstrip().startswith('<section id="add-question"') and "<html" not in body
        assert response.headers["HX-Retarget"] == "#add-question" and response.headers["HX-Reswap"] == "outerHTML"
    else:
        assert "<h1>My questions</h1>" in body
    assert own_questions(ledger) == []


def test_the_inline_edit_form_as_fragment_and_as_page(ledger):
    question_id = add(ledger, "What is the runway?", "direction_finances")
    fragment = ledger.client.get(f"/questions/{question_id}/edit", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<article id="question-{question_id}">') and "<html" not in fragment
    assert "What is the runway?</textarea>" in fragment and 'id="edit-text"' in fragment
    assert '<option selected value="direction_finances">' in fragment
    full = page(ledger, f"/questions/{question_id}/edit")
    assert "<h1>My questions</h1>" in full and "<legend>Edit your question</legend>" in full
    assert f'action="/questions/{question_id}"' in full


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_editing_a_question(ledger, headers):
    question_id = add(ledger)
    response = ledger.client.post(f"/questions/{question_id}", headers=headers, data={
        "edit-text": "Who would I report to?", "edit-category": "role_team",
        "edit-directed_to": str(ledger.staff.engineer), "edit-private": "y"})
    if headers:
        assert response.status_code == 200 and 'role="status">Question saved.' in response.get_data(as_text=True)
    else:
        assert response.status_code == 302 and response.headers["Location"] == "/questions#ledger"
    (question,) = own_questions(ledger)
    assert (question.text, question.directed_to_id, question.private) == (
        "Who would I report to?", ledger.staff.engineer, True)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_invalid_edit_is_422_in_place_and_changes_nothing(ledger, headers):
    question_id = add(ledger, "Original?")
    response = ledger.client.post(f"/questions/{question_id}", headers=headers, data={
        "edit-text": "", "edit-category": "role_team", "edit-directed_to": str(ledger.staff.hidden)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write your question." in body
    if headers:
        assert body.lstrip().startswith(f'<article id="question-{question_id}">')
        assert response.headers["HX-Retarget"] == f"#question-{question_id}"
    else:
        assert "<legend>Edit your question</legend>" in body and "<h1>My questions</h1>" in body
    assert own_questions(ledger)[0].text == "Original?"
    service_refusal = ledger.client.post(f"/questions/{question_id}", headers=headers, data={
        "edit-text": "Changed?", "edit-category": "role_team", "edit-directed_to": str(ledger.staff.hidden)})
    assert service_refusal.status_code == 422
    assert "Choose someone from the list, or Anyone." in service_refusal.get_data(as_text=True)
    assert own_questions(ledger)[0].text == "Original?"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_deleting_a_question(ledger, headers):
    question_id = add(ledger)
    response = ledger.client.post(f"/questions/{question_id}/delete", headers=headers, data={"confirmed": "yes"})
    assert response.status_code == (200 if headers else 302)
    assert own_questions(ledger) == []
    assert "Question deleted." in (response.get_data(as_text=True) if headers else page(ledger))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_marking_answered_and_reopening(ledger, headers):
    question_id = add(ledger)
    response = ledger.client.post(f"/questions/{question_id}/answered", headers=headers)
    assert response.status_code == (200 if headers else 302)
    (question,) = own_questions(ledger)
    assert (question.status, question.answered_via, question.answered_by_id) == ("answered", "candidate", None)
    assert question.answered_at is not None
    html = response.get_data(as_text=True) if headers else page(ledger)
    assert "Marked as answered." in html and "1 of 1 answered" in html and "Marked answered by you · " in html
    ledger.client.post(f"/questions/{question_id}/reopen", headers=headers)
    (question,) = own_questions(ledger)
    assert (question.status, question.answered_at) == ("open", None)


def test_answered_questions_say_how_and_when_in_the_viewers_zone(ledger):
    when = datetime(2026, 11, 24, 19, 5, tzinfo=UTC)
    add(ledger, "Is there a bonus?", "compensation_benefits", status="answered", answered_via="candidate",
        answered_at=when)
    add(ledger, "What is the runway?", "direction_finances", status="answered", answered_via="written",
        answered_at=when, answered_by_id=ledger.staff.cfo, written_answer="About 30 months.\n\nWe are profitable soon.")
    add(ledger, "How is on-call?", "role_team", status="answered", answered_via="conversation",
        answered_at=when, answered_by_id=ledger.staff.engineer)
    html = page(ledger)
    assert "Marked answered by you · Tue 24 Nov 2026, 14:05 EST (America/New_York)" in html
    assert "Written answer from Nadia Cho · Tue 24 Nov 2026, 14:05 EST" in html
    assert "<p>About 30 months.</p><p>We are profitable soon.</p>" in html
    assert "Answered in a conversation with Tom Becker · Tue 24 Nov 2026" in html
    assert "3 of 3 answered" in html and "Who can answer this?" not in html


def test_progress_counts_every_question_whatever_the_filter(ledger):
    add(ledger, "A?", "growth", status="answered", answered_via="candidate", answered_at=datetime.now(UTC))
    add(ledger, "B?", "growth", status="answered", answered_via="candidate", answered_at=datetime.now(UTC))
    add(ledger, "C?", "other")
    for path in ("/questions", "/questions?status=open&category=other"):
        html = page(ledger, path)
        assert "2 of 3 answered" in html and '<progress id="question-progress" value="2" max="3">' in html


def test_filters_by_status_and_category(ledger):
    add(ledger, "Open growth question?", "growth")
    add(ledger, "Answered growth question?", "growth", status="answered", answered_via="candidate",
        answered_at=datetime.now(UTC))
    add(ledger, "Open culture question?", "culture_people")
    shown = page(ledger, "/questions?status=open&category=growth")
    assert "Open growth question?" in shown
    assert "Answered growth question?" not in shown and "Open culture question?" not in shown
    assert "Showing 1 of 3 questions." in shown
    assert '<option selected value="open">' in shown and '<option selected value="growth">' in shown
    answered = page(ledger, "/questions?status=answered")
    assert "Answered growth question?" in answered and "Open growth question?" not in answered
    ignored = page(ledger, "/questions?status=bogus&category=nonsense")
    assert all(text in ignored for text in ("Open growth question?", "Answered growth question?",
                                            "Open culture question?"))
    assert "Showing" not in ignored
    nothing = page(ledger, "/questions?category=compensation_benefits")
    assert "No questions match these filters." in nothing


def test_filter_fragment_and_actions_keep_the_filter(ledger):
    question_id = add(ledger, "Open growth question?", "growth")
    fragment = ledger.client.get("/questions?status=open", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="ledger">')
    assert f'action="/questions/{question_id}/answered?status=open"' in fragment
    response = ledger.client.post(f"/questions/{question_id}/answered?status=open&category=bogus")
    assert response.headers["Location"] == "/questions?status=open#ledger"


def test_adding_from_the_bank_without_javascript(ledger):
    response = ledger.client.post("/questions/bank", data={"key": "growth-01"})
    assert response.status_code == 302 and response.headers["Location"] == "/questions?open=growth#bank"
    html = page(ledger, response.headers["Location"])
    assert "Added to your questions." in html and '<details id="bank-growth" open>' in html
    assert "1 of 8 added" in html and "Added" in text_of(html, "bank-growth")
    # One form for the bank, an Add button for each question not yet added, sending its key.
    assert html.count('action="/questions/bank"') == 1
    assert html.count('data-hx-post="/questions/bank"') == len(BANK_BY_KEY) - 1  # htmx: a request per button
    assert set(re.findall(r'name="key" value="([^"]+)"', html)) == set(BANK_BY_KEY) - {"growth-01"}
    (question,) = own_questions(ledger)
    assert (question.text, question.category, question.bank_key) == (BANK_BY_KEY["growth-01"].text, "growth",
                                                                     "growth-01")


def test_adding_from_the_bank_twice_does_not_duplicate(ledger):
    first = ledger.client.post("/questions/bank", data={"key": "comp-02"}, headers=HTMX).get_data(as_text=True)
    assert 'role="status">Added to your questions.' in first and '<details id="bank-compensation_benefits" open>' in first
    again = ledger.client.post("/questions/bank", data={"key": "comp-02"}, headers=HTMX)
    assert again.status_code == 200 and "That question is already on your list." in again.get_data(as_text=True)
    assert len(own_questions(ledger)) == 1
    assert ledger.client.post("/questions/bank", data={"key": "comp-99"}).status_code == 404
    assert ledger.client.post("/questions/bank").status_code == 404  # no button's key
    assert len(own_questions(ledger)) == 1


def test_deleting_a_bank_question_makes_it_addable_again(ledger):
    ledger.client.post("/questions/bank", data={"key": "culture-01"})
    (question,) = own_questions(ledger)
    ledger.client.post(f"/questions/{question.id}/delete", data={"confirmed": "yes"})
    assert 'name="key" value="culture-01"' in page(ledger)


def test_open_questions_suggest_people_who_can_answer(ledger):
    add(ledger, "How much runway does the company have?", "direction_finances")
    add(ledger, "How are salaries set?", "compensation_benefits")
    add(ledger, "Zebras?", "other")
    html = page(ledger)
    assert html.count("Who can answer this?") == 3
    assert f'<a href="/people/{ledger.staff.cfo}">Nadia Cho</a>' in html
    assert f'<a href="/people/{ledger.staff.vp_people}">Priya Raman</a>' in html
    assert "No one obvious yet" in html
    assert f"/people/{ledger.staff.hidden}" not in html


def test_action_buttons_name_their_question(ledger):
    add(ledger, "How is on-call organised?")
    html = page(ledger)
    for label in ("Edit", "Delete"):
        assert f'{label}<span class="visually-hidden"> the question “How is on-call organised?”</span>' in html
    assert 'Mark answered<span class="visually-hidden">: “How is on-call organised?”</span>' in html


def test_a_directed_question_suggests_someone_else(ledger):
    add(ledger, "How are salaries set?", "compensation_benefits", directed_to_id=ledger.staff.cfo)
    add(ledger, "What is the runway?", "direction_finances", directed_to_id=ledger.staff.cfo)
    html = page(ledger)
    assert html.count("Who else can answer this?") == 1  # nobody else fits the runway question: no line
    assert f'<a href="/people/{ledger.staff.vp_people}">Priya Raman</a>' in html
    assert "No one obvious yet" not in html
