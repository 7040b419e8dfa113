"""Scale data, part two: each conversation's history (``scale.py`` builds everything around it).

A conversation goes through ``meetings.states.TRANSITIONS`` with ordered timestamps, stops where
``now`` cuts it, and a confirmed one holds its person's time in 15-minute units that never overlap
and stay within the person's weekly cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from portal.meetings.calendar import video_link_for
from portal.meetings.models import WAITING
from portal.meetings.states import ACTIVE
from portal.people.models import APPROVAL_BY_DEFAULT

MARKER_DOMAIN = "scale.example"  # every scale account's e-mail ends with @scale.example
H, DAY, UNIT = 3600, 86_400, 900  # seconds; a booking unit is 15 minutes
MEET_GROUPS = ("team", "alumni", "leadership", "investor", "board")
MEET_WEIGHTS = {True: (74, 13, 3, 3, 1.5), False: (68, 18, 4, 4, 2)}


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


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


class ConversationHistory:
    """The conversation-building half of the scale builder (a mixin: it uses the builder's rng, ids and rows)."""

    def pick_person(self, ctx) -> Person:
        """Mostly the team of the position, rarely the same person twice, and never someone the candidate
        still waits for (one waiting request per candidate and person: ux_meeting_one_waiting)."""
        rng = self.rng
        for attempt in range(60):
            group = rng.choices(MEET_GROUPS, MEET_WEIGHTS[ctx.accepting])[0]
            if group == "team" and rng.random() < 0.7:
                person = self.choose(self.team_pool[ctx.team])
            else:
                person = self.choose(self.pool[group])
            if person.id not in ctx.waiting and (attempt >= 3 or person.id not in ctx.asked):
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
            elif r < 0.11 and (other := rng.choice(self.team_pool[ctx.team])).id not in ctx.waiting:
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
        if row["status"] in WAITING:
            ctx.waiting.add(row["staff_id"])
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
                self.add("candidate_booked_unit", {"candidate_id": ctx.id, "unit_start": _dt(unit * UNIT),
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
