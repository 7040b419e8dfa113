"""`make bench`: the main pages under load on the scale data, next to a bare endpoint of the same app.

For each database (SQLite file, PostgreSQL) it builds the scale data once (``db upgrade`` +
``seed-scale``; reused on the next run), serves the app with gunicorn on loopback, signs in as a
recruiter and as a candidate with conversations (a sign-in token issued with the app's own services,
then the confirm URL opened through the server), warms up, and measures each page at a fixed
concurrency: requests per second, client latency p50/p99 and server time p50/p99 (``Server-Timing``).
The bare endpoint (``/healthz``: no database, no template) is the ceiling of this machine; every page
is shown as a ratio of it. Beside the pages: the candidate's presence poll, unchanged (``?since=`` the
current stamp: a 204 after reading the clock row; issue 16 wants at least half the bare endpoint's
throughput) and changed (no ``since``: the fresh fragment). It prints figures and exits 0: a
benchmark, never a test.

    make bench                                 # 100,000 candidates, SQLite and PostgreSQL
    make bench BENCH_ARGS="--candidates 2000 --requests 100"
    .venv/bin/python bench/run.py --databases sqlite --workers 2 --concurrency 4
    make bench BENCH_ARGS=--rebuild            # seed again after changing demodata/scale*.py

gunicorn runs sync workers (no keep-alive: each request is a new loopback connection) with
PORTAL_ENV=production, a fresh SECRET_KEY and Redis db 15 for rate limits when Redis answers on
127.0.0.1:6379 (development settings otherwise). The client threads share the machine's cores with
the server, so the ceiling includes the client's own cost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from serve import BIN, MARKER, ROOT, issue_sign_in, port_open, request, server_env, sign_in, start_server

INSTANCE = ROOT / "instance"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
UNCHANGED_GOAL = 0.5  # issue 16: the unchanged poll keeps at least half the bare endpoint's throughput

# (label, path, who, the answer expected): "who" is the session used for the request. ``{stamp}`` is
# the presence stamp a page carries (the ETag of the changed poll); a client that gets the fresh
# fragment (200: the stamp moved, e.g. each minute while someone is live) polls with its new stamp,
# as htmx does.
PAGES = [
    ("bare endpoint (/healthz)", "/healthz", "recruiter", 200),
    ("analytics", "/recruiter/analytics", "recruiter", 200),
    ("directory", "/people", "candidate", 200),
    ("candidate home", "/", "candidate", 200),
    ("recruiter queue", "/recruiter/requests", "recruiter", 200),
    ("presence poll, unchanged", "/office-hours/presence?since={stamp}", "candidate", 204),
    ("presence poll, changed", "/office-hours/presence", "candidate", 200),
]
UNCHANGED = PAGES[-2]


def say(text: str = "") -> None:
    print(text, flush=True)


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


def prepare(kind: str, candidates: int, base_env: dict, rebuild: bool = False) -> str:
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

        name = "portal_bench" if candidates == 100_000 else f"portal_bench_{candidates}"
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
        say(f"  built in {upgrade + seconds:.0f} s (db upgrade {upgrade:.1f} s, seed-scale {seconds:.0f} s)")
    return url


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    expect: int = 200
    status: int = 0
    rps: float = 0.0
    client: list[float] = field(default_factory=list)  # ms
    server: list[float] = field(default_factory=list)  # ms
    size: int = 0
    errors: int = 0
    changed: int = 0  # a ``{stamp}`` poll answered with the fresh fragment (the stamp moved meanwhile)


def stamp_of(headers) -> str:
    """The presence stamp a fragment carries: its ETag, unquoted."""
    etag = headers.get("ETag") or ""
    return etag.removeprefix("W/").strip('"')


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(port: int, label: str, path: str, cookie: str, args, expect: int = 200) -> Result:
    """``args.requests`` requests from ``args.concurrency`` threads (each its own connection), or as
    many as fit in ``args.seconds``; throughput is what completed over the wall time."""
    result = Result(label, expect)
    total, concurrency = args.requests, args.concurrency
    stamped = "{stamp}" in path

    def resolve(headers) -> str:
        return path.format(stamp=urllib.parse.quote(stamp_of(headers))) if stamped else path

    if stamped:  # the stamp the page was rendered with
        status, headers, _ = request(port, path.split("?", 1)[0], cookie=cookie)
        if status != 200:
            result.status = status
            return result
        first = resolve(headers)
    else:
        first = path
    status, _headers, body = request(port, first, cookie=cookie)
    result.status, result.size = status, len(body)
    if status != expect:
        return result
    for _ in range(args.warmup):
        request(port, first, cookie=cookie)
    lock, barrier = threading.Lock(), threading.Barrier(concurrency + 1)
    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times, server, errors, changed, current = [], [], 0, 0, first
        barrier.wait()
        for _ in range(n):
            if time.perf_counter() > stop_at:
                break
            began = time.perf_counter()
            code, headers, _ = request(port, current, cookie=cookie, connection=connection)
            times.append((time.perf_counter() - began) * 1000)
            if stamped and code == 200:  # the stamp moved: poll with the new one from now on
                changed += 1
                current = resolve(headers)
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


def table(title: str, results: list[Result]) -> None:
    """One row per page: throughput and latency, each next to its ratio to the bare endpoint."""
    bare = results[0]
    say(f"\n{title}")
    head = (f"{'page':<26} {'req/s':>8} {'÷ bare':>7} {'client p50':>11} {'p99':>8} {'× bare':>7}"
            f" {'server p50':>11} {'p99':>8} {'KB':>6}")
    say(head)
    say("-" * len(head))
    for r in results:
        if r.status != r.expect:
            say(f"{r.label:<26} not measured: the page answered {r.status}, not {r.expect}"
                + (" (not there yet)" if r.status == 404 else ""))
            continue
        ratio = r.rps / bare.rps if bare.rps else float("nan")
        slower = percentile(r.client, 50) / percentile(bare.client, 50) if bare.client else float("nan")
        client = f"{percentile(r.client, 50):9.1f}ms {percentile(r.client, 99):6.1f}ms"
        server = f"{percentile(r.server, 50):9.1f}ms {percentile(r.server, 99):6.1f}ms"
        notes = ([f"{len(r.client)} requests"] + ([f"{r.errors} errors"] if r.errors else [])
                 + ([f"{r.changed} answered with a fresh fragment"] if r.changed else []))
        say(f"{r.label:<26} {r.rps:8.1f} {ratio:7.3f} {client} {slower:7.1f} {server} {r.size / 1024:6.0f}"
            f"  ({', '.join(notes)})")
    say("÷ bare: share of the bare endpoint's req/s; × bare: client p50 over the bare endpoint's client p50;"
        " server: Server-Timing app;dur")


def interleaved(port: int, cookies: dict, args, rounds: int = 5) -> tuple[float, float] | None:
    """(bare req/s, unchanged poll req/s) measured in alternating rounds, so both see the same load
    (the machine is shared: a page measured a minute after the bare endpoint can see another load)."""
    (_l, bare_path, bare_who, _e), (_l2, poll_path, poll_who, poll_expect) = PAGES[0], UNCHANGED
    share = argparse.Namespace(**{**vars(args), "requests": max(args.requests // rounds, args.concurrency),
                                  "warmup": 0, "seconds": args.seconds / rounds})
    done, spent = [0, 0], [0.0, 0.0]
    for _ in range(rounds):
        for i, (path, who, expect) in enumerate(((bare_path, bare_who, 200), (poll_path, poll_who, poll_expect))):
            result = measure(port, "", path, cookies[who], share, expect)
            if result.status != expect or not result.rps:
                return None
            done[i] += len(result.client)
            spent[i] += len(result.client) / result.rps
    return done[0] / spent[0], done[1] / spent[1]


def verdict(pair: tuple[float, float] | None) -> None:
    if pair is None:
        say("unchanged presence poll: not measured side by side")
        return
    bare, poll = pair
    ratio = poll / bare
    say(f"unchanged presence poll, in alternating rounds with the bare endpoint: {poll:.1f} vs {bare:.1f} req/s"
        f" = {ratio:.2f} (goal: at least {UNCHANGED_GOAL} — {'met' if ratio >= UNCHANGED_GOAL else 'NOT met'})")


def bench(kind: str, args, base_env: dict) -> list[Result] | None:
    say(f"\n== {kind} ==")
    if kind == "postgresql" and not port_open("127.0.0.1", 5432):
        say("  PostgreSQL does not answer on 127.0.0.1:5432: skipped")
        return None
    url = prepare(kind, args.candidates, base_env, args.rebuild)
    port = free_port()
    env = server_env(base_env, url, port)
    log = INSTANCE / f"bench-gunicorn-{kind}.log"
    server = start_server(env, port, args.workers, log)
    try:
        tokens = issue_sign_in(env)
        cookies = {who: sign_in(port, raw) for who, (_email, raw) in tokens.items()}
        say(f"  gunicorn -w {args.workers} on 127.0.0.1:{port} (PORTAL_ENV={env['PORTAL_ENV']}); "
            "signed in as " + " and ".join(f"{who} {email}" for who, (email, _raw) in tokens.items()))
        say(f"  per page: {args.warmup} warm-up requests, then {args.requests} requests (at most "
            f"{args.seconds:g} s) from {args.concurrency} client threads")
        results = []
        for label, path, who, expect in PAGES:
            result = measure(port, label, path, cookies[who], args, expect)
            results.append(result)
            say(f"  {label}: {result.status}, {result.rps:.1f} req/s")
        pair = interleaved(port, cookies, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    table(f"{kind}: {args.candidates:,} candidates, gunicorn -w {args.workers}, "
          f"concurrency {args.concurrency}", results)
    verdict(pair)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rebuild", action="store_true", help="seed the scale data again")
    args = parser.parse_args()
    INSTANCE.mkdir(exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    say(f"Benchmark on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
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
    if len(summary) > 1:
        say("\nSide by side (req/s, and server time p50 in ms)")
        kinds = list(summary)
        say(f"{'page':<26}" + "".join(f" {k:>22}" for k in kinds))
        for i, (label, _path, _who, _expect) in enumerate(PAGES):
            cells = []
            for kind in kinds:
                r = summary[kind][i]
                cells.append(f"{r.rps:9.1f} /{percentile(r.server, 50):7.1f} ms" if r.status == r.expect
                             else f"{'(' + str(r.status) + ')':>22}")
            say(f"{label:<26}" + "".join(f" {c:>22}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
