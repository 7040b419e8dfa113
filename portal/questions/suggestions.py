""""Who can answer this?": people in the directory whose topics, title or team fit a question.

``suggest_people`` is pure Python over profiles loaded once, so a page of any number of questions
costs no extra queries. ``suggest_from_directory`` (the ledger) gives the same answer over everyone
candidates can see without building a profile per person: it reads the directory as plain text and
looks for each term once across everyone, so a company of thousands is not scored person by person.
A question's category brings a few terms of its own (compensation → benefits, equity…); the
question's own words are matched too. Someone whose "rather not discuss" list matches is never
suggested for that question.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from itertools import accumulate
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..generations import cached
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
    profile: object  # StaffProfile, or Listed (the kept directory's row: what a suggestion shows of one)
    reasons: tuple[str, ...]  # the topics or words that matched, for "why this person"


@dataclass(frozen=True)
class ListedUser:
    name: str


@dataclass(frozen=True)
class Listed:
    """A person as the kept directory lists them (``Directory``), read as a profile is (``user_id``,
    ``title``, ``user.name``): a suggestion shows no more, so the people suggested need not be read again."""

    user_id: int
    title: str
    user: ListedUser


def _parts(term: str) -> tuple[str, str]:
    """(the letters every match starts with, the endings that may follow them: a pattern)."""
    if len(term) > 4 and term.endswith("ies"):
        return term[:-3], "(?:y|ies)"
    if len(term) > 4 and term.endswith("y"):
        return term[:-1], "(?:y|ies)"
    if len(term) > 4 and term.endswith("s") and not term.endswith("ss"):
        return term[:-1], "(?:s|es)?"
    return term, "(?:s|es)?"


@lru_cache(maxsize=2048)
def _pattern(term: str) -> re.Pattern:
    """Whole words, singular or plural: "promotion" finds "promotions", "salary" finds "salaries"."""
    stem, tail = _parts(term)
    return re.compile(rf"(?<![a-z0-9]){re.escape(stem)}{tail}(?![a-z0-9])")


@lru_cache(maxsize=2048)
def _ending(term: str) -> re.Pattern:
    """What ``_pattern(term)`` wants after the term's first letters (``_parts``)."""
    return re.compile(rf"{_parts(term)[1]}(?![a-z0-9])")


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


def directory_rows() -> list:
    """Everyone candidates can see in the directory, as plain rows (``user_id``, ``name``,
    ``topics``, ``title``, ``team``, ``off_limits``): one query, no profiles built."""
    return db.session.connection().execute(  # Core rows: no ORM loading step per row
        sa.select(StaffProfile.user_id, User.name, StaffProfile.topics, StaffProfile.title, StaffProfile.team,
                  StaffProfile.off_limits)
        .outerjoin(StaffProfile.user).where(*picker.SCOPES["directory"]())
        .order_by(StaffProfile.user_id)
    ).all()


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_TERMS_KEPT = 5000  # terms whose finds a kept directory remembers (then it starts again)
_RANKINGS_KEPT = 5000  # questions' rankings a kept directory remembers, by what they are ranked on


class _Texts:
    """One text per person, lower-cased, in one string ("\\n" between two people's texts, which ends
    a word as the end of a text does): each term is looked for once across the whole directory."""

    def __init__(self, texts: list[str]):
        text = "\n".join(texts)
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): lower each text alone
            texts = [part.lower() for part in texts]
            lowered = "\n".join(texts)
        self.text = lowered
        self.starts = [0, *accumulate(len(part) + 1 for part in texts)]  # and one past the end
        self._hits: dict[str, frozenset[int]] = {}

    def hits(self, term: str) -> frozenset[int]:
        """The people (indexes) in whose text ``_pattern(term)`` finds something."""
        found = self._hits.get(term)
        if found is not None:
            return found
        people, text, starts = set(), self.text, self.starts
        stem, ending = _parts(term)[0], _ending(term)
        at = text.find(stem)
        while at >= 0:
            if (at and text[at - 1] in _WORD_CHARS) or ending.match(text, at + len(stem)) is None:
                at = text.find(stem, at + 1)  # not a whole word here: look further
                continue
            person = bisect_right(starts, at) - 1
            people.add(person)
            at = text.find(stem, starts[person + 1])  # found in this person's text: on to the next
        if len(self._hits) >= _TERMS_KEPT:
            self._hits.clear()
        found = self._hits[term] = frozenset(people)
        return found


