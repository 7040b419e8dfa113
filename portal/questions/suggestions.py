""""Who can answer this?": people in the directory whose topics, title or team fit a question.

Pure Python over profiles loaded once, so a page of any number of questions costs no extra
queries. A question's category brings a few terms of its own (compensation → benefits, equity…);
the question's own words are matched too. Someone whose "rather not discuss" list matches is
never suggested for that question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..i18n import _l

CATEGORY_TERMS: dict[str, tuple[str, ...]] = {  # matched singular or plural, as whole words
    "role_team": ("on-call", "architecture", "code review", "roadmap", "product", "tech stack",
                  "engineering practices", "engineering management", "engineering manager", "hiring manager",
                  "delivery"),
    "culture_people": ("culture", "people", "diversity", "inclusion", "remote", "hybrid", "wellbeing",
                       "well-being", "values", "onboarding", "hiring", "working hours", "parental leave"),
    "growth": ("career growth", "career", "mentoring", "mentorship", "promotion", "learning", "growth", "coaching",
               "management track", "career ladder"),
    "compensation_benefits": ("compensation", "benefits", "salary", "equity", "stock options", "bonus", "pension",
                              "total rewards", "payroll", "people operations"),
    "direction_finances": ("fundraising", "strategy", "runway", "finance", "revenue", "vision", "board", "investor",
                           "business model", "go-to-market", "chief executive", "chief financial", "ceo", "cfo",
                           "profitability"),
    "other": (),
}

STOPWORDS = frozenset("""
a about after again all also am an and any are as at be been before being both but by can could
did do does doing done during each else ever every for from get gets getting had has have having
he her here him his how i if in into is it its just know like look looks made make many may me
might more most much my no not now of off on once one only or other our out over own per really
same she should so some such than that the their them then there these they this those through
to too under until up upon us very was we were what when where which while who whom whose why
will with would yes yet you your yours
company team role work working job person someone anyone people's thing things think want
""".split())

WORD = re.compile(r"[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*")
MAX_WORDS = 25

# Lazy: a mail lists the reasons in its reader's language, whoever's request or task built the list.
TEAM_REASON = _l("the team you'd join")


@dataclass(frozen=True)
class Suggestion:
    profile: object  # StaffProfile
    reasons: tuple[str, ...]  # the topics or words that matched, for "why this person"


@lru_cache(maxsize=2048)
def _pattern(term: str) -> re.Pattern:
    """Whole words, singular or plural: "promotion" finds "promotions", "salary" finds "salaries"."""
    if len(term) > 4 and term.endswith("ies"):
        stem, tail = re.escape(term[:-3]), "(?:y|ies)"
    elif len(term) > 4 and term.endswith("y"):
        stem, tail = re.escape(term[:-1]), "(?:y|ies)"
    elif len(term) > 4 and term.endswith("s") and not term.endswith("ss"):
        stem, tail = re.escape(term[:-1]), "(?:s|es)?"
    else:
        stem, tail = re.escape(term), "(?:s|es)?"
    return re.compile(rf"(?<![a-z0-9]){stem}{tail}(?![a-z0-9])")


def question_words(text: str) -> list[str]:
    """The words of a question worth matching: no stop words, nothing shorter than three letters."""
    words = []
    for word in WORD.findall((text or "").lower()):
        word = word.removesuffix("'s")
        if len(word) >= 3 and word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


@dataclass
class _Person:
    profile: object
    topics: str
    role: str
    off_limits: str
    team: str


def _people(profiles) -> list[_Person]:
    return [_Person(p, ", ".join(p.topic_list).lower(), f"{p.title} {p.team}".lower(),
                    ", ".join(p.off_limits_list).lower(), (p.team or "").lower()) for p in profiles]


def _score(person: _Person, terms: list[tuple[str, int]]) -> tuple[int, list[str]] | None:
    """(score, matched terms), or None when the person would rather not discuss one of the terms."""
    score, reasons = 0, []
    for term, weight in terms:
        pattern = _pattern(term)
        if person.off_limits and pattern.search(person.off_limits):
            return None
        if pattern.search(person.topics):
            score += weight + 1
            reasons.append(term)
        elif pattern.search(person.role):
            score += weight
            reasons.append(term)
    return score, reasons


def suggest_people(questions, profiles, *, team: str | None = None,
                   limit: int = 3) -> dict[int, list[Suggestion]]:
    """Up to ``limit`` people for each open question, best match first: {question id: [Suggestion]}.

    ``profiles`` are the people the candidate may see (loaded once by the caller); ``team`` is the
    team the candidate would join, whose members are good people to ask about the role and team.
    The person a question is already directed to is not suggested again.
    """
    people = _people(profiles)
    own_team = (team or "").lower()
    result: dict[int, list[Suggestion]] = {}
    for question in questions:
        if question.is_answered:
            continue
        terms = [(term, 2) for term in CATEGORY_TERMS.get(question.category, ())]
        known = {term for term, _ in terms}
        terms += [(word, 1) for word in question_words(question.text) if word not in known]
        ranked = []
        for person in people:
            if person.profile.user_id == question.directed_to_id:
                continue
            scored = _score(person, terms)
            if scored is None:
                continue
            score, reasons = scored
            if question.category == "role_team" and own_team and person.team == own_team:
                score += 2
                reasons.append(TEAM_REASON)
            if score:
                profile = person.profile
                ranked.append((-score, profile.user.name, profile.user_id, profile, reasons))
        ranked.sort(key=lambda row: row[:3])
        result[question.id] = [Suggestion(profile, tuple(reasons[:3]))
                               for *_, profile, reasons in ranked[:limit]]
    return result
