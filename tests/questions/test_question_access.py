"""Who may use the ledger, someone else's question is as good as missing, CSRF, and bounded queries."""

import pytest
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, Auth, csrf_token, page_statements
from question_helpers import add, own_questions

from portal.extensions import db
from portal.questions.models import Question

# endpoint: (method, path with {id} for a question id)
ROUTES = {
    "questions.index": ("GET", "/questions"),
    "questions.create": ("POST", "/questions"),
    "questions.edit": ("GET", "/questions/{id}/edit"),
    "questions.update": ("POST", "/questions/{id}"),
    "questions.delete": ("POST", "/questions/{id}/delete"),
    "questions.mark_answered": ("POST", "/questions/{id}/answered"),
    "questions.reopen": ("POST", "/questions/{id}/reopen"),
    "questions.add_from_bank": ("POST", "/questions/bank"),
}
QUESTION_ROUTES = [name for name, (_, path) in ROUTES.items() if "{id}" in path]


def test_every_questions_route_is_covered_here(ledger):
    endpoints = {rule.endpoint for rule in ledger.app.url_map.iter_rules() if rule.endpoint.startswith("questions.")}
    assert endpoints == set(ROUTES)


def _call(client, endpoint, question_id, headers=None, data=None):
    method, path = ROUTES[endpoint]
    url = path.format(id=question_id)
    if method == "GET":
        return client.get(url, headers=headers or {})
    return client.post(url, headers=headers or {}, data=data or {})


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("endpoint", QUESTION_ROUTES)
def test_another_candidates_question_is_404(ledger, endpoint, headers):
    data = {"edit-text": "Hijacked?", "edit-category": "other", "edit-directed_to": ""}
    response = _call(ledger.client, endpoint, ledger.other_question, headers, data)
    assert response.status_code == 404
    with ledger.app.app_context():
        question = db.session.get(Question, ledger.other_question)
        assert (question.text, question.status) == ("Other candidate's secret question", "open")
        assert question.candidate_id == ledger.other_candidate_id
    assert "secret question" not in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", QUESTION_ROUTES)
def test_a_missing_question_is_404(ledger, endpoint):
    assert _call(ledger.client, endpoint, 999_999).status_code == 404


@pytest.mark.parametrize("role", ["staff", "recruiter", "admin"])
@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_people_who_are_not_candidates_get_403(ledger, role, endpoint):
    client = ledger.app.test_client()
    with ledger.app.app_context():
        user = make_staff("team") if role == "staff" else make_user(role)
        db.session.commit()
        Auth(ledger.app, client).login(user)
    response = _call(client, endpoint, ledger.other_question)
    assert response.status_code == 403
    with ledger.app.app_context():
        assert db.session.get(Question, ledger.other_question).status == "open"


@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(ledger, endpoint):
    response = _call(ledger.app.test_client(), endpoint, ledger.other_question)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("endpoint", list(ROUTES))
def test_a_candidate_account_without_an_offer_gets_404(ledger, endpoint):
    client = ledger.app.test_client()
    with ledger.app.app_context():
        user = make_user("candidate")
        db.session.commit()
        Auth(ledger.app, client).login(user)
    assert _call(client, endpoint, ledger.other_question).status_code == 404


def test_with_csrf_on_a_post_needs_the_token(ledger_csrf):
    client = ledger_csrf.client
    refused = client.post("/questions", data={"text": "Without a token?", "category": "other"})
    assert refused.status_code == 400 and own_questions(ledger_csrf) == []
    added = client.post("/questions", data={"text": "With a token?", "category": "other", "csrf_token": csrf_token(client, "/questions")})
    assert added.status_code == 302
    (question,) = own_questions(ledger_csrf)
    htmx = client.post(f"/questions/{question.id}/answered", headers={**HTMX, "X-CSRFToken": csrf_token(client, "/questions")})
    assert htmx.status_code == 200 and own_questions(ledger_csrf)[0].status == "answered"
    bank = client.post("/questions/bank", data={"key": "other-01", "csrf_token": csrf_token(client, "/questions")})
    assert bank.status_code == 302 and len(own_questions(ledger_csrf)) == 2


def _selects(app, client, path):
    return len(page_statements(app, client, path).selects)


def test_query_count_is_bounded_for_30_questions(ledger):
    with ledger.app.app_context():
        for n in range(20):
            make_staff("team", title=f"Engineer {n}", name=f"Person {n}").profile.topics = "career growth, on-call"
        db.session.commit()
    add(ledger, "What is the runway?", "direction_finances", directed_to_id=ledger.staff.cfo)
    cold = _selects(ledger.app, ledger.client, "/questions")
    few = _selects(ledger.app, ledger.client, "/questions")
    assert cold == few + 1  # the directory is read once, then kept until the people change (generations.py)
    categories = ["role_team", "culture_people", "growth", "compensation_benefits", "direction_finances", "other"]
    for n in range(29):
        answered = {"status": "answered", "answered_via": "written", "answered_by_id": ledger.staff.engineer,
                    "written_answer": "Yes."} if n % 3 == 0 else {}
        add(ledger, f"Question {n} about on-call and fundraising?", categories[n % 6],
            directed_to_id=[ledger.staff.cfo, ledger.staff.vp_people, None][n % 3], **answered)
    many = _selects(ledger.app, ledger.client, "/questions")
    fragment = _selects(ledger.app, ledger.client, "/questions?status=open")
    assert few == many == fragment
    assert many <= 7  # user, candidacy, position, questions (with people), the people's generation, them, suggestions


def test_a_second_candidate_sees_only_their_own(ledger):
    add(ledger, "Jordan's question?")
    client = ledger.app.test_client()
    with ledger.app.app_context():
        someone = make_candidate(name="Sam Other")
        db.session.commit()
        Auth(ledger.app, client).login(someone.user)
    html = client.get("/questions").get_data(as_text=True)
    assert "Jordan&#39;s question?" not in html and "No questions yet." in html
