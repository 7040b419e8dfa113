"""The figures of `make bench` (bench/run.py): the table printed per database, the JSON written under
``instance/`` and the comparison with an earlier run's JSON (``--compare OLD.json``).

Each page has a goal (issue 19): candidate pages and e-mailed-link pages at least 0.30 of the bare
endpoint's throughput with server time p99 at most 15 ms, recruiter pages 0.15 and 30 ms, a repeated
request answering an unchanged state (a poll: 204 to ``?since=``, 304 to ``If-None-Match``) 0.5.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

GOALS = {  # kind: (share of the bare endpoint's req/s, server p99 ms or None)
    "candidate": (0.30, 15.0),
    "link": (0.30, 15.0),
    "recruiter": (0.15, 30.0),
    "poll": (0.50, None),
}


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass
class Result:
    label: str
    path: str = ""
    kind: str = "candidate"
    expect: int = 200
    status: int = 0
    rps: float = 0.0
    client: list[float] = field(default_factory=list)  # ms
    server: list[float] = field(default_factory=list)  # ms
    size: int = 0
    errors: int = 0
    changed: int = 0  # a poll answered with the fresh fragment (the state moved meanwhile)
    missing: str = ""  # why it was not measured (the data has no such thing)
    bare_rps: float = 0.0  # the bare endpoint's req/s in rounds alternating with this page's (run.paired)

    def ratio(self, bare: Result) -> float:
        """This page's req/s ÷ the bare endpoint's: the one measured alongside it, else the run's."""
        reference = self.bare_rps or bare.rps
        return self.rps / reference if reference else float("nan")

    @property
    def measured(self) -> bool:
        return self.status == self.expect and bool(self.client)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def goal_met(result: Result, ratio: float) -> str:
    """"met", "NOT met" (with what fell short) or "" for a row without a goal."""
    goal = GOALS.get(result.kind)
    if goal is None:
        return ""
    share, p99 = goal
    short = []
    if not ratio >= share:
        short.append(f"÷bare<{share}")
    if p99 is not None and not percentile(result.server, 99) <= p99:
        short.append(f"p99>{p99:g}ms")
    return "met" if not short else "NOT met (" + ", ".join(short) + ")"


def table(title: str, results: list[Result]) -> None:
    """One row per page: throughput and latency, each next to its ratio to the bare endpoint."""
    bare = results[0]
    say(f"\n{title}")
    head = (f"{'page':<34} {'req/s':>8} {'÷ bare':>7} {'client p50':>11} {'p99':>8}"
            f" {'server p50':>11} {'p99':>8} {'KB':>5}  goal")
    say(head)
    say("-" * (len(head) + 20))
    for r in results:
        if not r.measured:
            why = r.missing or (f"the page answered {r.status}, not {r.expect}" if r.status else "no answers")
            say(f"{r.label:<34} not measured: {why}")
            continue
        ratio = r.ratio(bare)
        client = f"{percentile(r.client, 50):9.1f}ms {percentile(r.client, 99):6.1f}ms"
        server = f"{percentile(r.server, 50):9.1f}ms {percentile(r.server, 99):6.1f}ms"
        notes = ([f"{r.errors} errors"] if r.errors else []) + ([f"{r.changed} fresh"] if r.changed else [])
        say(f"{r.label:<34} {r.rps:8.1f} {ratio:7.3f} {client} {server} {r.size / 1024:5.0f}  "
            f"{goal_met(r, ratio)}{'  (' + ', '.join(notes) + ')' if notes else ''}")
    say("÷ bare: share of the bare endpoint's req/s, measured in rounds alternating with the page's; server: Server-Timing app;dur;"
        " goal: issue 19's share and server p99 for the page's kind")


def as_json(results: list[Result]) -> list[dict]:
    bare = results[0]
    rows = []
    for r in results:
        row = {"label": r.label, "path": r.path, "kind": r.kind, "status": r.status, "expect": r.expect,
               "measured": r.measured, "missing": r.missing}
        if r.measured:
            ratio = r.ratio(bare)
            ratio = None if math.isnan(ratio) else ratio
            row.update(rps=round(r.rps, 1), ratio=round(ratio, 3) if ratio else None, requests=len(r.client),
                       client_p50=round(percentile(r.client, 50), 2), client_p99=round(percentile(r.client, 99), 2),
                       server_p50=round(percentile(r.server, 50), 2) if r.server else None,
                       server_p99=round(percentile(r.server, 99), 2) if r.server else None,
                       bare_rps=round(r.bare_rps, 1) if r.bare_rps else None, kb=round(r.size / 1024, 1), errors=r.errors, fresh=r.changed,
                       goal=goal_met(r, ratio) if ratio else "")
        rows.append(row)
    return rows


def write_json(path: Path, meta: dict, summary: dict[str, list[Result]]) -> None:
    path.write_text(json.dumps({"meta": meta, "databases": {kind: as_json(results)
                                                           for kind, results in summary.items()}}, indent=1))
    say(f"\nWritten to {path} (compare a later run with: make bench BENCH_ARGS=\"--compare {path}\")")


def _cell(value, fmt: str) -> str:
    return format(value, fmt) if isinstance(value, (int, float)) and not math.isnan(value) else "—"


def compare(old_path: Path, new: dict) -> None:
    """Per database and page: req/s, ratio and server p50 and p99 before → after (pages matched by
    label). Server time is the steadiest of these figures: req/s and the ratio move with the machine."""
    old = json.loads(old_path.read_text())
    say(f"\nCompared with {old_path} ({old['meta'].get('when', '?')}, {old['meta'].get('commit', '?')})")
    for kind, rows in new["databases"].items():
        before = {row["label"]: row for row in old["databases"].get(kind, [])}
        say(f"\n{kind}")
        head = (f"{'page':<34} {'req/s before':>12} {'after':>8} {'change':>7}  {'÷ bare':>6} → {'after':<6}"
                f" {'server p50':>10} → {'after':<8} {'server p99':>10} → {'after':<8}")
        say(head)
        say("-" * len(head))
        for row in rows:
            was = before.get(row["label"])
            if was is None or not was.get("measured") or not row.get("measured"):
                state = "new page" if was is None else ("not measured before" if not was.get("measured")
                                                        else "not measured now")
                say(f"{row['label']:<34} {state}")
                continue
            change = (row["rps"] / was["rps"] - 1) * 100 if was["rps"] else float("nan")
            say(f"{row['label']:<34} {_cell(was['rps'], '12.1f')} {_cell(row['rps'], '8.1f')} {change:+6.0f}%"
                f"  {_cell(was['ratio'], '6.3f')} → {_cell(row['ratio'], '<6.3f')}"
                f" {_cell(was.get('server_p50'), '8.1f')}ms → {_cell(row.get('server_p50'), '<6.1f')}ms"
                f" {_cell(was.get('server_p99'), '8.1f')}ms → {_cell(row.get('server_p99'), '.1f')}ms")
