"""Recorded answers where the candidate meets them: the question list (the answer's player; an open bank
question someone has answered for everyone, with "Mark answered by this recording"), a profile ("Watch
Amara answer 2 questions"), the recruiter's view of the list (that an answer exists, never its content),
and a deleted question taking its recording's file with it."""

from __future__ import annotations

import sqlalchemy as sa
import pytest
from factories import make_staff
from helpers import HTMX, T0, Auth, csrf_token, page_statements, text_of
from recordings_candidate_helpers import CULTURE, RUNWAY, WISH, build, upload

from portal.auth.models import User
from portal.extensions import db
from portal.people.models import StaffProfile
from portal.questions.models import Question
from portal.recordings import services
from portal.recordings.media import media_dir
from portal.recordings.models import Recording


@pytest.fixture
def company(app, frozen):
    return build(app)


def _as(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


def _post(client, path: str, page: str = "/questions", **headers):
    return client.post(path, data={"csrf_token": csrf_token(client, page)}, headers=headers)


def _question(app, question_id: int) -> Question:
    with app.app_context():
        question = db.session.get(Question, question_id)
        db.session.expunge(question)
        return question


def _files(app) -> set[str]:
    with app.app_context():
        return {p.name for p in media_dir().iterdir() if not p.name.startswith(".")}


def _file_of(app, recording_id: int) -> str:
    with app.app_context():
        return db.session.get(Recording, recording_id).file_key


# --- the question list --------------------------------------------------------------------------


def test_the_list_plays_an_answer_and_says_who_answered_and_when_in_the_viewers_zone(app, company):
    html = _as(app, company.jordan_user).get("/questions").get_data(as_text=True)
    own = text_of(html, f"question-{company.own}")
    assert "Recorded answer from Tom Becker" in own
    assert "Audio answer by Tom Becker, 0:01 long, recorded Mon 3 Mar 2031, 07:00 EST (America/New_York)" in own
    assert "Pairing with me, then your first on-call shadow." in own  # the summary, as text
    assert f'src="/recordings/{company.for_jordan}/media?v=' in html
    assert f'src="/recordings/{company.for_jordan}/captions.vtt?v=' in html
    # The private question's answer plays for Jordan too (it is theirs).
    assert f'src="/recordings/{company.private_answer}/media?v=' in html


def test_an_open_bank_question_offers_a_listed_persons_answer_for_everyone(app, company):
    html = _as(app, company.jordan_user).get("/questions").get_data(as_text=True)
    culture = text_of(html, f"question-{company.culture}")
    assert "Amara Okafor recorded an answer to this" in culture and "Watch Amara's answer" in culture
    assert "We argue in writing, then the owner decides." in culture
    assert f'action="/questions/{company.culture}/recording/{company.culture_answer}"' in html
    # The runway question's only answer is by someone hidden from the directory: no offer.
    runway = text_of(html, f"question-{company.runway}")
    assert "recorded an answer" not in runway and "About three years." not in html
    # Nobody sees another person's answer for everyone offered on a question it doesn't answer.
    assert "How much customers shape the roadmap." not in html


def test_marking_a_question_answered_by_a_recording_without_javascript(app, company):
    client = _as(app, company.jordan_user)
    response = _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}?status=open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions?status=open#ledger")
    question = _question(app, company.culture)
    assert (question.status, question.answered_via, question.answered_by_id, question.answered_at) == \
        ("answered", "recording", company.amara, T0)
    page = client.get("/questions").get_data(as_text=True)
    assert "Marked answered by Amara Okafor&#39;s recording." in page
    culture = text_of(page, f"question-{company.culture}")
    assert "Recorded answer from Amara Okafor" in culture and "Mark answered by this recording" not in culture
    assert f'src="/recordings/{company.culture_answer}/media?v=' in page


def test_marking_with_htmx_swaps_the_ledger_in_place(app, company):
    client = _as(app, company.jordan_user)
    response = _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}", **HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="ledger">')
    assert "Marked answered by Amara Okafor&#39;s recording." in html and "3 of 4 answered" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_mismatched_or_unplayable_recordings_are_refused_with_a_message(app, company, htmx):
    client = _as(app, company.jordan_user)
    headers = HTMX if htmx else {}
    cases = [
        (company.culture, company.wish_answer, "That recording answers a different question."),
        (company.runway, company.hidden_answer, "That recording is no longer available"),
        (company.culture, 987654, "That recording is no longer available"),
        (company.culture, company.for_jordan, "That recording is no longer available"),  # not for everyone
        (company.own, company.culture_answer, "That recording answers a different question."),  # not a bank question
    ]
    for question_id, recording_id, message in cases:
        response = _post(client, f"/questions/{question_id}/recording/{recording_id}", **headers)
        if htmx:
            assert response.status_code == 422 and message in response.get_data(as_text=True)
        else:
            assert response.status_code == 302
            assert message in client.get("/questions").get_data(as_text=True)
        assert _question(app, company.culture).status == "open" and _question(app, company.runway).status == "open"
    services_done = _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}")
    assert services_done.status_code == 302
    again = _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}", **headers)
    assert "This question is already answered." in (again.get_data(as_text=True) if htmx
                                                   else client.get("/questions").get_data(as_text=True))


