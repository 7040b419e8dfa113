"""Does asking for a sign-in link take longer for an address that has an account?

A benchmark, never a test: it prints figures and exits 0. The app runs in-process (Flask test
client) on a fresh SQLite file (or ``--database-url``), with one active account; it POSTs /login
for that account's address and for an unknown one in interleaved pairs (order alternating, so
drift and warm-up hit both alike), and prints the median, mean and spread of each, and a z score
of the difference of the means. Rate limits and the CSRF check are off (they cost the same for both).

    .venv/bin/python bench/login_timing.py                 # 200 pairs on SQLite
    .venv/bin/python bench/login_timing.py --pairs 500 --database-url postgresql://postgres@127.0.0.1/portal_bench_login

Before issue 13 (item 3) a known address took ≈ 7.3 ms and an unknown one ≈ 4.4 ms (z ≈ 10): the
lookup, token and mail rendering ran only for accounts. Now the request only records the ask, the
same INSERT for every address, and the worker does the rest.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()

    from portal import create_app
    from portal.auth.services import create_user
    from portal.extensions import db

    folder = tempfile.mkdtemp(prefix="login-timing-")
    app = create_app({
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder}/portal.db",
        "PORTAL_BASE_URL": "http://portal.test",
        "DEV_MAIL_DIR": f"{folder}/devmail",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        "SERVER_TIMING": False,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_user("riley@example.com", "Riley Morgan", "recruiter")
        db.session.commit()
    client = app.test_client()

    def post(email: str) -> float:
        started = time.perf_counter()
        response = client.post("/login", data={"email": email})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        return elapsed * 1000

    known, unknown = "riley@example.com", "nobody@example.com"
    for n in range(args.warmup):
        post(known if n % 2 else unknown)
    times: dict[str, list[float]] = {known: [], unknown: []}
    for n in range(args.pairs):
        for email in ((known, unknown) if n % 2 else (unknown, known)):
            times[email].append(post(email))

    def line(label: str, values: list[float]) -> str:
        return (f"{label:<8} median {statistics.median(values):6.2f} ms   mean {statistics.fmean(values):6.2f} ms"
                f"   sd {statistics.stdev(values):5.2f}   p90 {sorted(values)[int(len(values) * 0.9)]:6.2f} ms")

    a, b = times[known], times[unknown]
    z = (statistics.fmean(a) - statistics.fmean(b)) / math.sqrt(
        statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    print(f"POST /login, {args.pairs} interleaved pairs, {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    print(line("known", a))
    print(line("unknown", b))
    print(f"difference of medians {statistics.median(a) - statistics.median(b):+.2f} ms, z = {z:+.1f} "
          "(|z| > 3: the two can be told apart)")
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
