"""Where a page's time goes, in-process: ``make bench`` says how fast, this says why.

Opens the app on a benchmark database (``make bench`` builds them), signs in as the same people the
benchmark uses (bench/serve.py), requests one page a number of times through Flask's test client
and prints: the time per request, the SQL statements per request with the slowest ones (their time
summed over all requests), and cProfile's top functions by cumulative and by own time.

    .venv/bin/python bench/profile_page.py /questions                   # SQLite, as the candidate
    .venv/bin/python bench/profile_page.py /recruiter/candidates --who recruiter --database postgresql
    .venv/bin/python bench/profile_page.py "/people/{person}" --sql 20   # the 20 slowest statements in full
    .venv/bin/python bench/profile_page.py /recruiter/candidates/{candidate_id} --who recruiter --fresh -n 5
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from serve import ROOT  # noqa: E402

DATABASES = {"sqlite": f"sqlite:///{ROOT / 'instance' / 'bench-100000.db'}",
             "postgresql": "postgresql://postgres@127.0.0.1:5432/portal_bench"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the page; {person}, {meeting}, {candidate_id}… as in bench/run.py PAGES")
    parser.add_argument("--who", default="candidate", choices=("candidate", "recruiter", "admin", "link"))
    parser.add_argument("--database", default="sqlite", choices=tuple(DATABASES))
    parser.add_argument("--url", help="another database URL")
    parser.add_argument("-n", type=int, default=30, help="requests")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql", type=int, default=0, help="print this many of the slowest statements in full")
    parser.add_argument("--plain", action="store_true", help="no profiler: each request's time (median, p95)")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request (the fragment)")
    parser.add_argument("--etag", action="store_true",
                        help="send If-None-Match with the first answer's ETag (an unchanged poll: 304)")
    parser.add_argument("--save", type=Path, help="write the page's body to this file (to see what it carries)")
    parser.add_argument("--trace", action="store_true",
                        help="one request's statements in order, each with the application's lines that sent it")
    parser.add_argument("--fresh", action="store_true",
                        help="the statements built afresh for each request (not kept), by the line that ran them")
    args = parser.parse_args()
    url = args.url or DATABASES[args.database]
    env = {"DATABASE_URL": url, "PORTAL_ENV": "development", "PORTAL_BASE_URL": "http://127.0.0.1"}
    from run import dates, resolve_path
    from serve import issue_sign_in

    tokens, targets = issue_sign_in({**os.environ, **env})
    from datetime import UTC, datetime

    targets.update(dates(datetime.now(UTC)))
    path = resolve_path(args.path, targets)
    if path is None:
        parser.error(f"the data has nothing for {args.path}")

    import sqlalchemy as sa

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SERVER_TIMING": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    if args.who != "link":
        raw = tokens[args.who][1]
        page = client.get(f"/login/{raw}")
        token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.data).group(1).decode()
        assert client.post(f"/login/{raw}", data={"csrf_token": token}).status_code == 302
    headers = {"HX-Request": "true"} if args.htmx else {}
    first = client.get(path, headers=headers)
    print(f"{path} as {args.who}: {first.status_code}, {len(first.data) / 1024:.0f} KB")
    if args.etag:
        if "ETag" not in first.headers:
            parser.error(f"{path} answers without an ETag")
        headers["If-None-Match"] = first.headers["ETag"]
        print(f"  with If-None-Match: {client.get(path, headers=headers).status_code}")
    if args.save:
        args.save.write_bytes(first.data)

    if args.trace:
        return trace(app, client, path, headers)
    if args.fresh:
        return fresh(app, client, path, headers, args.n)
    if args.plain:
        times = []
        for _ in range(args.n):
            began = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        print(f"median {times[len(times) // 2]:.1f} ms, p95 {times[min(len(times) - 1, int(len(times) * 0.95))]:.1f} ms"
              f" over {args.n} requests (no profiler)")
        return 0
    statements: dict[str, list[float]] = defaultdict(list)
    started_at: list[float] = []

    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        started_at.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        statements[statement].append((time.perf_counter() - started_at.pop()) * 1000)

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(args.n):
        client.get(path, headers=headers)
    profiler.disable()
    spent = (time.perf_counter() - began) * 1000 / args.n
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)
    count = sum(len(times) for times in statements.values()) / args.n
    sql = sum(sum(times) for times in statements.values()) / args.n
    print(f"{spent:.1f} ms a request (under the profiler); {count:.0f} statements, {sql:.1f} ms of SQL a request\n")
    print("slowest statements (ms a request, calls a request):")
    for statement, times in sorted(statements.items(), key=lambda item: -sum(item[1]))[:8]:
        print(f"  {sum(times) / args.n:7.2f} ms  ×{len(times) / args.n:.0f}  {' '.join(statement.split())[:300]}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(re.sub(r"\n{3,}", "\n\n", out.getvalue()))
    for statement, times in sorted(statements.items(), key=lambda item: -sum(item[1]))[:args.sql]:
        print(f"-- {sum(times) / len(times):.2f} ms each, ×{len(times) / args.n:.0f} a request\n{statement}\n")
    return 0


def trace(app, client, path: str, headers: dict) -> int:
    """Each statement of one request, in order, under the innermost application frames that sent it
    (where a lazy load or a repeated query comes from)."""
    import traceback

    import sqlalchemy as sa

    from portal.extensions import db

    package = str(Path(__file__).resolve().parents[1] / "portal")
    sent: list[tuple[str, list[str]]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        frames = [f"{Path(frame.filename).relative_to(package)}:{frame.lineno} {frame.name}"
                  for frame in traceback.extract_stack() if frame.filename.startswith(package)]
        sent.append((" ".join(statement.split()), frames[-3:]))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    client.get(path, headers=headers)
    sa.event.remove(engine, "before_cursor_execute", before)
    for number, (statement, frames) in enumerate(sent, 1):
        print(f"{number:3d}. {statement[:160]}")
        for frame in reversed(frames):
            print(f"       {frame}")
    return 0


def fresh(app, client, path: str, headers: dict, n: int) -> int:
    """Where the page builds a statement on every request: a statement object not run before (SQLAlchemy
    works out its cache key again for each new object; one built once, ``functools.cache``, is run
    again as it is). Lazy loads and the ORM's own writes show here too."""
    import traceback
    import weakref
    from collections import Counter

    import sqlalchemy as sa

    from portal.extensions import db

    package = str(Path(__file__).resolve().parents[1] / "portal")
    seen, built = weakref.WeakSet(), Counter()

    def before(conn, clause, multiparams, params, options):
        if clause in seen:
            return
        seen.add(clause)
        frames = [f"{Path(frame.filename).relative_to(package)}:{frame.lineno} {frame.name}"
                  for frame in traceback.extract_stack() if frame.filename.startswith(package)]
        built[frames[-1] if frames else "?"] += 1

    with app.app_context():
        engine = db.engine
    client.get(path, headers=headers)  # what is built once is built now
    sa.event.listen(engine, "before_execute", before)
    client.get(path, headers=headers)
    built.clear()
    for _ in range(n):
        client.get(path, headers=headers)
    sa.event.remove(engine, "before_execute", before)
    print(f"{sum(built.values()) / n:.1f} statements built afresh a request")
    for where, count in built.most_common():
        print(f"  {count / n:5.1f}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
