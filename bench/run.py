"""`make bench`: every page under load on the scale data, next to a bare endpoint of the same app.

For each database (SQLite file, PostgreSQL) it builds the scale data once (``db upgrade`` +
``seed-scale``; reused on the next run), serves the app with gunicorn on loopback, signs in as a
recruiter and as the busiest candidate (sign-in tokens issued with the app's own services, then the
confirm URL opened through the server), issues the e-mailed links a person or an interviewer would
get, warms up, and measures each page at a fixed concurrency: requests per second, client latency
p50/p99 and server time p50/p99 (``Server-Timing``). The bare endpoint (``/healthz``: no database, no
template) is the ceiling of this machine; every page is shown as a ratio of it and against issue
19's goal for its kind (bench/report.py). Each page is measured in rounds (``--rounds``), each after
a round of the bare endpoint, and its ratio is to the bare endpoint of those same rounds: this
machine's speed drifts within a run, and the ratio should not. The polls are measured unchanged (``?since=`` the current
stamp: 204; ``If-None-Match`` the current ETag: 304) and changed (the fresh fragment).

The table is also written as JSON under ``instance/`` (``bench-<when>.json``); ``--compare OLD.json``
prints, per database and page, the change since that run. It prints figures and exits 0: a
benchmark, never a test.

    make bench                                 # 100,000 candidates, SQLite and PostgreSQL
    make bench BENCH_ARGS="--candidates 2000 --requests 100"
    make bench BENCH_ARGS="--compare instance/bench-20261205-1210.json"
    .venv/bin/python bench/run.py --databases sqlite --workers 2 --concurrency 4 --only analytics
    make bench BENCH_ARGS=--rebuild            # seed again after changing demodata/scale*.py

gunicorn runs sync workers (no keep-alive: each request is a new loopback connection) with
PORTAL_ENV=production, a fresh SECRET_KEY and Redis db 15 for rate limits when Redis answers on
127.0.0.1:6379 (development settings otherwise). The client threads share the machine's cores with
the server, so the ceiling includes the client's own cost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import string
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from report import GOALS, Result, compare, say, table, write_json
from serve import BIN, MARKER, ROOT, issue_sign_in, port_open, request, server_env, sign_in, start_server

INSTANCE = ROOT / "instance"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
UNCHANGED_GOAL = 0.5  # issue 16: the unchanged poll keeps at least half the bare endpoint's throughput

# (label, path, who, the answer expected, kind). "who" is the session used ("link": none, an
# e-mailed link's token is in the path); "kind" picks the goal (report.GOALS). ``{name}`` in a path
# is a target found in the data (serve.issue_sign_in) or a date; ``{stamp}`` is the presence stamp a
# page carries (the ETag of the changed poll): a client that gets the fresh fragment (200: the stamp
# moved, e.g. each minute while someone is live) polls with its new stamp, as htmx does. Kind "poll"
# with expect 304 sends If-None-Match with the ETag of the first answer.
PAGES = [
    ("bare endpoint (/healthz)", "/healthz", "recruiter", 200, "bare"),
    ("candidate home", "/", "candidate", 200, "candidate"),
    ("directory", "/people", "candidate", 200, "candidate"),
    ("a profile", "/people/{person}", "candidate", 200, "candidate"),
    ("questions", "/questions", "candidate", 200, "candidate"),
    ("conversations", "/meetings", "candidate", 200, "candidate"),
    ("a conversation", "/meetings/{meeting}", "candidate", 200, "candidate"),
    ("the request form", "/people/{fresh_person}/request", "candidate", 200, "candidate"),
    ("recruiter home", "/", "recruiter", 200, "recruiter"),
    ("candidates", "/recruiter/candidates", "recruiter", 200, "recruiter"),
    ("candidates, searched", "/recruiter/candidates?q=silva", "recruiter", 200, "recruiter"),
    ("a candidate's page", "/recruiter/candidates/{candidate_id}", "recruiter", 200, "recruiter"),
    ("recruiter queue", "/recruiter/requests", "recruiter", 200, "recruiter"),
    ("analytics", "/recruiter/analytics", "recruiter", 200, "recruiter"),
    ("analytics, filtered", "/recruiter/analytics?from={year_ago}&to={this_month}&team={team}", "recruiter", 200,
     "recruiter"),
    ("people management", "/recruiter/people", "recruiter", 200, "recruiter"),
    ("audit trail", "/recruiter/audit", "admin", 200, "recruiter"),
    ("e-mailed invitation", "/invite/{invite_token}", "link", 200, "link"),
    ("e-mailed manage page", "/invite/manage/{manage_token}", "link", 200, "link"),
    ("e-mailed feedback form", "/feedback/{feedback_token}", "link", 200, "link"),
    ("presence poll, unchanged", "/office-hours/presence?since={stamp}", "candidate", 204, "poll"),
    ("presence poll, If-None-Match", "/office-hours/presence", "candidate", 304, "poll"),
    ("presence poll, changed", "/office-hours/presence", "candidate", 200, ""),
    ("queue refresh, If-None-Match", "/recruiter/requests", "recruiter", 304, "poll"),
]
UNCHANGED = PAGES[-4]


# --- databases ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> float:
    """Run ``flask --app portal ARGS`` with ``env``; its output goes straight to ours. Returns seconds."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "--app", "portal", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def seeded_candidates(url: str) -> int | None:
    """How many scale candidates the database holds (None: no schema yet)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                'SELECT COUNT(*) FROM candidate JOIN "user" ON "user".id = candidate.user_id '
                "WHERE \"user\".email LIKE :marker"), {"marker": MARKER}).scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def prepare(kind: str, candidates: int, base_env: dict, rebuild: bool = False, pg_name: str | None = None) -> str:
    """The database URL of a database holding the scale data for ``candidates`` (built if needed)."""
    if kind == "sqlite":
        path = INSTANCE / f"bench-{candidates}.db"
        url = f"sqlite:///{path}"
        have = seeded_candidates(url) if path.exists() and not rebuild else None
        if path.exists() and have != candidates:
            say(f"  rebuilding {path.name}" if rebuild else
                f"  {path.name} is incomplete ({have} candidates): building it again")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        name = pg_name or ("portal_bench" if candidates == 100_000 else f"portal_bench_{candidates}")
        url = f"{PG_SERVER}/{name}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            have = seeded_candidates(url) if exists and not rebuild else None
            if exists and have != candidates:
                say(f"  rebuilding database {name}" if rebuild else
                    f"  database {name} is incomplete ({have} candidates): building it again")
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    env = {**base_env, "PORTAL_ENV": "development", "DATABASE_URL": url}
    upgrade = flask(env, "db", "upgrade")  # also brings a cached database up to the newest migration
    if have == candidates:
        say(f"  reusing {url} ({candidates:,} candidates; db upgrade {upgrade:.1f} s)")
    else:
        say(f"  seeding {url} …")
        seconds = flask(env, "seed-scale", "--candidates", str(candidates))
        if kind == "postgresql":  # as autovacuum would after a while: statistics, and index-only scans
            import psycopg

            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
        else:  # as the worker does when it starts (portal.database.refresh_statistics)
            import sqlite3

            with sqlite3.connect(path) as connection:
                connection.execute("ANALYZE")
        say(f"  built in {upgrade + seconds:.0f} s (db upgrade {upgrade:.1f} s, seed-scale {seconds:.0f} s)")
    return url


# --- measuring ----------------------------------------------------------------------------------


def stamp_of(headers) -> str:
    """The presence stamp a fragment carries: its ETag, unquoted."""
    etag = headers.get("ETag") or ""
    return etag.removeprefix("W/").strip('"')


class _Keep(dict):
    def __missing__(self, key):  # ``{stamp}`` is filled while measuring
        if key == "stamp":
            return "{stamp}"
        raise KeyError(key)


def resolve_path(path: str, targets: dict) -> str | None:
    """``path`` with its ``{target}``s filled (URL-quoted), or None when the data has no such target."""
    names = {name for _text, name, _spec, _conv in string.Formatter().parse(path) if name and name != "stamp"}
    if not names <= targets.keys():
        return None
    return path.format_map(_Keep({name: urllib.parse.quote(targets[name], safe="") for name in names}))


def measure(port: int, label: str, path: str, cookie: str, args, expect: int = 200, kind: str = "") -> Result:
    """``args.requests`` requests from ``args.concurrency`` threads (each its own connection), or as
    many as fit in ``args.seconds``; throughput is what completed over the wall time. A poll that
    expects 304 sends ``If-None-Match`` with the ETag of the first answer (and of each fresh one)."""
    result = Result(label, path, kind, expect)
    total, concurrency = args.requests, args.concurrency
    stamped, conditional = "{stamp}" in path, expect == 304
    extra = {"HX-Request": "true"} if conditional else {}

    def resolve(headers) -> str:
        return path.format(stamp=urllib.parse.quote(stamp_of(headers))) if stamped else path

    etag = ""
    if stamped or conditional:  # the stamp (ETag) the page was rendered with
        status, headers, _ = request(port, path.split("?", 1)[0] if stamped else path, cookie=cookie, headers=extra)
        if status != 200 or (conditional and not headers.get("ETag")):
            result.status = status if status != 200 else -1
            result.missing = "" if status != 200 else "the answer carries no ETag"
            return result
        first, etag = resolve(headers), headers.get("ETag", "")
    else:
        first = path
    status, _headers, body = request(port, first, cookie=cookie, headers={**extra, "If-None-Match": etag} if etag else None)
    result.status, result.size = status, len(body)
    if status != expect:
        return result
    for _ in range(args.warmup):
        request(port, first, cookie=cookie, headers={**extra, "If-None-Match": etag} if etag else None)
    lock, barrier = threading.Lock(), threading.Barrier(concurrency + 1)
    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times, server, errors, changed, current, tag = [], [], 0, 0, first, etag
        barrier.wait()
        for _ in range(n):
            if time.perf_counter() > stop_at:
                break
            began = time.perf_counter()
            code, headers, _ = request(port, current, cookie=cookie, connection=connection,
                                       headers={**extra, "If-None-Match": tag} if tag else None)
            times.append((time.perf_counter() - began) * 1000)
            if (stamped or conditional) and code == 200:  # the state moved: poll with the new stamp
                changed += 1
                current, tag = resolve(headers), headers.get("ETag", tag)
            else:
                errors += code != expect
            timing = re.search(r"app;dur=([\d.]+)", headers.get("Server-Timing", ""))
            if timing:
                server.append(float(timing.group(1)))
        connection.close()
        with lock:
            result.client.extend(times)
            result.server.extend(server)
            result.errors += errors
            result.changed += changed

    threads = [threading.Thread(target=client, args=(n,)) for n in share]
    for thread in threads:
        thread.start()
    stop_at = time.perf_counter() + args.seconds  # read by the clients once they pass the barrier
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.rps = len(result.client) / (time.perf_counter() - began)
    return result


def paired(port: int, label: str, path: str, cookies: dict, who: str, args, expect: int, kind: str) -> Result:
    """The page measured in ``args.rounds`` rounds, each after a round of the bare endpoint: the
    page's figures, and in ``bare_rps`` the bare endpoint's req/s over the same minutes. The ratio
    then compares the two under the same load: this machine's speed drifts (the bare endpoint's req/s
    moved by a third between the start and the end of one run), and a page measured minutes after
    the bare endpoint's own row took that drift for its own."""
    rounds = max(1, args.rounds)
    share = {**vars(args), "requests": max(args.requests // rounds, args.concurrency), "seconds": args.seconds / rounds}
    result = Result(label, path, kind, expect)
    done, spent = [0, 0], [0.0, 0.0]
    for n in range(rounds):
        bare = measure(port, "", PAGES[0][1], cookies[PAGES[0][2]], argparse.Namespace(**{**share, "warmup": 0}))
        page = measure(port, label, path, cookies[who], argparse.Namespace(**{**share, "warmup": share["warmup"] if n == 0 else 0}),
                       expect, kind)
        if not page.measured:
            return page
        result.status, result.size = page.status, page.size
        result.client += page.client
        result.server += page.server
        result.errors, result.changed = result.errors + page.errors, result.changed + page.changed
        for i, part in enumerate((bare, page)):
            done[i] += len(part.client)
            spent[i] += len(part.client) / part.rps if part.rps else 0.0
    result.rps = done[1] / spent[1] if spent[1] else 0.0
    result.bare_rps = done[0] / spent[0] if spent[0] else 0.0
    return result


def interleaved(port: int, cookies: dict, path: str, args, rounds: int = 5) -> tuple[float, float] | None:
    """(bare req/s, unchanged poll req/s) measured in alternating rounds, so both see the same load
    (the machine is shared: a page measured a minute after the bare endpoint can see another load)."""
    (_l, bare_path, bare_who, _e, _k), (_l2, _p, poll_who, poll_expect, _k2) = PAGES[0], UNCHANGED
    share = argparse.Namespace(**{**vars(args), "requests": max(args.requests // rounds, args.concurrency),
                                  "warmup": 0, "seconds": args.seconds / rounds})
    done, spent = [0, 0], [0.0, 0.0]
    for _ in range(rounds):
        for i, (path_, who, expect) in enumerate(((bare_path, bare_who, 200), (path, poll_who, poll_expect))):
            result = measure(port, "", path_, cookies[who], share, expect)
            if result.status != expect or not result.rps:
                return None
            done[i] += len(result.client)
            spent[i] += len(result.client) / result.rps
    return done[0] / spent[0], done[1] / spent[1]


def verdict(pair: tuple[float, float] | None) -> None:
    goal = GOALS["poll"][0]
    if pair is None:
        say("unchanged presence poll: not measured side by side")
        return
    bare, poll = pair
    ratio = poll / bare
    say(f"unchanged presence poll, in alternating rounds with the bare endpoint: {poll:.1f} vs {bare:.1f} req/s"
        f" = {ratio:.2f} (goal: at least {goal} — {'met' if ratio >= goal else 'NOT met'})")


def dates(now: datetime) -> dict[str, str]:
    """The analytics filter's months: a year ago to this month."""
    return {"this_month": f"{now:%Y-%m}", "year_ago": f"{now.year - 1}-{now.month:02d}"}


def bench(kind: str, args, base_env: dict) -> list[Result] | None:
    say(f"\n== {kind} ==")
    if kind == "postgresql" and not port_open("127.0.0.1", 5432):
        say("  PostgreSQL does not answer on 127.0.0.1:5432: skipped")
        return None
    url = prepare(kind, args.candidates, base_env, args.rebuild, args.pg_database)
    port = free_port()
    env = server_env(base_env, url, port)
    log = INSTANCE / f"bench-gunicorn-{kind}.log"
    server = start_server(env, port, args.workers, log)
    try:
        tokens, targets = issue_sign_in(env)
        targets.update(dates(datetime.now(UTC)))
        cookies = {who: sign_in(port, raw) for who, (_email, raw) in tokens.items()} | {"link": ""}
        say(f"  gunicorn -w {args.workers} on 127.0.0.1:{port} (PORTAL_ENV={env['PORTAL_ENV']}); "
            "signed in as " + " and ".join(f"{who} {email}" for who, (email, _raw) in tokens.items()))
        say(f"  per page: {args.warmup} warm-up requests, then {args.requests} requests (at most "
            f"{args.seconds:g} s) from {args.concurrency} client threads")
        results, poll_path = [], None
        for label, path, who, expect, page_kind in PAGES:
            if args.only and label != PAGES[0][0] and not any(word in label for word in args.only):
                continue
            resolved = resolve_path(path, targets)
            if resolved is None:
                result = Result(label, path, page_kind, expect, missing="the scale data has none to show")
            else:
                result = (measure(port, label, resolved, cookies[who], args, expect, page_kind) if page_kind == "bare"
                          else paired(port, label, resolved, cookies, who, args, expect, page_kind))
            if (label, path) == UNCHANGED[:2]:
                poll_path = resolved
            results.append(result)
            say(f"  {label}: {result.status}, {result.rps:.1f} req/s")
        pair = interleaved(port, cookies, poll_path, args) if poll_path else None
    finally:
        server.terminate()
        server.wait(timeout=30)
    table(f"{kind}: {args.candidates:,} candidates, gunicorn -w {args.workers}, "
          f"concurrency {args.concurrency}", results)
    verdict(pair)
    return results


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4,
                        help="each page in this many rounds, each after a round of the bare endpoint (its ratio)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--only", action="append", default=[], help="pages whose label contains this (repeatable)")
    parser.add_argument("--rebuild", action="store_true", help="seed the scale data again")
    parser.add_argument("--pg-database", help="the PostgreSQL database's name (default portal_bench)")
    parser.add_argument("--compare", type=Path, help="an earlier run's JSON: show the change per page")
    parser.add_argument("--out", type=Path, help="where to write the JSON (default instance/bench-<when>.json)")
    args = parser.parse_args()
    if args.compare and not args.compare.is_file():
        parser.error(f"--compare: no such file {args.compare}")
    INSTANCE.mkdir(exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    started = datetime.now(UTC)
    say(f"Benchmark on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, commit {commit()}")
    summary = {}
    for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
        try:
            results = bench(kind, args, base_env)
        except Exception:  # noqa: BLE001  (a benchmark reports what went wrong and goes on)
            traceback.print_exc()
            say(f"  {kind}: not measured (see the error above)")
            continue
        if results:
            summary[kind] = results
    if not summary:
        return 0
    meta = {"when": f"{started:%Y-%m-%d %H:%M} UTC", "commit": commit(), "cpus": os.cpu_count(),
            "candidates": args.candidates, "workers": args.workers, "concurrency": args.concurrency,
            "requests": args.requests}
    out = args.out or INSTANCE / f"bench-{started:%Y%m%d-%H%M}.json"
    write_json(out, meta, summary)
    if args.compare:
        compare(args.compare, json.loads(out.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
