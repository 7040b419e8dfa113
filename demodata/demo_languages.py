"""People in the demo who read the portal in another language: Haruka Sato, a candidate in Tokyo who
reads it in Japanese, and Katharina Vogel, an investor in Berlin who reads it (and her e-mails) in
German. Everyone else keeps the language the portal picks for them (English until they choose).

Idempotent like the rest of the demo: accounts are matched by e-mail, and a person who is already
there is left as they are (their language too, if they changed it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import sqlalchemy as sa

from portal.auth.models import User
from portal.candidates.models import Candidate, Position
from portal.extensions import db
from portal.feedback.models import FeedbackMessage
from portal.people.models import APPROVAL_BY_DEFAULT, AvailabilityWindow, StaffProfile
from portal.timeutil import utcnow

# email, name, timezone, language, days until the decision deadline
CANDIDATE = ("haruka.sato@example.com", "Haruka Sato", "Asia/Tokyo", "ja", 12)
# email, name, timezone, language, group, title, bio, topics, weekly windows in her zone
PERSON = ("katharina.vogel@northwind.example", "Katharina Vogel", "Europe/Berlin", "de", "investor",
          "Partnerin, Rheinland Kapital",
          "Hat Northwinds Seed-Runde angeführt; spricht gern über Märkte in Europa und Asien.",
          "Fundraising, Märkte in Europa und Asien, Governance",
          # Mornings in Berlin are late afternoons in Tokyo: free on four weekdays.
          [(0, "08:00", "10:00"), (1, "08:00", "10:00"), (2, "08:00", "10:00"), (3, "08:00", "10:00")])
SORT_ORDER = 200  # after the people of demo.PEOPLE

# The recruiter writes to Haruka in Japanese (the interviewers' words stay as they wrote them).
HARUKA_MESSAGE = (
    "佐藤さん\n\n"
    "Northwind の Platform チームの Senior Backend Engineer として、ぜひ一緒に働いていただきたいと思い、"
    "内定をお知らせします。\n\n"
    "面接官からのフィードバックもお送りします。次はあなたが私たちに質問する番です。CEO から投資家まで、"
    "誰とでも話すことができます。質問はここにまとめておき、すべての答えが得られるまでお使いください。\n\n"
    "{recruiter}"
)


def seed_languages(recruiter: User, position: Position, progress: Callable[[Candidate, User, str], None],
                   deadline: Callable[[int, str], object]) -> int:
    """Both people, once; returns the accounts it made. ``progress`` and ``deadline`` are demo.py's
    (``_seed_progress``: feedback and the published message; ``_deadline``: 5 pm in their zone)."""
    created = 0
    email, name, zone, language, group, title, bio, topics, windows = PERSON
    person = _account(email)
    if person is None:
        person = User(email=email, name=name, role="staff", timezone=zone, locale=language)
        db.session.add(person)
        db.session.flush()
        created += 1
    if db.session.get(StaffProfile, person.id) is None:
        profile = StaffProfile(user=person, group=group, title=title, team="", bio=bio, topics=topics,
                               sort_order=SORT_ORDER, needs_approval=group in APPROVAL_BY_DEFAULT, weekly_cap=2)
        db.session.add(profile)
        for weekday, start, end in windows:
            db.session.add(AvailabilityWindow(profile=profile, weekday=weekday, zone=zone,
                                              start_time=time.fromisoformat(start), end_time=time.fromisoformat(end)))

    email, name, zone, language, days = CANDIDATE
    user = _account(email)
    if user is None:
        user = User(email=email, name=name, role="candidate", timezone=zone, locale=language)
        db.session.add(user)
        db.session.flush()
        created += 1
    if user.candidacy is None:
        candidate = Candidate(user=user, position=position, owner=recruiter, stage="offer",
                              offer_made_at=utcnow(), decision_deadline=deadline(days, zone), source="demo")
        db.session.add(candidate)
        db.session.flush()
        progress(candidate, recruiter, "invited")
        message = db.session.scalar(sa.select(FeedbackMessage).where(FeedbackMessage.candidate_id == candidate.id))
        if message is not None:
            message.body = HARUKA_MESSAGE.format(recruiter=recruiter.name)
            for revision in message.revisions:
                revision.body = message.body
    db.session.flush()
    return created


def _account(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))