def test_someone_elses_question_is_a_404(app, company):
    with app.app_context():
        sams = Question(candidate_id=company.sam, text="Sam's question", category="other", bank_key=CULTURE)
        db.session.add(sams)
        db.session.commit()
        sams_id = sams.id
    response = _post(_as(app, company.jordan_user), f"/questions/{sams_id}/recording/{company.culture_answer}")
    assert response.status_code == 404 and _question(app, sams_id).status == "open"
    assert _post(_as(app, company.jordan_user), f"/questions/99999/recording/{company.culture_answer}").status_code == 404


def test_the_lists_queries_stay_the_same_whatever_the_number_of_questions_and_recordings(app, company):
    client = _as(app, company.jordan_user)
    client.get("/questions")  # the directory read once (kept until the people change, generations.py)
    few = len(page_statements(app, client, "/questions").selects)
    keys = ["role-01", "role-02", "growth-01", "growth-02", "comp-01", "culture-02", "culture-03", "other-02"]
    with app.app_context():
        people = [make_staff("team", name=f"Person {n}") for n in range(3)]
        for n, key in enumerate(keys):
            question = Question(candidate_id=company.jordan, text=f"Bank question {n}", category="other", bank_key=key)
            own = Question(candidate_id=company.jordan, text=f"Own question {n}", category="other")
            db.session.add_all([question, own])
            db.session.flush()
            for person in people[: n % 3 + 1]:
                services.record_for_everyone(person, key, upload("ogg", 0.5), f"Answer {n}")
            services.answer_question(people[n % 3], own, upload("ogg", 0.5), f"Own answer {n}")
            if n % 2:
                services.mark_answered_by(db.session.get(Question, question.id).candidate, question,
                                          services.bank_recording(people[0].id, key))
        db.session.commit()
    html = client.get("/questions").get_data(as_text=True)
    # Amara's culture answer, then the open bank questions 0, 2, 4, 6 with 1, 3, 2 and 1 answers each.
    assert html.count("Mark answered by this recording") == 1 + 1 + 3 + 2 + 1
    many = len(page_statements(app, client, "/questions").selects)
    assert few == many


# --- the profile --------------------------------------------------------------------------------


def test_a_profile_lists_the_persons_answers_for_everyone_with_what_the_candidate_can_do(app, company):
    html = _as(app, company.jordan_user).get(f"/people/{company.amara}").get_data(as_text=True)
    section = text_of(html, "recorded-answers")
    assert "Watch Amara answer 2 questions" in section
    assert "How do people disagree here, and what happens after a decision is made?" in section
    assert "What do you wish you had known before you joined?" in section
    assert "We argue in writing, then the owner decides." in section and "How much customers shape" in section
    assert "recorded Mon 3 Mar 2031, 07:00 EST (America/New_York)" in section
    # Jordan has the culture question, open: mark it; not the other one: add it.
    assert f'action="/questions/{company.culture}/recording/{company.culture_answer}?back=profile"' in html
    assert f'action="/recordings/{company.wish_answer}/add-question"' in html
    assert "Mark my question answered" in section and "Add this question to my list" in section


def test_one_answer_reads_one_question_and_audio_is_listened_to(app, company):
    with app.app_context():
        person = make_staff("team", name="Lena Novak")
        services.record_for_everyone(person, WISH, upload("ogg"), "Just one.")
        db.session.commit()
        person_id = person.id
    html = _as(app, company.sam_user).get(f"/people/{person_id}").get_data(as_text=True)
    assert "Listen to Lena answer 1 question" in text_of(html, "recorded-answers")
    nothing = _as(app, company.sam_user).get(f"/people/{company.tom}").get_data(as_text=True)
    assert 'id="recorded-answers"' not in nothing  # Tom's answer to Jordan is no one else's business