class Directory:
    """``directory_rows()`` made ready to search (``_Texts`` of everyone's topics, titles and teams,
    and "rather not discuss" lists). Kept by the process until a profile or a name changes
    (``directory()``), with the terms already looked for: every candidate's ledger searches the same texts."""

    def __init__(self, rows):
        self.rows = rows
        self.user_ids, self.names, topics, titles, self.teams, off_limits = zip(*rows) if rows else ((),) * 6
        self.topics = _Texts([text or "" for text in topics])
        self.roles = _Texts([f"{title} {team}" for title, team in zip(titles, self.teams, strict=True)])
        self.titles = titles
        self.place = {user_id: n for n, user_id in enumerate(self.user_ids)}  # user id → index
        self.off_limits = _Texts([text or "" for text in off_limits])
        self.members: dict[str, list[int]] = defaultdict(list)  # a team's name, lower-cased → its people
        for n, name in enumerate(self.teams):
            if name:
                self.members[name.lower()].append(n)
        # (terms, the team asked about, the person it is meant for, limit) → [(user id, reasons)]
        self.ranked: dict[tuple, list[tuple[int, tuple]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def listed(self, user_id: int) -> Listed:
        n = self.place[user_id]
        return Listed(user_id, self.titles[n], ListedUser(self.names[n]))


def directory() -> Directory:
    """Everyone candidates can see, ready to search: read once per process until the people move on
    (``generations.py``: a profile, or a company account's name or state, changed)."""
    return cached("questions-directory", None, lambda: Directory(directory_rows()), depends=("people",))


def _suggest_from_rows(questions, people: Directory, *, team: str | None,
                       limit: int) -> dict[int, list[tuple[int, tuple]]]:
    """``suggest_people`` over the ``Directory``, as {question id: [(user id, reasons)]}.

    The same scores, exclusions and order, but each term is looked for once in everyone's topics,
    titles and teams, and "rather not discuss" lists (``_Texts``), not person by person. Searching
    the texts as stored finds what searching ``_people``'s tidied texts finds: tidying only changes
    spaces next to commas, and no term holds a comma.
    """
    user_ids, names = people.user_ids, people.names
    team_members = people.members.get((team or "").lower(), ()) if team else ()
    result = {}
    for question in questions:
        if question.is_answered:
            continue
        # A ranking follows from these alone, and the kept directory is the same for every candidate:
        # the same question (the bank's, asked by many) is ranked once until the people change.
        terms = tuple(_terms(question))
        key = (terms, team if question.category == "role_team" else None, question.directed_to_id, limit)
        if (kept := people.ranked.get(key)) is not None:
            result[question.id] = kept
            continue
        scores: dict[int, int] = defaultdict(int)
        reasons: dict[int, list] = defaultdict(list)
        excluded: set[int] = set()
        for term, weight in terms:
            excluded |= people.off_limits.hits(term)
            in_topics = people.topics.hits(term)
            for person in in_topics:
                scores[person] += weight + 1
                reasons[person].append(term)
            for person in people.roles.hits(term) - in_topics:
                scores[person] += weight
                reasons[person].append(term)
        if question.category == "role_team":
            for person in team_members:
                scores[person] += 2
                reasons[person].append(TEAM_REASON)
        ranked = sorted((-score, names[person], user_ids[person], person) for person, score in scores.items()
                        if score and person not in excluded and user_ids[person] != question.directed_to_id)
        result[question.id] = [(user_id, tuple(reasons[person][:3])) for _, _, user_id, person in ranked[:limit]]
        if len(people.ranked) >= _RANKINGS_KEPT:
            people.ranked.clear()
        people.ranked[key] = result[question.id]
    return result


def suggest_from_directory(questions, *, team: str | None = None, limit: int = 3,
                           people: Directory | None = None, profiles=None) -> dict[int, list[Suggestion]]:
    """``suggest_people`` over the people candidates can see, without building the whole directory.

    ``profiles``: everyone candidates can see, already loaded (a small company: the picker's list),
    scored by ``suggest_people`` itself. Otherwise the ``Directory`` (``directory()``, read here when not
    given) is searched as plain text, and the people suggested are shown as it lists them (``Listed``):
    it is as new as this request's view of the people (``generations.py``), so nothing more is read.
    """
    open_questions = [q for q in questions if not q.is_answered]
    if not needs_directory(open_questions, team):
        return {q.id: [] for q in open_questions}
    if profiles is not None:
        return suggest_people(open_questions, profiles, team=team, limit=limit)
    people = directory() if people is None else people
    ranked = _suggest_from_rows(open_questions, people, team=team, limit=limit)
    return {question_id: [Suggestion(people.listed(user_id), reasons) for user_id, reasons in found]
            for question_id, found in ranked.items()}


def needs_directory(questions, team: str | None = None) -> bool:
    """Whether anyone could be suggested for ``questions``: an open one with a term to look for, or a
    role question and a team to join. Else the directory need not be read."""
    open_questions = [q for q in questions if not q.is_answered]
    return (any(_terms(q) for q in open_questions)
            or bool((team or "").strip() and any(q.category == "role_team" for q in open_questions)))
