"""Scale data: years of realistic offer-stage history for benchmarks (``flask --app portal seed-scale``).

Deterministic for a seed (one ``random.Random``) relative to ``now``. Every row goes in through
SQLAlchemy Core bulk inserts (``session.execute(insert(table), rows)``) in foreign-key order, in
one transaction: no ORM objects and no flush, so nothing per row runs in session events. Ids are
assigned here, after the current maximum, so children name their parents without RETURNING; on
PostgreSQL the sequences are moved past them at the end.

The history follows the product's rules: conversations move through ``meetings.states.TRANSITIONS``
with ordered timestamps and stop where ``now`` cuts them (so recent requests still wait for
approval); a person's confirmed time is held as BookedUnit rows (completed and no-show ones keep
them, as ``end_conversation`` does), never overlapping, within their weekly cap; questions are
answered before the decision, in a conversation, in writing or ticked off by the candidate.
Proposed slots are kept only for conversations still open (what the pages read).
"""

from __future__ import annotations

import itertools
import math
import random
import secrets
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..auth.models import User
from ..candidates.models import DECLINE_REASONS, STAGES, Candidate, ExitSurvey, Position
from ..extensions import db
from ..meetings.calendar import video_link_for
from ..meetings.models import BookedUnit, Meeting, MeetingTransition, ProposedSlot, meeting_question
from ..meetings.states import ACTIVE
from ..people.models import APPROVAL_BY_DEFAULT, AvailabilityWindow, StaffProfile
from ..questions.bank import BANK
from ..questions.models import CATEGORIES, Question
from ..timeutil import utcnow

MARKER_DOMAIN = "scale.example"  # every scale account's e-mail ends with @scale.example
BATCH = 5_000  # rows per executemany
FLUSH_AT = 60_000  # buffered rows before writing
H, DAY, UNIT = 3600, 86_400, 900  # seconds; a booking unit is 15 minutes

TEAMS = {
    "Platform": ["Backend Engineer", "Senior Backend Engineer", "Staff Engineer", "Engineering Manager",
                 "Site Reliability Engineer"],
    "Payments": ["Backend Engineer", "Senior Backend Engineer", "Product Manager", "Engineering Manager",
                 "QA Engineer"],
    "Data": ["Data Engineer", "Senior Data Scientist", "Analytics Engineer", "Machine Learning Engineer",
             "Data Engineering Manager"],
    "Mobile": ["iOS Engineer", "Android Engineer", "Senior Mobile Engineer", "Mobile Engineering Manager",
               "Product Designer"],
    "Growth": ["Growth Engineer", "Product Manager", "Marketing Manager", "Content Designer",
               "Lifecycle Marketer"],
    "Design": ["Product Designer", "Senior Product Designer", "UX Researcher", "Design Manager",
               "Brand Designer"],
    "Sales": ["Account Executive", "Sales Engineer", "Customer Success Manager", "Sales Manager",
              "Solutions Architect"],
    "Operations": ["Finance Manager", "People Partner", "Operations Analyst", "Legal Counsel",
                   "IT Administrator"],
}
TEAM_SIZE = [3, 2, 2, 1, 1, 1, 1, 1]  # relative size of each team (Platform biggest)
LEADERS = ["Chief Executive Officer", "Chief Technology Officer", "Chief Financial Officer",
           "Chief Operating Officer", "Chief Product Officer", "VP People", "VP Engineering", "VP Sales",
           "VP Marketing", "General Counsel"]
FUNDS = ["Harbor Ventures", "Northstar Capital", "Lakeside Partners", "Granite Growth", "Tidewater VC"]
FIRST = ["Amara", "Jonas", "Priya", "Lucia", "Tom", "Mei", "Kwame", "Rachel", "Daniel", "Sofia", "Ben",
         "Aisha", "Mateo", "Hana", "Oliver", "Fatima", "Lars", "Chloe", "Ravi", "Elena", "Samuel", "Yuki",
         "Nadia", "Omar", "Grace", "Tariq", "Ingrid", "Diego", "Leila", "Marcus", "Zara", "Felix", "Anika",
         "Hugo", "Maya", "Kofi", "Julia", "Arjun", "Nora", "Ethan", "Sara", "Luca", "Ines", "Kai", "Alma",
         "Theo", "Rosa", "Viktor"]
