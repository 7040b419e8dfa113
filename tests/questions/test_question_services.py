"""The ledger's rules without HTTP: validation, answering, progress, the bank, privacy, suggestions."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff
from question_helpers import build_company

from portal.extensions import db
from portal.questions import services
from portal.questions.bank import BANK, BANK_BY_KEY, bank_by_category
from portal.questions.models import CATEGORIES, Question
from portal.questions.services import QuestionError
from portal.questions.suggestions import _pattern, question_words, suggest_people


@pytest.fixture
def candidate(app_ctx):
    return make_candidate(name="Jordan Lee")


def test_the_bank_has_at_least_40_questions_and_5_per_category():
    assert len(BANK) >= 40
    assert len(BANK_BY_KEY) == len(BANK)  # keys are unique
    grouped = bank_by_category()
    assert list(grouped) == list(CATEGORIES)
    for category, items in grouped.items():
        if category != "other":
            assert len(items) >= 5, category
    assert len({q.text for q in BANK}) == len(BANK)
    assert all(len(q.text) <= 1000 and q.text.endswith("?") and len(q.key) <= 40 for q in BANK)


def test_the_bank_is_worded_in_each_readers_language(app):
    """Kept per language: a Spanish page, then an English one, then Japanese, each in its own words."""
    from flask_babel import force_locale

    worded = {}
    with app.test_request_context("/"):
        for language in ("es", "en", "ja", "es"):
            with force_locale(language):
                worded.setdefault(language, []).append(bank_by_category()["role_team"][0].text)
    assert worded == {
        "es": ["¿Cómo sería el éxito en este puesto a los 30, 90 y 365 días?"] * 2,
        "en": ["What would success look like in this role after 30, 90 and 365 days?"],
        "ja": ["このポジションでの成功とは、30日後、90日後、365日後にどのような状態ですか？"],
    }


def test_add_question_cleans_and_stores(candidate):
    staff = make_staff(name="Nadia Cho")
    question = services.add_question(candidate, "  How much runway is there?  ", "direction_finances", staff.id, True)
    assert (question.text, question.category, question.directed_to_id, question.private, question.status) == (
        "How much runway is there?", "direction_finances", staff.id, True, "open")


@pytest.mark.parametrize("text,category,field,message", [
    ("", "other", "text", "Write your question."),
    ("   ", "other", "text", "Write your question."),
    ("x" * 1001, "other", "text", "1000 characters or fewer"),
    ("Fine?", "gossip", "category", "Choose a category"),
])
def test_invalid_questions_are_refused(candidate, text, category, field, message):
    with pytest.raises(QuestionError) as caught:
        services.add_question(candidate, text, category)
    assert caught.value.field == field and message in str(caught.value)


def test_a_question_goes_only_to_visible_active_people(candidate):
    hidden = make_staff(name="Hidden")
    hidden.profile.visible = False
    inactive = make_staff(name="Gone", active=False)
    not_staff = make_candidate().user
    for person_id in (hidden.id, inactive.id, not_staff.id, 999_999, -1):
        with pytest.raises(QuestionError) as caught:
            services.add_question(candidate, "Who decides?", "other", person_id)
        assert caught.value.field == "directed_to"
    assert services.add_question(candidate, "Who decides?", "other", None).directed_to_id is None


def test_update_changes_fields_and_refuses_bad_input(candidate):
    question = services.add_question(candidate, "Old?", "other")
    services.update_question(question, "New?", "growth", None, True)
    assert (question.text, question.category, question.private) == ("New?", "growth", True)
    with pytest.raises(QuestionError):
        services.update_question(question, "", "growth", None, False)


def test_mark_answered_and_reopen(candidate):
    question = services.add_question(candidate, "Is there a bonus?", "compensation_benefits")
    when = datetime(2026, 11, 24, 19, 5, tzinfo=UTC)
    services.mark_answered(question, now=when)
    assert (question.status, question.answered_via, question.answered_by_id, question.answered_at) == (
        "answered", "candidate", None, when)
    services.mark_answered(question, now=datetime(2027, 1, 1, tzinfo=UTC))  # already answered: unchanged
    assert question.answered_at == when
    services.reopen_question(question)
    assert (question.status, question.answered_via, question.answered_at) == ("open", None, None)


def test_progress_and_open_count(candidate):
    assert services.question_progress(candidate) == (0, 0)
    assert services.open_question_count(candidate) == 0
    questions = [services.add_question(candidate, f"Question {n}?", "other") for n in range(5)]
    services.mark_answered(questions[0])
    services.mark_answered(questions[3])
    other = make_candidate()
    services.add_question(other, "Not mine?", "other")
    assert services.question_progress(candidate) == (2, 5)
    assert services.open_question_count(candidate) == 3
    assert services.progress_of(services.candidate_questions(candidate)) == (2, 5)


def test_ledger_order_is_open_first_then_as_added(candidate):
    first = services.add_question(candidate, "First?", "other")
    second = services.add_question(candidate, "Second?", "other")
    third = services.add_question(candidate, "Third?", "other")
    services.mark_answered(first)
    assert [q.id for q in services.candidate_questions(candidate)] == [second.id, third.id, first.id]
    assert [q.id for q in services.filter_questions(services.candidate_questions(candidate), "answered")] == [first.id]


def test_adding_from_the_bank_once(candidate):
    question, created = services.add_from_bank(candidate, "comp-03")
    assert created and question.bank_key == "comp-03" and question.category == "compensation_benefits"
    assert question.text == BANK_BY_KEY["comp-03"].text
    again, created_again = services.add_from_bank(candidate, "comp-03")
    assert (again.id, created_again) == (question.id, False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 1
    with pytest.raises(LookupError):
        services.add_from_bank(candidate, "comp-99")


def test_get_question_only_finds_the_candidates_own(candidate):
    other = make_candidate()
    theirs = services.add_question(other, "Theirs?", "other")
    mine = services.add_question(candidate, "Mine?", "other")
    assert services.get_question(candidate, mine.id) is mine
    assert services.get_question(candidate, theirs.id) is None


def test_recruiters_see_private_questions_exist_but_not_their_text(candidate):
    public = services.add_question(candidate, "How is on-call organised?", "role_team")
    private = services.add_question(candidate, "Would I be paid less than my peers?", "compensation_benefits",
                                    private=True)
    services.mark_answered(private)
    rows = {row["id"]: row for row in services.questions_for_recruiter(services.candidate_questions(candidate))}
    assert rows[public.id] == {"id": public.id, "category_label": "Role and team", "status": "open", "private": False,
                               "answered_at": None, "answered_via": None, "answered_by": None,
                               "text": "How is on-call organised?"}
    assert rows[private.id]["text"] is None
    assert rows[private.id]["private"] is True and rows[private.id]["status"] == "answered"
    assert rows[private.id]["category_label"] == "Compensation and benefits"
    assert rows[private.id]["answered_at"] is not None
    assert "paid less" not in repr(services.questions_for_recruiter(services.candidate_questions(candidate)))


def test_visible_staff_leaves_out_hidden_and_inactive(app_ctx):
    staff = build_company()
    make_staff(name="Gone Person", active=False)
    names = [p.user.name for p in services.visible_staff()]
    assert names == sorted(names)
    assert "Hidden Person" not in names and "Gone Person" not in names
    assert {"Nadia Cho", "Priya Raman", "Tom Becker", "Mei Lin"} <= set(names)
    assert staff.hidden not in {p.user_id for p in services.visible_staff()}


def test_question_words_skip_stop_words():
    assert question_words("How is on-call organised, and who decides the roadmap's priorities?") == [
        "on-call", "organised", "decides", "roadmap", "priorities"]


@pytest.mark.parametrize("term,text", [("promotions", "promotion"), ("promotion", "promotions"),
                                       ("salaries", "salary"), ("salary", "salaries"), ("on-call", "on-call rota")])
def test_terms_match_whole_words_singular_or_plural(term, text):
    assert _pattern(term).search(text)


@pytest.mark.parametrize("term,text", [("pay", "payments"), ("board", "onboarding"), ("ceo", "procedure")])
def test_terms_do_not_match_inside_other_words(term, text):
    assert not _pattern(term).search(text)


def _names(suggestions):
    return [s.profile.user.name for s in suggestions]


def test_suggestions_by_category_and_words(candidate):
    build_company()
    profiles = services.visible_staff()
    questions = {
        "runway": services.add_question(candidate, "Is the company doing well?", "direction_finances"),
        "comp": services.add_question(candidate, "Is there anything unusual in the package?", "compensation_benefits"),
        "growth": services.add_question(candidate, "What would my next step be?", "growth"),
        "words": services.add_question(candidate, "How often is on-call?", "other"),
        "nothing": services.add_question(candidate, "Zebras?", "other"),
    }
    found = suggest_people(list(questions.values()), profiles)
    assert _names(found[questions["runway"].id])[0] == "Nadia Cho"
    assert _names(found[questions["comp"].id]) == ["Priya Raman"]
    assert _names(found[questions["growth"].id]) == ["Tom Becker"]
    assert "career growth" in found[questions["growth"].id][0].reasons
    assert _names(found[questions["words"].id]) == ["Tom Becker"]
    assert found[questions["nothing"].id] == []
    assert all("Hidden Person" not in _names(s) for s in found.values())


def test_suggestions_respect_off_limits_directed_person_and_answered(candidate):
    build_company()
    profiles = services.visible_staff()
    cfo = next(p for p in profiles if p.user.name == "Nadia Cho")
    directed = services.add_question(candidate, "What is the runway?", "direction_finances", cfo.user_id)
    answered = services.add_question(candidate, "What is the runway?", "direction_finances")
    services.mark_answered(answered)
    cfo.off_limits = "salaries"
    salary = services.add_question(candidate, "How are salaries set?", "compensation_benefits")
    cfo.topics = "fundraising, runway, compensation"
    found = suggest_people([directed, answered, salary], profiles)
    assert "Nadia Cho" not in _names(found[directed.id])
    assert answered.id not in found
    assert "Nadia Cho" not in _names(found[salary.id])


def test_role_and_team_questions_suggest_the_team_the_candidate_would_join(candidate):
    build_company()
    question = services.add_question(candidate, "What does a typical week look like?", "role_team")
    found = suggest_people([question], services.visible_staff(), team="Platform")
    assert _names(found[question.id]) == ["Tom Becker"]
    assert "the team you'd join" in found[question.id][0].reasons


def test_at_most_three_suggestions(candidate):
    for n in range(6):
        make_staff(name=f"Finance Person {n}").profile.topics = "fundraising"
    question = services.add_question(candidate, "When is the next fundraising round?", "direction_finances")
    found = suggest_people([question], services.visible_staff())
    assert len(found[question.id]) == 3
