"""Deleting a question asks first (issue 15, item 13): without JavaScript the first POST only asks,
on a page of its own; only a POST carrying the confirmation deletes. htmx asks in the browser
(data-hx-confirm) and sends the confirmation with its one request."""

import json
import re

import pytest
from helpers import HTMX, csrf_in, text_of
from question_helpers import add, own_questions

TEXT = "Why did people leave the team in the last year?"


def test_a_delete_without_confirmation_changes_nothing_and_asks(ledger):
    question_id = add(ledger, TEXT)
    response = ledger.client.post(f"/questions/{question_id}/delete?status=open")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = text_of(html)
    assert "Delete this question?" in words and TEXT in words and "This can't be undone." in words
    assert '<h1 id="confirm-delete-' in html
    # [Delete] posts the confirmation, filters kept; [Keep it] goes back to the question in the ledger
    form = re.search(r'<form method="post" action="(/questions/[^"]+)"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert form.group(1) == f"/questions/{question_id}/delete?status=open"
    assert '<input type="hidden" name="confirmed" value="yes">' in form.group(2)
    assert f'href="/questions?status=open#question-{question_id}" role="button"' in html
    assert [q.text for q in own_questions(ledger)] == [TEXT]
    assert "Question deleted." not in ledger.client.get("/questions").get_data(as_text=True)


def test_the_confirmed_delete_deletes(ledger):
    question_id = add(ledger, TEXT)
    response = ledger.client.post(f"/questions/{question_id}/delete", data={"confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/questions#ledger"
    assert own_questions(ledger) == []
    page = ledger.client.get("/questions").get_data(as_text=True)
    assert "Question deleted." in page and TEXT not in page


@pytest.mark.parametrize("confirmed", ["", "no", "1"])
def test_anything_but_the_confirmation_deletes_nothing(ledger, confirmed):
    question_id = add(ledger, TEXT)
    assert ledger.client.post(f"/questions/{question_id}/delete", data={"confirmed": confirmed}).status_code == 200
    assert [q.text for q in own_questions(ledger)] == [TEXT]


def test_the_ledger_button_asks_with_htmx_then_sends_the_confirmation(ledger):
    question_id = add(ledger, TEXT)
    html = ledger.client.get("/questions").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="/questions/{question_id}/delete"[^>]*>', html).group(0)
    assert '''data-hx-confirm="Delete this question? This can't be undone."''' in form
    assert json.loads(re.search(r"data-hx-vals='([^']+)'", form).group(1)) == {"confirmed": "yes"}
    # htmx's one request (the dialog said yes): the ledger comes back without the question
    response = ledger.client.post(f"/questions/{question_id}/delete", headers=HTMX, data={"confirmed": "yes"})
    assert response.status_code == 200 and own_questions(ledger) == []
    assert 'role="status">Question deleted.' in response.get_data(as_text=True)


def test_htmx_without_the_confirmation_asks_in_the_questions_place(ledger):
    question_id = add(ledger, TEXT)
    response = ledger.client.post(f"/questions/{question_id}/delete", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#question-{question_id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<article id="question-{question_id}"') and "<html" not in body
    assert '<h3 id="confirm-delete-' in body and TEXT in body
    assert [q.text for q in own_questions(ledger)] == [TEXT]


def test_the_confirmation_page_carries_a_csrf_token(ledger_csrf):
    """With CSRF on, the page's [Delete] form works as it is."""
    question_id = add(ledger_csrf, TEXT)
    token = csrf_in(ledger_csrf.client.get("/questions").get_data(as_text=True))
    asked = ledger_csrf.client.post(f"/questions/{question_id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    form_token = csrf_in(asked.get_data(as_text=True))
    done = ledger_csrf.client.post(f"/questions/{question_id}/delete",
                                   data={"csrf_token": form_token, "confirmed": "yes"})
    assert done.status_code == 302 and own_questions(ledger_csrf) == []
