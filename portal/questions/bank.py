"""The question bank: good reverse-interview questions a candidate can add with one click.

Keys are stable (they are stored in ``Question.bank_key`` so a question is added once): add new
questions with new keys, reword freely, never reuse or renumber a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import CATEGORIES


@dataclass(frozen=True)
class BankQuestion:
    key: str
    category: str
    text: str

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]


def _group(category: str, prefix: str, texts: list[str]) -> list[BankQuestion]:
    return [BankQuestion(f"{prefix}-{n:02d}", category, text) for n, text in enumerate(texts, start=1)]


BANK: tuple[BankQuestion, ...] = tuple(
    _group("role_team", "role", [
        "What would success look like in this role after 30, 90 and 365 days?",
        "What is the biggest problem the team needs this person to solve in the first six months?",
        "Why is this position open: is it a new role, or is it replacing someone who left?",
        "What does a typical week look like for someone on this team?",
        "How does the team decide what to work on, and who has the final say?",
        "How is on-call or after-hours work organised, and how often would I be on it?",
        "What did the team ship recently that it is proud of, and what went badly?",
        "How much technical debt is the team carrying, and how much time goes into paying it down?",
        "How does the team work with product, design and other teams day to day?",
    ])
    + _group("culture_people", "culture", [
        "How do people disagree here, and what happens after a decision is made?",
        "What is something the company changed because employees pushed for it?",
        "How many people have left the team in the last year, and why did they leave?",
        "How are working hours and time off respected in practice, not just on paper?",
        "How does the company support remote and hybrid work across time zones?",
        "What does the company do to make hiring and promotion fair and inclusive?",
        "How is feedback given: regularly and directly, or mostly at review time?",
        "What kind of person struggles here, and what kind of person thrives?",
        "When something goes wrong in production or with a customer, what happens to the people involved?",
    ])
    + _group("growth", "growth", [
        "How do promotions work, and what did the last person promoted on this team do to earn it?",
        "Is there a written career ladder I could read before deciding?",
        "How much time and budget is there for learning: conferences, courses, books?",
        "Who would mentor me, and how often would I meet my manager one to one?",
        "Can people move between teams or change tracks, for example from engineering to management?",
        "Where are people who started in this role two or three years ago now?",
        "How are stretch projects handed out, and how would I get one?",
        "How is performance reviewed, and how often?",
    ])
    + _group("compensation_benefits", "comp", [
        "How are salary bands set, and where does this offer sit in the band?",
        "How often are salaries reviewed, and what drove the last round of raises?",
        "What kind of equity is offered, what is the vesting schedule, and is there a cliff?",
        "What happens to my equity if I leave or if the company is acquired?",
        "What is the most recent valuation or strike price, and how many shares are outstanding?",
        "What do health insurance, pension and parental leave look like in detail?",
        "Is there a bonus, and how often has it actually been paid out in full?",
        "How many days off do people actually take in a year?",
    ])
    + _group("direction_finances", "direction", [
        "How much runway does the company have at the current burn rate?",
        "When was the last funding round, and when do you expect to raise again?",
        "Is the company profitable, or what is the plan and timeline to get there?",
        "What are the biggest risks to the company in the next 18 months?",
        "How is revenue growing, and how concentrated is it in a few large customers?",
        "What is the strategy for the next two years, and how does my team fit into it?",
        "What would make the board or investors unhappy this year?",
        "Who are the main competitors, and why do customers choose us over them?",
        "Have there been layoffs, and how would the company handle a downturn?",
    ])
    + _group("other", "other", [
        "What do you wish you had known before you joined?",
        "What would make you leave this company?",
        "What is the next step in the process, and when can I expect to hear back?",
        "Is there anything about my background that makes you hesitate?",
    ])
)

BANK_BY_KEY: dict[str, BankQuestion] = {question.key: question for question in BANK}


def bank_by_category() -> dict[str, list[BankQuestion]]:
    """The bank grouped by category, in the order categories are listed everywhere else."""
    return {category: [q for q in BANK if q.category == category] for category in CATEGORIES}
