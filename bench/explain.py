"""Where a page's time goes: its SQL statements (timed, with query plans) and a Python profile.

    .venv/bin/python -m bench.explain /people "/people?q=Howard" /people/1 /
    .venv/bin/python -m bench.explain --profile /

Runs in-process (Flask test client) on the bench database; signs in through /login.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from typing import Any

from sqlalchemy import event

from bench import settings as S
from bench.client import csrf_from
from bench.seed import bench_app


class QueryLog:
    def __init__(self, engine: Any) -> None:
        self.engine, self.rows, self.active = engine, [], False
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["bench_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if self.active:
            self.rows.append((time.perf_counter() - conn.info["bench_started"], statement, parameters))


def _plan(engine: Any, statement: str, parameters: Any) -> str:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(f"      {row[-1]}" for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        return "\n".join(f"      {row[0]}" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--profile", action="store_true", help="also print the top functions (cProfile)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key: cumulative, tottime, ...")
    parser.add_argument("--width", type=int, default=400, help="characters of each SQL statement to print")
    args = parser.parse_args(argv)

    app = bench_app(S.database_url())
    from crm_platform.extensions import db

    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    done = client.post("/login", data={"csrf_token": token, "email": S.ADMIN_EMAIL, "password": S.ADMIN_PASSWORD})
    assert done.status_code == 303, done.status_code
    with app.app_context():
        engine = db.engine
    log = QueryLog(engine)
    for path in args.paths:
        for _ in range(2):  # warm caches
            client.get(path)
        took = []
        for _ in range(args.repeat):
            log.rows, log.active = [], True
            started = time.perf_counter()
            response = client.get(path)
            took.append((time.perf_counter() - started) * 1000)
            log.active = False
        print(f"\n=== GET {path}: HTTP {response.status_code}, {len(response.data):,} bytes, "
              f"best {min(took):.1f} ms of {args.repeat}; {len(log.rows)} SQL statements, "
              f"{sum(r[0] for r in log.rows) * 1000:.1f} ms in SQL (last run)")
        for seconds, statement, parameters in sorted(log.rows, key=lambda r: -r[0]):
            print(f"  {seconds * 1000:7.2f} ms  {' '.join(statement.split())[:args.width]}")
            print(f"           params {parameters!r:.200}")
            if statement.lstrip().upper().startswith("SELECT"):
                print(_plan(engine, statement, parameters))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(35)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
