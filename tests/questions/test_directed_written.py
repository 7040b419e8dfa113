"""A question for someone in particular reaches them by e-mail, with a link to answer in writing."""

import re

import sqlalchemy as sa
from factories import make_candidate, make_staff
from helpers import Auth, csrf_in, csrf_token, deliver_mail

from portal.extensions import db
from portal.questions.models import Question


def test_directed_question_mails_the_person_and_their_answer_lands_in_the_ledger(app, client, smtp):
    with app.app_context():
        tom = make_staff("team", name="Tom Becker", email="tom@example.com")
        candidate = make_candidate(name="Jordan Lee")
        Auth(app, client).login(candidate.user)
        db.session.commit()
        tom_id = tom.id
    client.post("/questions", data={"text": "How is on-call organised?", "category": "role_team",
                                    "directed_to": str(tom_id), "csrf_token": csrf_token(client, "/questions")})
    client.post("/questions", data={"text": "Anyone can answer this", "category": "other",
                                    "csrf_token": csrf_token(client, "/questions")})
    deliver_mail(app)
    (mail,) = smtp.messages_to("tom@example.com")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "How is on-call organised?" in text
    path = re.search(r"https?://[^/\s]+(/answer/\S+)", text).group(1)

    person = app.test_client()
    page = person.get(path).get_data(as_text=True)
    field = re.search(r'<textarea[^>]*name="([^"]+)"', page).group(1)
    token = csrf_in(page)
    assert person.post(path, data={field: "Two weeks a year, with a paid day off after.", "csrf_token": token}
                       ).status_code in (200, 302)
    with app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.text == "How is on-call organised?"))
        assert (question.status, question.answered_via, question.answered_by_id) == ("answered", "written", tom_id)
    ledger = client.get("/questions").get_data(as_text=True)
    assert "Two weeks a year, with a paid day off after." in ledger