LAST = ["Okafor", "Weber", "Raman", "Fernandez", "Becker", "Lin", "Mensah", "Goldberg", "Park", "Marino",
        "Carter", "Khan", "Silva", "Sato", "Novak", "Haddad", "Berg", "Dubois", "Iyer", "Popescu", "Adeyemi",
        "Tanaka", "Kowalski", "Rossi", "Nguyen", "Schmidt", "Costa", "Larsen", "Moreau", "Ali", "Jensen",
        "Kim", "Lopez", "Murphy", "Petrov", "Osei", "Hansen", "Garcia", "Muller", "Chen", "Ward", "Singh",
        "Bauer", "Reyes"]
STAFF_ZONES = ["Europe/London"] * 3 + ["Europe/Berlin"] * 3 + ["America/New_York"] * 2 + [
    "America/Los_Angeles", "Europe/Madrid", "Africa/Accra", "Asia/Kolkata", "Asia/Singapore"]
CANDIDATE_ZONES = STAFF_ZONES + ["America/Chicago", "America/Sao_Paulo", "Asia/Dubai", "Australia/Sydney"]
TOPICS = {
    "leadership": ["company strategy", "fundraising", "culture", "how decisions are made", "hiring",
                   "runway"],
    "team": ["day-to-day work", "code review", "on-call", "career growth", "team practices", "first 90 days",
             "remote work", "tech debt", "product process"],
    "investor": ["fundraising", "market", "runway", "how investors see the company"],
    "board": ["governance", "company direction", "leadership"],
    "alumni": ["what it is really like", "why I left", "growth", "team culture"],
}
SOURCES = ["referral"] * 3 + ["inbound"] * 3 + ["sourced"] * 2 + ["agency", "event"]
# Weights of the DECLINE_REASONS and question CATEGORIES (a key added there later gets a small weight).
DECLINE_WEIGHTS = {"compensation": 28, "other_offer": 22, "counter_offer": 12, "role_scope": 9,
                   "team_culture": 6, "company_direction": 6, "location": 7, "timing": 5, "process": 3,
                   "other": 2}
REASONS = list(DECLINE_REASONS)
REASON_WEIGHTS = [DECLINE_WEIGHTS.get(key, 2) for key in REASONS]
DECLINE_NOTES = ["Went with a larger offer elsewhere.", "Their employer matched and added equity.",
                 "Wanted a fully remote role.", "Worried about runway after the last round.",
                 "Family reasons: not moving this year.", "Preferred a more senior scope."]
EXIT_ANSWERS = ["A clearer picture of the equity.", "Talking to the team earlier.", "A faster process.",
                "More flexibility on remote work.", "Nothing really: the other offer was too good."]
OWN_QUESTIONS = {  # the candidate's own wording, beside the bank's
    "role_team": "Who would I work with most closely in my first month?",
    "culture_people": "How does the team disagree, and how is it settled?",
    "growth": "How did the last person in this role grow?",
    "compensation_benefits": "How is equity refreshed after the first grant?",
    "direction_finances": "What has to go right in the next year?",
    "other": "What surprised you most when you joined?",
}
CATEGORY_WEIGHTS = {"role_team": 30, "culture_people": 20, "growth": 18, "compensation_benefits": 14,
                    "direction_finances": 12, "other": 6}
TOPIC_KEYS = list(CATEGORIES)
TOPIC_WEIGHTS = [CATEGORY_WEIGHTS.get(key, 6) for key in TOPIC_KEYS]
# Whom candidates meet (staff groups), by the outcome that lies ahead of them.
MEET_GROUPS = ("team", "alumni", "leadership", "investor", "board")
MEET_WEIGHTS = {True: (74, 13, 3, 3, 1.5), False: (68, 18, 4, 4, 2)}


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class ScaleError(RuntimeError):
    """Scale data cannot be added here; the message says why and what to do instead."""


@dataclass
class Person:
    id: int
    name: str
    group: str
    team: str
    zone: ZoneInfo
    cap: int
    windows: list[tuple[int, int, int]]  # (weekday, start minute, end minute), local
    units: set[int] = field(default_factory=set)  # held 15-minute units (epoch // UNIT)


