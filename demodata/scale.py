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
from datetime import datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.analytics.rollup import rebuild_all
from portal.auth.models import User
from portal.candidates.models import LIST_GENERATION, STAGES, Candidate, ExitSurvey, Position
from portal.extensions import db
from portal.generations import bump
from portal.meetings.models import BookedUnit, CandidateBookedUnit, Meeting, MeetingTransition, ProposedSlot, meeting_question
from portal.people.models import APPROVAL_BY_DEFAULT, AvailabilityWindow, StaffProfile
from portal.questions.bank import BANK
from portal.questions.models import Question
from portal.timeutil import utcnow

from .scale_conversations import DAY, H, MARKER_DOMAIN, MEET_GROUPS, ConversationHistory, Person, _dt
from .scale_data import (CANDIDATE_ZONES, DECLINE_NOTES, EXIT_ANSWERS, FIRST, FUNDS, LAST, LEADERS,
                         OWN_QUESTIONS, REASONS, REASON_WEIGHTS, SOURCES, STAFF_ZONES, TEAMS, TEAM_SIZE,
                         TOPICS, TOPIC_KEYS, TOPIC_WEIGHTS)

BATCH = 5_000  # rows per executemany
FLUSH_AT = 60_000  # buffered rows before writing


class ScaleError(RuntimeError):
    """Scale data cannot be added here; the message says why and what to do instead."""


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
        # Written round the ORM: what servers keep is old (generations.py).
        bump(db.session.connection(), "people", "candidates", LIST_GENERATION)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    counts["seconds_seed"] = round(clock.perf_counter() - started, 1)
    builder.echo("Rebuilding the analytics rollup…")
    began = clock.perf_counter()
    rebuild_all()
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


class _Builder(ConversationHistory):
    """Generates rows candidate by candidate and writes them in batches (parents before children)."""

    ORDER = [User.__table__, StaffProfile.__table__, AvailabilityWindow.__table__, Position.__table__,
             Candidate.__table__, Question.__table__, Meeting.__table__, ProposedSlot.__table__,
             meeting_question, MeetingTransition.__table__, BookedUnit.__table__, CandidateBookedUnit.__table__,
             ExitSurvey.__table__]

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
                "candidate_booked_units": c["candidate_booked_unit"],
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
        user_id, _name = self.user("candidate", rng.choice(CANDIDATE_ZONES), offer, signed)
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
                              met=[], waiting=set())
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