def test_marking_from_the_profile_comes_back_to_the_recording(app, company):
    client = _as(app, company.jordan_user)
    page = f"/people/{company.amara}"
    response = _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}?back=profile", page)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/people/{company.amara}#recording-{company.culture_answer}"
    html = client.get(page).get_data(as_text=True)
    assert "Marked answered by Amara Okafor&#39;s recording." in html
    assert "Answered on your list by this recording." in text_of(html, "recorded-answers")
    assert _question(app, company.culture).answered_via == "recording"


def test_adding_the_question_from_the_profile_then_marking_it(app, company):
    client = _as(app, company.jordan_user)
    page = f"/people/{company.amara}"
    response = _post(client, f"/recordings/{company.wish_answer}/add-question", page)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#recording-{company.wish_answer}")
    html = client.get(page).get_data(as_text=True)
    assert "Added to your questions: “What do you wish you had known before you joined?”" in html
    with app.app_context():
        added = db.session.scalar(sa.select(Question).where(Question.candidate_id == company.jordan,
                                                            Question.bank_key == WISH))
        assert added.status == "open"
    assert f'action="/questions/{added.id}/recording/{company.wish_answer}?back=profile"' in html
    twice = _post(client, f"/recordings/{company.wish_answer}/add-question", page)
    assert twice.status_code == 303 and "already on your list" in client.get(page).get_data(as_text=True)
    # Not an answer for everyone, or not one Jordan may play: 404, nothing added.
    for recording_id in (company.for_jordan, company.hidden_answer, 987654):
        assert _post(client, f"/recordings/{recording_id}/add-question", page).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)
                                 .where(Question.bank_key == RUNWAY, Question.candidate_id == company.jordan)) == 1


def test_a_hidden_persons_answers_are_not_offered_or_played_in_the_list(app, company):
    client = _as(app, company.jordan_user)
    _post(client, f"/questions/{company.culture}/recording/{company.culture_answer}")
    with app.app_context():
        db.session.get(StaffProfile, company.amara).visible = False
        db.session.commit()
    html = client.get("/questions").get_data(as_text=True)
    culture = text_of(html, f"question-{company.culture}")
    assert "Recorded answer from Amara Okafor" in culture and "The recording is no longer available." in culture
    assert f"/recordings/{company.culture_answer}/media" not in html
    assert client.get(f"/people/{company.amara}").status_code == 404


# --- the recruiter ------------------------------------------------------------------------------


def test_the_recruiter_sees_that_an_answer_exists_never_its_content(app, company):
    client = _as(app, company.recruiter)
    html = client.get(f"/recruiter/candidates/{company.jordan}").get_data(as_text=True)
    assert "What would my first month look like?" in html
    assert "answered with a recording by Tom Becker, Mon 3 Mar 2031, 12:00 GMT (Europe/London)" in html
    # The private question: that it is answered with a recording, not by whom (that would say whom it was for).
    assert "Why did the last engineer leave?" not in html
    assert html.count("answered with a recording") == 2 and "Tom Becker, Mon" in html
    for secret in ("Pairing with me", "Moved abroad", "/recordings/", "Hello Jordan"):
        assert secret not in html
    assert client.get(f"/recordings/{company.for_jordan}/media").status_code == 404


# --- a deleted question -------------------------------------------------------------------------


def test_deleting_a_question_deletes_its_recording_and_the_file(app, company):
    own_file, private_file = _file_of(app, company.for_jordan), _file_of(app, company.private_answer)
    assert {own_file, private_file} <= _files(app)
    client = _as(app, company.jordan_user)
    response = client.post(f"/questions/{company.own}/delete",
                           data={"csrf_token": csrf_token(client, "/questions"), "confirmed": "yes"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Recording, company.for_jordan) is None
    files = _files(app)
    assert own_file not in files and private_file in files


def test_the_profiles_queries_stay_the_same_whatever_the_number_of_answers(app, company):
    client = _as(app, company.jordan_user)
    few = len(page_statements(app, client, f"/people/{company.amara}").selects)
    with app.app_context():
        amara = db.session.get(User, company.amara)
        for n, key in enumerate(["role-01", "role-02", "growth-01", "comp-01", "direction-02"]):
            services.record_for_everyone(amara, key, upload("ogg", 0.5), f"Answer {n}")
            if n % 2:
                db.session.add(Question(candidate_id=company.jordan, text=f"Q {n}", category="other", bank_key=key))
        db.session.commit()
    html = client.get(f"/people/{company.amara}").get_data(as_text=True)
    assert "Watch Amara answer 7 questions" in html
    assert len(page_statements(app, client, f"/people/{company.amara}").selects) == few