def seed_scale(candidates: int = 100_000, years: int = 3, seed: int = 42, now: datetime | None = None,
               echo=None) -> dict:
    """Insert the history (one transaction, committed), refresh analytics, return row counts."""
    if candidates < 1 or years < 1:
        raise ScaleError("Give at least one candidate and one year.")
    taken = db.session.scalar(sa.select(User.id).where(User.email.like(f"%@{MARKER_DOMAIN}")).limit(1))
    if taken is not None:
        raise ScaleError(f"Scale data is already in this database (accounts @{MARKER_DOMAIN}); nothing was "
                         "changed. Seed a fresh database instead (set DATABASE_URL, then `db upgrade`).")
    now = (now or utcnow()).replace(second=0, microsecond=0)
    started = clock.perf_counter()
    builder = _Builder(random.Random(seed), int(now.timestamp()), years, echo or (lambda _text: None))
    try:
        counts = builder.run(candidates)
        _after_load()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    counts["seconds_seed"] = round(clock.perf_counter() - started, 1)
    from importlib import import_module
    from importlib.util import find_spec

    name = f"{__package__}.rollup"
    rollup = import_module(name) if find_spec(name) else None
    if hasattr(rollup, "rebuild_all"):
        builder.echo("Rebuilding the analytics rollup…")
        began = clock.perf_counter()
        rollup.rebuild_all()
        db.session.commit()
        counts["seconds_rollup"] = round(clock.perf_counter() - began, 1)
    return counts


