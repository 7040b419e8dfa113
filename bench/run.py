"""`make bench`: the main pages under load on the scale data, next to a bare endpoint of the same app.

For each database (SQLite file, PostgreSQL) it builds the scale data once (``db upgrade`` +
``seed-scale``; reused on the next run), serves the app with gunicorn on loopback, signs in as a
recruiter and as a candidate with conversations (a sign-in token issued with the app's own services,
then the confirm URL opened through the server), warms up, and measures each page at a fixed
concurrency: requests per second, client latency p50/p99 and server time p50/p99 (``Server-Timing``).
The bare endpoint (``/healthz``: no database, no template) is the ceiling of this machine; every page
is shown as a ratio of it. It prints figures and exits 0: a benchmark, never a test.

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
import secrets
import socket
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INSTANCE = ROOT / "instance"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS = ("127.0.0.1", 6379)
MARKER = "%@scale.example"

# (label, path, who): "who" is the session used for the request.
PAGES = [
    ("bare endpoint (/healthz)", "/healthz", "recruiter"),
    ("analytics", "/recruiter/analytics", "recruiter"),
    ("directory", "/people", "candidate"),
    ("candidate home", "/", "candidate"),
    ("recruiter queue", "/recruiter/requests", "recruiter"),
]


def say(text: str = "") -> None:
    print(text, flush=True)


# --- databases ----------------------------------------------------------------------------------


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


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


# --- the server and the sessions ----------------------------------------------------------------


def server_env(base_env: dict, url: str, port: int) -> dict:
    env = {**base_env, "DATABASE_URL": url, "SERVER_TIMING": "1",
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}"}
    if port_open(*REDIS):  # production settings need a shared rate-limit store
        env.update(PORTAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                   REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/15")
    else:
        env.update(PORTAL_ENV="development")
    return env


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "portal:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            if request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")


def request(port: int, path: str, method: str = "GET", body: str | None = None, cookie: str = "",
            connection: http.client.HTTPConnection | None = None):
    """(status, headers, body) of one request; ``connection`` is reused when given (keep-alive)."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        if own:
            connection.close()


def issue_sign_in(env: dict) -> dict[str, tuple[str, str]]:
    """{"recruiter"|"candidate": (e-mail, raw sign-in token)} issued with the app's own services."""
    os.environ.update({k: v for k, v in env.items() if k in (
        "DATABASE_URL", "PORTAL_ENV", "SECRET_KEY", "REDIS_URL", "PORTAL_BASE_URL")})
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    import sqlalchemy as sa

    from portal import create_app
    from portal.auth.models import User
    from portal.auth.services import SIGN_IN
    from portal.candidates.models import Candidate
    from portal.extensions import db
    from portal.meetings.models import Meeting
    from portal.auth.tokens import issue_token

    app = create_app({"SERVER_TIMING": False})
    with app.app_context():
        recruiter = db.session.scalar(sa.select(User).where(User.role == "recruiter", User.email.like(MARKER))
                                      .order_by(User.id).limit(1))
        busiest = (sa.select(Meeting.candidate_id).join(Candidate, Candidate.id == Meeting.candidate_id)
                   .where(Candidate.stage == "offer").group_by(Meeting.candidate_id)
                   .order_by(sa.func.count().desc(), Meeting.candidate_id).limit(1))
        candidate = db.session.scalar(sa.select(User).join(Candidate, Candidate.user_id == User.id)
                                      .where(Candidate.id == busiest.scalar_subquery()))
        out = {}
        for who, user in (("recruiter", recruiter), ("candidate", candidate)):
            raw, _row = issue_token(SIGN_IN, timedelta(minutes=10), user=user)
            out[who] = (user.email, raw)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return out


def sign_in(port: int, raw: str) -> str:
    """Open the e-mailed link through the server and press the button: the session cookie."""
    status, headers, body = request(port, f"/login/{raw}")
    if status != 200:
        raise RuntimeError(f"the sign-in link answered {status}")
    cookie = cookie_from(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token" value="([^"]+)"', body)
    form = f"csrf_token={unescape(token.group(1).decode())}"
    status, headers, _ = request(port, f"/login/{raw}", "POST", form, cookie)
    if status != 302:
        raise RuntimeError(f"signing in answered {status}")
    return cookie_from(headers)


def cookie_from(headers) -> str:
    return "; ".join(value.split(";", 1)[0] for key, value in headers.items() if key.lower() == "set-cookie")


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    status: int = 0
    rps: float = 0.0
    client: list[float] = field(default_factory=list)  # ms
    server: list[float] = field(default_factory=list)  # ms
    size: int = 0
    errors: int = 0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(port: int, label: str, path: str, cookie: str, args) -> Result:
    """``args.requests`` requests from ``args.concurrency`` threads (each its own connection), or as
    many as fit in ``args.seconds``; throughput is what completed over the wall time."""
    result = Result(label)
    total, concurrency = args.requests, args.concurrency
    status, _headers, body = request(port, path, cookie=cookie)
    result.status, result.size = status, len(body)
    if status != 200:
        return result
    for _ in range(args.warmup):
        request(port, path, cookie=cookie)
    lock, barrier = threading.Lock(), threading.Barrier(concurrency + 1)
    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times, server, errors = [], [], 0
        barrier.wait()
        for _ in range(n):
            if time.perf_counter() > stop_at:
                break
            began = time.perf_counter()
            code, headers, _ = request(port, path, cookie=cookie, connection=connection)
            times.append((time.perf_counter() - began) * 1000)
            errors += code != 200
            timing = re.search(r"app;dur=([\d.]+)", headers.get("Server-Timing", ""))
            if timing:
                server.append(float(timing.group(1)))
        connection.close()
        with lock:
            result.client.extend(times)
            result.server.extend(server)
            result.errors += errors

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
        if r.status != 200:
            say(f"{r.label:<26} not measured: the page answered {r.status}"
                + (" (not there yet)" if r.status == 404 else ""))
            continue
        ratio = r.rps / bare.rps if bare.rps else float("nan")
        slower = percentile(r.client, 50) / percentile(bare.client, 50) if bare.client else float("nan")
        client = f"{percentile(r.client, 50):9.1f}ms {percentile(r.client, 99):6.1f}ms"
        server = f"{percentile(r.server, 50):9.1f}ms {percentile(r.server, 99):6.1f}ms"
        notes = [f"{len(r.client)} requests"] + ([f"{r.errors} errors"] if r.errors else [])
        say(f"{r.label:<26} {r.rps:8.1f} {ratio:7.3f} {client} {slower:7.1f} {server} {r.size / 1024:6.0f}"
            f"  ({', '.join(notes)})")
    say("÷ bare: share of the bare endpoint's req/s; × bare: client p50 over the bare endpoint's client p50;"
        " server: Server-Timing app;dur")


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
        for label, path, who in PAGES:
            result = measure(port, label, path, cookies[who], args)
            results.append(result)
            say(f"  {label}: {result.status}, {result.rps:.1f} req/s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    table(f"{kind}: {args.candidates:,} candidates, gunicorn -w {args.workers}, "
          f"concurrency {args.concurrency}", results)
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
        for i, (label, _path, _who) in enumerate(PAGES):
            cells = []
            for kind in kinds:
                r = summary[kind][i]
                cells.append(f"{r.rps:9.1f} /{percentile(r.server, 50):7.1f} ms" if r.status == 200
                             else f"{'(' + str(r.status) + ')':>22}")
            say(f"{label:<26}" + "".join(f" {c:>22}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
