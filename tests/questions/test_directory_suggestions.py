"""The ledger's "Who can answer this?" over a whole directory: the same people, reasons and order as
scoring every visible profile one by one (``suggest_people``), for words that only look alike too."""

from __future__ import annotations

import pytest
from factories import make_candidate, make_staff
from question_helpers import add

from portal.extensions import db
from portal.people.picker import SMALL_LIST
from portal.questions import services
from portal.questions.suggestions import suggest_from_directory, suggest_people


@pytest.fixture
def candidate(app_ctx):
    return make_candidate(name="Jordan Lee")


def _staff(name, topics="", title="Engineer", team="Platform", off_limits="", visible=True, active=True):
    user = make_staff(title=title, team=team, name=name)
    user.profile.topics, user.profile.off_limits, user.profile.visible = topics, off_limits, visible
    user.active = active
    return user


def _shown(found) -> dict:
    return {qid: [(s.profile.user.name, [str(r) for r in s.reasons]) for s in people] for qid, people in found.items()}


def _links(found) -> dict:
    return {qid: [(s.profile.user_id, s.profile.title) for s in people] for qid, people in found.items()}


def test_directory_suggestions_match_scoring_everyone(candidate):
    _staff("Ann Pay", "Salaries , total rewards,, payroll")
    _staff("Ben Renewal", "renewals, newsletters, reopening")  # only look like "new", "open"
    _staff("Cat Call", "ON-CALL, code reviews", title="Site Reliability Engineer")
    _staff("Dan Quiet", "salaries, on-call", off_limits="equity, Salary")  # would rather not discuss salaries
    _staff("Eve Team", team="Payments")
    _staff("Fay Team", team="payments")
    _staff("Gus Gone", "salaries, on-call", visible=False)
    _staff("Hal Left", "salaries, on-call", active=False)
    _staff("İda Growth", "İnclusion, growth", title="People Partner", team="People")
    _staff("Al Growth", "career growth", title="Engineering Manager")
    asked = _staff("Ivy Asked", "salaries", team="Payments")
    questions = [
        services.add_question(candidate, "How are salaries and payroll reviewed?", "compensation_benefits"),
        services.add_question(candidate, "Is there anything new or open in on-call?", "role_team"),
        services.add_question(candidate, "How does growth work here?", "growth"),
        services.add_question(candidate, "Who reviews code?", "role_team", directed_to_id=asked.id),
        services.add_question(candidate, "Why?", "other"),
    ]
    answered = services.add_question(candidate, "What about salaries?", "compensation_benefits")
    services.mark_answered(answered)
    db.session.flush()
    questions.append(answered)

    for team, limit in (("Payments", 3), ("Payments", 10), ("", 10), (None, 3)):
        found = suggest_from_directory(questions, team=team, limit=limit)
        scored = suggest_people(questions, services.visible_staff(), team=team, limit=limit)
        assert _shown(found) == _shown(scored)
        assert _links(found) == _links(scored)  # each person's link and title, read from the kept directory
    salaries, on_call, growth, asked_question, why, _answered = (q.id for q in questions)
    shown = _shown(found)
    assert shown[salaries] == [("Ann Pay", ["salary", "total rewards", "payroll"]), ("Ivy Asked", ["salary", "salaries"])]
    assert shown[on_call][0] == ("Cat Call", ["on-call", "code review"])
    assert "Ben Renewal" not in [name for name, _ in shown[on_call]]  # "renewals" is no "new", "reopening" no "open"
    assert [name for name, _ in shown[growth]] == ["Al Growth", "İda Growth"]
    assert "Ivy Asked" not in [name for name, _ in shown[asked_question]]
    assert shown[why] == [] and answered.id not in shown

    everyone = _shown(suggest_from_directory(questions, team="Payments", limit=10))
    assert ("Eve Team", ["the team you'd join"]) in everyone[on_call]
    assert ("Fay Team", ["the team you'd join"]) in everyone[on_call]
    assert "Dan Quiet" not in [name for name, _ in everyone[salaries]]  # "Salary" is off limits
    assert not {"Gus Gone", "Hal Left"} & {name for found in everyone.values() for name, _ in found}


def test_a_large_directory_suggests_on_the_page_and_offers_a_search(ledger):
    with ledger.app.app_context():
        for n in range(SMALL_LIST):
            _staff(f"Zz Filler {n:02d}", "design systems")
        db.session.commit()
    add(ledger, "How much runway does the company have?", "direction_finances")
    html = ledger.client.get("/questions").get_data(as_text=True)
    assert f'<a href="/people/{ledger.staff.cfo}">Nadia Cho</a>' in html
    assert "Zz Filler" not in html  # no <select> of everyone: a search box, and no filler suggested
