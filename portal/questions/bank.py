"""The question bank: good reverse-interview questions a candidate can add with one click.

Keys are stable (they are stored in ``Question.bank_key`` so a question is added once): add new
questions with new keys, reword freely, never reuse or renumber a key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_babel import force_locale

from ..i18n import _l, current_language
from .models import CATEGORIES


@dataclass(frozen=True)
class BankQuestion:
    key: str
    category: str
    wording: object  # lazy (``_l``): ``text`` is it in the reader's language

    @property
    def text(self) -> str:
        """The question in the language being rendered (a candidate adds it in the words they read)."""
        return str(self.wording)

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


def _group(category: str, prefix: str, texts: list) -> list[BankQuestion]:
    return [BankQuestion(f"{prefix}-{n:02d}", category, text) for n, text in enumerate(texts, start=1)]


BANK: tuple[BankQuestion, ...] = tuple(
    _group("role_team", "role", [
        _l("What would success look like in this role after 30, 90 and 365 days?"),
        _l("What is the biggest problem the team needs this person to solve in the first six months?"),
        _l("Why is this position open: is it a new role, or is it replacing someone who left?"),
        _l("What does a typical week look like for someone on this team?"),
        _l("How does the team decide what to work on, and who has the final say?"),
        _l("How is on-call or after-hours work organised, and how often would I be on it?"),
        _l("What did the team ship recently that it is proud of, and what went badly?"),
        _l("How much technical debt is the team carrying, and how much time goes into paying it down?"),
        _l("How does the team work with product, design and other teams day to day?"),
    ])
    + _group("culture_people", "culture", [
        _l("How do people disagree here, and what happens after a decision is made?"),
        _l("What is something the company changed because employees pushed for it?"),
        _l("How many people have left the team in the last year, and why did they leave?"),
        _l("How are working hours and time off respected in practice, not just on paper?"),
        _l("How does the company support remote and hybrid work across time zones?"),
        _l("What does the company do to make hiring and promotion fair and inclusive?"),
        _l("How is feedback given: regularly and directly, or mostly at review time?"),
        _l("What kind of person struggles here, and what kind of person thrives?"),
        _l("When something goes wrong in production or with a customer, what happens to the people involved?"),
    ])
    + _group("growth", "growth", [
        _l("How do promotions work, and what did the last person promoted on this team do to earn it?"),
        _l("Is there a written career ladder I could read before deciding?"),
        _l("How much time and budget is there for learning: conferences, courses, books?"),
        _l("Who would mentor me, and how often would I meet my manager one to one?"),
        _l("Can people move between teams or change tracks, for example from engineering to management?"),
        _l("Where are people who started in this role two or three years ago now?"),
        _l("How are stretch projects handed out, and how would I get one?"),
        _l("How is performance reviewed, and how often?"),
    ])
    + _group("compensation_benefits", "comp", [
        _l("How are salary bands set, and where does this offer sit in the band?"),
        _l("How often are salaries reviewed, and what drove the last round of raises?"),
        _l("What kind of equity is offered, what is the vesting schedule, and is there a cliff?"),
        _l("What happens to my equity if I leave or if the company is acquired?"),
        _l("What is the most recent valuation or strike price, and how many shares are outstanding?"),
        _l("What do health insurance, pension and parental leave look like in detail?"),
        _l("Is there a bonus, and how often has it actually been paid out in full?"),
        _l("How many days off do people actually take in a year?"),
    ])
    + _group("direction_finances", "direction", [
        _l("How much runway does the company have at the current burn rate?"),
        _l("When was the last funding round, and when do you expect to raise again?"),
        _l("Is the company profitable, or what is the plan and timeline to get there?"),
        _l("What are the biggest risks to the company in the next 18 months?"),
        _l("How is revenue growing, and how concentrated is it in a few large customers?"),
        _l("What is the strategy for the next two years, and how does my team fit into it?"),
        _l("What would make the board or investors unhappy this year?"),
        _l("Who are the main competitors, and why do customers choose us over them?"),
        _l("Have there been layoffs, and how would the company handle a downturn?"),
    ])
    + _group("other", "other", [
        _l("What do you wish you had known before you joined?"),
        _l("What would make you leave this company?"),
        _l("What is the next step in the process, and when can I expect to hear back?"),
        _l("Is there anything about my background that makes you hesitate?"),
    ])
)

BANK_BY_KEY: dict[str, BankQuestion] = {question.key: question for question in BANK}


@dataclass(frozen=True)
class ReadBankQuestion:
    """A bank question as a page shows it: its words already in the reader's language."""

    key: str
    category: str
    text: str


def bank_by_category() -> dict[str, list[ReadBankQuestion]]:
    """The bank grouped by category, in the order categories are listed everywhere else, worded in the
    language being rendered (each page writes every question twice: kept per language)."""
    return _bank_in(current_language())


@functools.cache
def _bank_in(language: str) -> dict[str, list[ReadBankQuestion]]:
    with force_locale(language):
        return {category: [ReadBankQuestion(q.key, q.category, q.text) for q in BANK if q.category == category]
                for category in CATEGORIES}
