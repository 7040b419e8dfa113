""""Who can answer this?": people in the directory whose topics, title or team fit a question.

``suggest_people`` is pure Python over profiles loaded once, so a page of any number of questions
costs no extra queries. ``suggest_from_directory`` (the ledger) first narrows the directory in SQL
to the people who could score at all, so a company of thousands is not scored person by person. A question's category brings a few terms of its own (compensation → benefits, equity…);
the question's own words are matched too. Someone whose "rather not discuss" list matches is
never suggested for that question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..i18n import _l
from ..people import picker
from ..people.models import StaffProfile

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


def _terms(question) -> list[tuple[str, int]]:
    """(term, weight): the category's terms (2), then the question's own words (1)."""
    terms = [(term, 2) for term in CATEGORY_TERMS.get(question.category, ())]
    known = {term for term, _ in terms}
    return terms + [(word, 1) for word in question_words(question.text) if word not in known]


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
        terms = _terms(question)
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


def _stem(term: str) -> str:
    """Text every match of ``_pattern(term)`` contains (so a SQL ``LIKE`` on it misses no one)."""
    if len(term) > 4 and term.endswith("ies"):
        return term[:-3]
    if len(term) > 4 and (term.endswith("y") or (term.endswith("s") and not term.endswith("ss"))):
        return term[:-1]
    return term


def _contains_any(column, stems):
    """Any stem in ``column``, case-blind. The stems are lower-case ASCII; SQLite's LIKE ignores
    ASCII case by itself, so no lower() per row and stem (PostgreSQL: ILIKE)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.or_(*(column.contains(stem, autoescape=True) for stem in stems))
    return sa.or_(*(column.icontains(stem, autoescape=True) for stem in stems))


def _by_codepoint(column):
    """Python's order of names (ties in ``suggest_people``), also on PostgreSQL's locale collations."""
    return column.collate("C") if db.session.get_bind().dialect.name == "postgresql" else column


def suggest_from_directory(questions, *, team: str | None = None, limit: int = 3) -> dict[int, list[Suggestion]]:
    """``suggest_people`` over the people candidates can see, without loading the whole directory.

    Someone scores only when a term is found in their topics or their title and team, so SQL first
    keeps those whose text contains a term's stem (``LIKE``: never fewer than the whole-word
    match); the team bonus of a role question adds the team's first ``limit`` names (plus one per
    person a question is directed to, who is skipped) and any team member whose "rather not
    discuss" list might exclude them. ``suggest_people`` then scores only these, with the same
    result as over everyone. One query, whatever the size of the directory.
    """
    open_questions = [q for q in questions if not q.is_answered]
    stems = sorted({_stem(term) for q in open_questions for term, _weight in _terms(q)})
    own_team = (team or "").strip().lower()
    team_bonus = own_team and any(q.category == "role_team" for q in open_questions)
    if not open_questions or not (stems or team_bonus):
        return suggest_people(open_questions, [], team=team, limit=limit)
    visible = picker.scope_query("directory")  # the people candidates can see
    wanted = []
    if stems:
        # Topics, then title and team: one text, so each stem is looked for once per person.
        text = StaffProfile.topics + " | " + StaffProfile.title + " " + StaffProfile.team
        wanted.append(_contains_any(text, stems))
    if team_bonus:
        in_team = (StaffProfile.visible.is_(True), User.active.is_(True), sa.func.lower(StaffProfile.team) == own_team)
        spare = limit + len({q.directed_to_id for q in open_questions if q.directed_to_id is not None})
        maybe_off = _contains_any(StaffProfile.off_limits, stems) if stems else sa.false()
        first = (sa.select(StaffProfile.user_id).outerjoin(StaffProfile.user).where(*in_team, sa.not_(maybe_off))
                 .order_by(_by_codepoint(User.name), StaffProfile.user_id).limit(spare).scalar_subquery())
        wanted.append(sa.and_(in_team[2], sa.or_(maybe_off, StaffProfile.user_id.in_(first))))
    found = list(db.session.scalars(visible.where(sa.or_(*wanted))))
    return suggest_people(open_questions, found, team=team, limit=limit)