def _after_load() -> None:
    """PostgreSQL: move the id sequences past the ids given here, and refresh the planner's statistics
    (autovacuum would, a minute later). SQLite keeps no statistics unless someone runs ANALYZE."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("user", "position", "availability_window", "candidate", "question", "meeting",
                  "proposed_slot", "meeting_transition", "exit_survey"):
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                   f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"))
    db.session.execute(sa.text("ANALYZE"))


class _Builder:
    """Generates rows candidate by candidate and writes them in batches (parents before children)."""

    ORDER = [User.__table__, StaffProfile.__table__, AvailabilityWindow.__table__, Position.__table__,
             Candidate.__table__, Question.__table__, Meeting.__table__, ProposedSlot.__table__,
             meeting_question, MeetingTransition.__table__, BookedUnit.__table__, ExitSurvey.__table__]

    def __init__(self, rng: random.Random, now: int, years: int, echo):
        self.rng, self.now, self.echo = rng, now, echo
        self.start = now - years * 365 * DAY
        self.rows: dict[str, list[dict]] = {t.name: [] for t in self.ORDER}
        self.counts: dict[str, int] = dict.fromkeys(self.rows, 0)
        self.buffered = 0
        self.ids = {}
        for table in self.ORDER:
            if "id" in table.c:
                self.ids[table.name] = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        self.zones: dict[str, ZoneInfo] = {}
        self.week_load: dict[tuple[int, int], int] = {}  # (person, week) → confirmed conversations
        self.names = 0

    # --- plumbing -------------------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def add(self, table: str, row: dict) -> None:
        """Buffer a row; rows of one candidate may still change until the next ``maybe_flush``."""
        self.rows[table].append(row)
        self.buffered += 1

    def maybe_flush(self) -> None:
        if self.buffered >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        for table in self.ORDER:  # parents first, so every foreign key already points at a row
            rows = self.rows[table.name]
            for i in range(0, len(rows), BATCH):
                db.session.execute(sa.insert(table), rows[i:i + BATCH])
            self.counts[table.name] += len(rows)
            rows.clear()
        self.buffered = 0

    def zone(self, name: str) -> ZoneInfo:
        if name not in self.zones:
            self.zones[name] = ZoneInfo(name)
        return self.zones[name]

    def person_name(self) -> tuple[str, str]:
        self.names += 1
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        return f"{first} {last}", f"{first}.{last}.{self.names}@{MARKER_DOMAIN}".lower()

    def user(self, role: str, zone: str, created: int, signed_in: int | None = None) -> tuple[int, str]:
        name, email = self.person_name()
        uid = self.new_id("user")
        self.add("user", {"id": uid, "email": email, "name": name, "role": role, "timezone": zone,
                          "locale": "en", "active": True, "session_token": secrets.token_urlsafe(32),
                          "created_at": _dt(created),
                          "last_sign_in_at": _dt(signed_in) if signed_in else None})
        return uid, name

    def hours(self, median: float, sigma: float = 0.9) -> int:
        return int(median * H * math.exp(self.rng.gauss(0, sigma)))

    # --- the company ----------------------------------------------------------------------------

    def run(self, n_candidates: int) -> dict:
        rng = self.rng
        self.echo(f"Seeding {n_candidates:,} candidates over {(self.now - self.start) // (365 * DAY)} years…")
        self.people = self.make_people(max(30, n_candidates // 60))
        self.recruiters = [self.user("recruiter", "Europe/London", self.start - 30 * DAY)[0]
                           for _ in range(max(3, min(12, 2 + n_candidates // 15_000)))]
        self.positions = []  # (id, team, popularity)
        for team, titles in TEAMS.items():
            managers = [p for p in self.people if p.group == "team" and p.team == team] or self.people
            for title in titles:
                pid = self.new_id("position")
                self.add("position", {"id": pid, "title": title, "team": team,
                                      "hiring_manager_id": rng.choice(managers).id})
                self.positions.append((pid, team, rng.uniform(0.3, 1.0) * TEAM_SIZE[list(TEAMS).index(team)]))
        open_people = [p for p in self.people if p.cap > 0]
        self.pool = {g: [p for p in open_people if p.group == g] or open_people for g in MEET_GROUPS}
        self.team_pool = {team: [p for p in self.pool["team"] if p.team == team] or self.pool["team"]
                          for team in TEAMS}
        # People who make more time get asked more (weights: the weekly cap).
        self.cum_caps = {id(pool): list(itertools.accumulate(p.cap for p in pool))
                         for pool in [*self.pool.values(), *self.team_pool.values()]}
        # Offers grow a little over time: density 1 + 0.6·t on [0, 1] (inverse CDF).
        span = self.now - DAY - self.start
        offsets = sorted((-1 + math.sqrt(1 + 1.56 * rng.random())) / 0.6 for _ in range(n_candidates))
        weights = [w for _, _, w in self.positions]
        self.first_candidate, self.first_meeting = self.ids["candidate"], self.ids["meeting"]
        offers = sorted(min((self.start + int(t * span)) // DAY * DAY + rng.randint(8 * 60, 18 * 60) * 60,
                            self.now - rng.randint(1, 120) * 60) for t in offsets)  # office hours (UTC)
        for i, offer in enumerate(offers):
            self.maybe_flush()
            self.candidate(offer, rng.choices(self.positions, weights)[0])
            if (i + 1) % 20_000 == 0:
                self.echo(f"  {i + 1:,} candidates…")
        self.flush()
        stages = dict(db.session.execute(sa.select(Candidate.stage, sa.func.count()).where(
            Candidate.id >= self.first_candidate).group_by(Candidate.stage)).all())
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
            Meeting.status == "needs_approval", Meeting.id >= self.first_meeting))
        c = self.counts
        return {"staff": len(self.people), "recruiters": len(self.recruiters),
                "positions": len(self.positions), "candidates": n_candidates, "questions": c["question"],
                "conversations": c["meeting"],
                "transitions": c["meeting_transition"], "booked_units": c["booked_unit"],
                "proposed_slots": c["proposed_slot"], "agenda_items": c["meeting_question"],
                "exit_surveys": c["exit_survey"], "users": c["user"],
                **{f"stage_{stage}": stages.get(stage, 0) for stage in STAGES},
                "needs_approval": waiting}

    def make_people(self, n: int) -> list[Person]:
        rng = self.rng
        sizes = {"leadership": max(1, round(n * 0.02)), "investor": max(1, round(n * 0.03)),
                 "board": max(1, round(n * 0.01)), "alumni": max(1, round(n * 0.14))}
        sizes = {"leadership": sizes["leadership"], "team": n - sum(sizes.values()), **sizes}
        people, order = [], 0
        for group, count in sizes.items():
            for k in range(count):
                zone = rng.choice(STAFF_ZONES)
                team = rng.choices(list(TEAMS), TEAM_SIZE)[0]
                if group == "leadership":
                    title = LEADERS[k] if k < len(LEADERS) else f"Head of {team}"
                    team = "Executive" if k < len(LEADERS) else team
                elif group == "team":
                    title = rng.choice(TEAMS[team])
                elif group == "investor":
                    title = f"Partner, {rng.choice(FUNDS)}" if rng.random() < 0.7 else "Angel investor"
                    team = ""
                elif group == "board":
                    title, team = "Independent board member", ""
                else:
                    title = f"Former {rng.choice(TEAMS[team])}"
                uid, name = self.user("staff", zone, self.start - rng.randint(30, 900) * DAY)
                order += 1
                self.add("staff_profile", {
                    "user_id": uid, "group": group, "title": title, "team": team,
                    "bio": f"{name.split()[0]} has been part of Northwind for {rng.randint(1, 9)} years.",
                    "topics": ", ".join(rng.sample(TOPICS[group], min(3, len(TOPICS[group])))),
                    "off_limits": "",
                    "photo_filename": None, "weekly_cap": rng.randint(1, 5),
                    "sort_order": order * 10 if group == "leadership" else 100,
                    "visible": rng.random() < 0.97, "accepting_requests": rng.random() < 0.95,
                    "needs_approval": group in APPROVAL_BY_DEFAULT, "updated_at": _dt(self.start)})
                profile = self.rows["staff_profile"][-1]
                windows = []
                for weekday in sorted(rng.sample(range(5), rng.choice([1, 2, 2, 3, 3, 4]))):
                    begin = rng.randint(16, 33) * 30
                    end = begin + rng.choice([60, 90, 120, 180])
                    windows.append((weekday, begin, end))
                    self.add("availability_window", {
                        "id": self.new_id("availability_window"), "user_id": uid, "weekday": weekday,
                        "start_time": time(begin // 60, begin % 60), "end_time": time(end // 60, end % 60),
                        "zone": zone})
                cap = profile["weekly_cap"] if profile["visible"] and profile["accepting_requests"] else 0
                people.append(Person(uid, name, group, team, self.zone(zone), cap, windows))
        return people

    # --- one candidate --------------------------------------------------------------------------

    def candidate(self, offer: int, position) -> None:
        rng = self.rng
        position_id, team, _ = position
        r = rng.random()
        outcome = "accepted" if r < 0.75 else "declined" if r < 0.95 else "withdrawn"
        accepting = outcome == "accepted"
        deadline = (offer // DAY + rng.randint(7, 21)) * DAY + 17 * H
        decided = offer + int(rng.triangular(DAY, deadline - offer, 5 * DAY))
        pending = decided > self.now
        window = decided - offer
        invited = offer + min(rng.randint(H // 2, 30 * H), int(0.4 * window))
        if invited > self.now or rng.random() > (0.97 if accepting else 0.90):
            invited = None
        signed = None
        if invited is not None and rng.random() < (0.95 if accepting else 0.85):
            signed = invited + min(int(rng.expovariate(1 / (8 * H))), int(0.4 * (decided - invited)))
            signed = signed if signed <= self.now else None
        user_id, name = self.user("candidate", rng.choice(CANDIDATE_ZONES), offer, signed)
        cid = self.new_id("candidate")
        note = None
        if not pending and outcome != "accepted" and rng.random() < 0.35:
            note = rng.choice(DECLINE_NOTES)
        owner = rng.choice(self.recruiters)
        reason = rng.choices(REASONS, REASON_WEIGHTS)[0] if outcome == "declined" and not pending else None
        self.add("candidate", {
            "id": cid, "user_id": user_id, "position_id": position_id, "owner_id": owner,
            "stage": "offer" if pending else outcome, "offer_made_at": _dt(offer),
            "decision_deadline": _dt(deadline), "decided_at": None if pending else _dt(decided),
            "decline_reason": reason, "decision_note": note, "source": rng.choice(SOURCES),
            "invited_at": _dt(invited) if invited else None,
            "first_signed_in_at": _dt(signed) if signed else None, "created_at": _dt(offer)})
        if outcome == "declined" and not pending and decided + H < self.now and rng.random() < 0.45:
            sent = min(decided + rng.randint(H, 48 * H), self.now)
            answered = sent + rng.randint(H, 7 * DAY)
            answered = answered if answered <= self.now and rng.random() < 0.55 else None
            self.add("exit_survey", {"id": self.new_id("exit_survey"), "candidate_id": cid,
                                     "sent_at": _dt(sent), "answered_at": _dt(answered) if answered else None,
                                     "answer": rng.choice(EXIT_ANSWERS) if answered else None})
        if signed is None:
            return
        # What the rest of the history needs to know of this candidate; ``end`` is the decision (still
        # ahead for those at the offer stage: what lies beyond ``now`` is cut off), ``limit`` the last
        # moment a question can be answered.
        ctx = SimpleNamespace(id=cid, user_id=user_id, team=team, owner=owner, signed=signed, end=decided,
                              limit=min(self.now, decided - 60), units=set(), accepting=accepting, asked=[],
                              met=[])
        questions = self.questions(ctx)
        # About five conversations each on average, more for those who will accept; ~15% have none.
        none = rng.random() < (0.04 if accepting else 0.12)
        count = 0 if none else min(15, 1 + self._poisson(5.3 if accepting else 3.3))
        requests = sorted(signed + int(rng.random() * 0.7 * (decided - signed)) for _ in range(count))
        for t0 in requests:
            if t0 > self.now:
                break
            self.meeting(ctx, t0, questions)
        self.answer(ctx, questions, pending)

    def _poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def questions(self, ctx) -> list[dict]:
        """0–10 questions, from the bank (each once) or in the candidate's words; answered later."""
        rng, out, used = self.rng, [], set()
        for _ in range(rng.randint(0, 10)):
            created = ctx.signed + int(rng.random() * 0.6 * (ctx.end - ctx.signed))
            if created > self.now:
                continue
            category = rng.choices(TOPIC_KEYS, TOPIC_WEIGHTS)[0]
            bank = rng.choice(BANK) if rng.random() < 0.6 else None
            if bank is not None and bank.key not in used:
                category, text, key = bank.category, bank.text, bank.key
            else:
                text, key = OWN_QUESTIONS.get(category, "What should I ask that I haven't?"), None
            if (key or text) in used:
                continue
            used.add(key or text)
            out.append({"id": self.new_id("question"), "candidate_id": ctx.id, "text": text,
                        "category": category, "directed_to_id": None, "private": rng.random() < 0.05,
                        "bank_key": key, "status": "open", "answered_via": None, "answered_by_id": None,
                        "answered_at": None, "written_answer": None, "created_at": created,
                        "updated_at": created})
        out.sort(key=lambda q: q["created_at"])
        return out

    def answer(self, ctx, questions: list[dict], pending: bool) -> None:
        """Questions not answered in a conversation: ticked off or answered in writing, or left open."""
        rng = self.rng
        share = 0.45 if pending else 0.80 if ctx.accepting else 0.62
        for q in questions:
            if q["status"] == "open" and q["created_at"] + 60 < ctx.limit and rng.random() < share:
                q["status"], q["answered_at"] = "answered", rng.randint(q["created_at"] + 60, ctx.limit)
                if rng.random() < 0.15:
                    person = rng.choice(ctx.met) if ctx.met else rng.choice(self.team_pool[ctx.team]).id
                    q.update(answered_via="written", answered_by_id=person, directed_to_id=person,
                             written_answer="Happy to answer in writing: here is how it works for us.")
                else:
                    q["answered_via"] = "candidate"
            elif q["status"] == "open" and rng.random() < 0.05:
                q["directed_to_id"] = rng.choice(self.team_pool[ctx.team]).id
            q["updated_at"] = _dt(q["answered_at"] or q["created_at"])
            q["answered_at"] = _dt(q["answered_at"]) if q["answered_at"] else None
            q["created_at"] = _dt(q["created_at"])
            self.add("question", q)

    # --- one conversation -----------------------------------------------------------------------

    def pick_person(self, ctx) -> Person:
        """Mostly the team of the position, rarely the same person twice."""
        rng = self.rng
        for _ in range(4):
            group = rng.choices(MEET_GROUPS, MEET_WEIGHTS[ctx.accepting])[0]
            if group == "team" and rng.random() < 0.7:
                person = self.choose(self.team_pool[ctx.team])
            else:
                person = self.choose(self.pool[group])
            if person.id not in ctx.asked:
                break
        ctx.asked.append(person.id)
        return person

    def choose(self, pool: list[Person]) -> Person:
        return self.rng.choices(pool, cum_weights=self.cum_caps[id(pool)])[0]

    def meeting(self, ctx, t0: int, questions: list[dict]) -> None:
        """One request and its history up to now: every move allowed by TRANSITIONS, strictly later."""
        rng, now = self.rng, self.now
        person = self.pick_person(ctx)
        mid = self.new_id("meeting")
        fmt = rng.choices(("video", "phone", "in_person", "written"), (70, 12, 10, 8))[0]
        length = 30 if fmt == "written" else rng.choices((15, 30, 45), (15, 60, 25))[0]
        note = "Would love to hear how the team works." if rng.random() < 0.4 else ""
        row = {"id": mid, "candidate_id": ctx.id, "staff_id": person.id, "format": fmt,
               "length_minutes": length, "note": note, "status": "requested", "start_at": None,
               "end_at": None, "video_link": None, "uid": f"scale-{mid}@{MARKER_DOMAIN}", "sequence": 0,
               "reason": None, "redirected_from_id": None, "rating": None, "answered_needs": None,
               "no_show_reported_by": None, "created_at": _dt(t0), "updated_at": _dt(t0)}
        moves: list[tuple] = []  # (to, at, actor, note)
        left = max(ctx.end - t0, 2 * H)

        def go(to: str, at: int, actor, note=None) -> bool:
            if at > now:
                return False
            moves.append((to, at, actor, note))
            return True

        agenda = [q for q in questions if q["created_at"] < t0 and q["status"] == "open"]
        agenda = rng.sample(agenda, min(len(agenda), rng.choice((0, 1, 1, 2, 3))))
        approval = person.group in APPROVAL_BY_DEFAULT
        ok = go("needs_approval" if approval else "invited", t0, ctx.user_id)
        if ok and approval:
            at = t0 + min(self.hours(16), left // 4)
            r = rng.random()
            if r < 0.07:
                ok = go("rejected", at, ctx.owner, "Let's start with the team you'd join.") and False
            elif r < 0.11:
                other = rng.choice(self.team_pool[ctx.team])
                if go("invited", at, ctx.owner, f"redirected from {person.name}"):
                    row.update(redirected_from_id=person.id, staff_id=other.id)
                    person = other
                else:
                    ok = False
            elif r < 0.13:
                ok = go("cancelled", t0 + max(1, (at - t0) // 2), ctx.user_id, "Found my answers.") and False
            else:
                ok = go("approved", at, ctx.owner) and go("invited", at + 1, ctx.owner)
        if ok:
            invited = moves[-1][1]
            at, r = invited + min(self.hours(10), left // 4), rng.random()
            if r < 0.02:
                halfway = invited + max(1, (at - invited) // 2)
                ok = go("cancelled", halfway, ctx.user_id, "Plans changed.") and False
            elif r < 0.07:
                ok = go("declined", at, person.id, "Travelling that week, sorry.") and False
            elif r < 0.11:
                ok = go("expired", invited + 72 * H, None, "no answer in time") and False
            elif fmt == "written":
                if go("confirmed", at, person.id):
                    row["sequence"] = 1
                    done = at + min(self.hours(20), left // 2)
                    if go("completed", done, person.id):
                        self.agenda_answered(agenda, done, person.id, ctx.limit, "written")
            else:
                start = self.slot(person, ctx, at, length)
                if start is None:
                    go("declined", at, person.id, "No free time before your deadline, sorry.")
                elif go("confirmed", at, person.id):
                    self.confirmed(row, person, ctx, at, start, length, agenda, go)
        row["status"] = moves[-1][0] if moves else "requested"
        row["updated_at"] = _dt(moves[-1][1]) if moves else row["created_at"]
        row["reason"] = next((m[3] for m in moves if m[0] in ("rejected", "declined", "cancelled")), None)
        if row["status"] in ("confirmed", "completed", "no_show"):
            ctx.met.append(person.id)
        self.add("meeting", row)
        last = "requested"
        for to, at, actor, note in moves:
            self.add("meeting_transition", {"id": self.new_id("meeting_transition"), "meeting_id": mid,
                                            "from_status": last, "to_status": to, "actor_id": actor,
                                            "at": _dt(at), "reason": note})
            last = to
        for q in agenda:
            self.add("meeting_question", {"meeting_id": mid, "question_id": q["id"]})
        if row["status"] in ACTIVE and fmt != "written":
            self.proposed(row, person, t0, length)

    def confirmed(self, row, person: Person, ctx, at: int, start: int, length: int, agenda, go) -> None:
        """After confirmation: cancelled (time released), a no-show, or completed and rated; the
        person's time stays held otherwise (as ``end_conversation`` leaves it)."""
        rng = self.rng
        end = start + length * 60
        row.update(start_at=_dt(start), end_at=_dt(end), sequence=1)
        if row["format"] == "video":
            row["video_link"] = video_link_for(SimpleNamespace(format="video", uid=row["uid"]))
        r, held = rng.random(), True
        if r < 0.05:
            cancel = at + 60 + int(max(0, start - 12 * H - at - 60) * rng.random())
            if go("cancelled", cancel, rng.choice((ctx.user_id, person.id)), "Something came up, sorry."):
                row["sequence"], held = 2, False
        elif r < 0.08:
            by = rng.choice(("candidate", "staff"))
            note = "Reported by the candidate" if by == "candidate" else "Reported by the person"
            actor = ctx.user_id if by == "candidate" else person.id
            if go("no_show", start + rng.randint(15, 90) * 60, actor, note):
                row["no_show_reported_by"] = by
        else:
            done = end + self.hours(2)
            if go("completed", done, ctx.user_id):
                high = rng.random() < (0.85 if ctx.accepting else 0.6)
                weights = (45, 35, 13, 5, 2) if high else (25, 35, 25, 10, 5)
                row["rating"] = rng.choices((5, 4, 3, 2, 1), weights)[0]
                row["answered_needs"] = rng.random() < 0.85
                self.agenda_answered(agenda, done, person.id, ctx.limit, "conversation")
        if held:
            first, last = start // UNIT, -(-end // UNIT)
            for unit in range(first, last):
                person.units.add(unit)
                ctx.units.add(unit)
                self.add("booked_unit", {"staff_id": person.id, "unit_start": _dt(unit * UNIT),
                                         "meeting_id": row["id"]})
            week = (start + 3 * DAY) // (7 * DAY)
            self.week_load[(person.id, week)] = self.week_load.get((person.id, week), 0) + 1

    def agenda_answered(self, agenda, at: int, person_id: int, limit: int, via: str) -> None:
        for q in agenda:
            if q["status"] == "open" and at < limit and self.rng.random() < 0.8:
                q.update(status="answered", answered_via=via, answered_by_id=person_id, answered_at=at)
                if via == "written":
                    q["written_answer"] = "Here is what I can tell you about this."

    def slot(self, person: Person, ctx, confirmed_at: int, length: int) -> int | None:
        """A start in the person's weekly windows, free for both and within the person's weekly cap."""
        rng = self.rng
        earliest = confirmed_at + min(12 * H, max(H, (ctx.end - confirmed_at) // 4))
        latest = max(ctx.end, earliest + DAY)
        for _ in range(10):
            target = earliest + int(rng.random() * (latest - earliest))
            start = self.in_window(person, target, earliest, length) or (target // UNIT + 1) * UNIT
            if start > latest + DAY:
                start = (target // UNIT + 1) * UNIT
            units = range(start // UNIT, -(-(start + length * 60) // UNIT))
            week = (start + 3 * DAY) // (7 * DAY)
            if (self.week_load.get((person.id, week), 0) < person.cap
                    and not any(u in person.units or u in ctx.units for u in units)):
                return start
        return None

    def in_window(self, person: Person, target: int, earliest: int, length: int) -> int | None:
        """The first start at or after ``target``'s day (and ``earliest``) in one of the person's weekly
        windows, in their own zone (so DST is right), or None if they have no window long enough."""
        local = datetime.fromtimestamp(target, person.zone)
        day0 = local.date().toordinal()
        for d in range(8):
            day = datetime.fromordinal(day0 + d)
            for weekday, begin, end in person.windows:
                if weekday != day.weekday() or end - begin < length:
                    continue
                minute = begin + 15 * self.rng.randrange((end - begin - length) // 15 + 1)
                ts = int(datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                                  tzinfo=person.zone).timestamp())
                if ts >= earliest:
                    return ts
        return None

    def proposed(self, row, person: Person, t0: int, length: int) -> None:
        """The times the candidate offered (the confirmed one among them)."""
        starts = {int(row["start_at"].timestamp())} if row["start_at"] else set()
        after = max(t0, self.now) + 12 * H
        for _ in range(self.rng.randint(1, 3) - len(starts)):
            starts.add(self.in_window(person, after + self.rng.randint(0, 5 * DAY), after, length)
                       or (after // UNIT + 1) * UNIT)
        for start in sorted(starts):
            self.add("proposed_slot", {"id": self.new_id("proposed_slot"), "meeting_id": row["id"],
                                       "start_at": _dt(start), "end_at": _dt(start + length * 60)})
