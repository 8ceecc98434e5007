"""``make bench``: seed (once), serve with gunicorn, time the pages against a hello-world floor.

Writes bench/results/latest.json (a list of records: name, median_ms, p95_ms, n,
ratio_to_floor, and rows_per_s or skipped where they apply) and latest.meta.json
(dataset, machine, commit).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import settings as S
from bench import timing
from bench.client import Client
from bench.seed import Dataset, ensure_dataset
from bench.server import WORKERS, crm_server, hello_server

TARGET_RATIO = 10.0  # the target: list, search and detail within 10x the floor
TARGET_PAGES = ("people list", "people search", "person detail")

Throughput = Callable[[timing.Context], dict[str, Any]]


def _import_people_csv(ctx: timing.Context) -> dict[str, Any]:
    """rows/s of importing a 100k-row people CSV through the import job code (bench/import_bench.py).

    A fresh SQLite database by default; on PostgreSQL a throwaway company in the bench
    database (deleted afterwards), so the timed pages' dataset is never changed.
    """
    from bench import import_bench

    url = None if S.is_sqlite(ctx.data.url) else ctx.data.url
    record = import_bench.measure(import_bench.ROWS, url, _log)
    _log(f"  {record['name']}: {record['rows_per_s']:,.0f} rows/s (dry run {record['dry_run_rows_per_s']:,.0f} rows/s)")
    return record


# Name -> measurement returning a record with rows_per_s (see timing.record).
THROUGHPUT: dict[str, Throughput] = {"import 100k-row people CSV": _import_people_csv}


def _log(message: str) -> None:
    print(message, flush=True)


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=S.PROJECT_ROOT, capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=S.PROJECT_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def meta(data: Dataset, notes: list[str]) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "database": data.url.split(":", 1)[0] if S.is_sqlite(data.url) else data.url.split("@")[-1],
        "sqlite_version": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "gunicorn_workers": WORKERS,
        "dataset": {"key": S.dataset_key(), **data.counts, "seed_seconds": data.seed_seconds},
        "busiest_person": {"id": data.heavy_person_id, "activities": data.heavy_person_activities},
        "search_term": data.common_last_name,
        "requests_per_page": timing.REQUESTS,
        "warmup_per_page": timing.WARMUP,
        "notes": notes,
    }


def check_targets(rows: list[dict[str, Any]]) -> list[str]:
    """Pages over the issue's 10x-the-floor target."""
    return [
        f"{row['name']}: {row['ratio_to_floor']}x the floor (target <= {TARGET_RATIO:.0f}x)"
        for row in rows
        if not row.get("skipped") and row["name"].startswith(TARGET_PAGES) and row["ratio_to_floor"] > TARGET_RATIO
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=timing.REQUESTS, help="timed requests per page (default 50)")
    parser.add_argument("--output", default=str(S.RESULTS_DIR / "latest.json"))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses the 10x target")
    parser.add_argument("--pages-only", action="store_true",
                        help="skip the throughput measures (the 100k-row import): a quick check while tuning pages")
    args = parser.parse_args(argv)
    timing.REQUESTS = max(args.n, 1)

    started = time.perf_counter()
    data = ensure_dataset(_log)
    _log(f"dataset: {data.counts['person']:,} people, {data.counts['organization']:,} organizations, "
         f"{data.counts['activity']:,} activities; busiest person #{data.heavy_person_id} "
         f"({data.heavy_person_activities:,} activities); search term {data.common_last_name!r}")
    if "sales_deal" in data.counts:
        _log(f"dataset: {data.counts['sales_deal']:,} deals")
    notes = list(data.notes)
    for note in notes:
        _log(f"note: {note}")

    with hello_server() as hello, crm_server(data.url) as crm:
        _log(f"serving: hello floor at {hello.base}, CRM at {crm.base} (gunicorn, {WORKERS} sync workers)")
        crm_client = Client(crm.base)
        crm_client.login()
        ctx = timing.Context(crm=crm_client, hello=Client(hello.base), data=data)
        _log(f"timing: {timing.WARMUP} warm-up + {timing.REQUESTS} timed requests per page")
        rows = timing.run_cases(ctx, _log)
        for name, measure in ({} if args.pages_only else THROUGHPUT).items():
            try:
                rows.append(measure(ctx))
            except timing.Skip as reason:
                rows.append(timing.skipped(name, str(reason)))
                _log(f"  {name}: skipped ({reason})")
    notes += [f"{row['name']}: skipped ({row['skipped']})" for row in rows if row.get("skipped")]
    output = S.PROJECT_ROOT / args.output  # an absolute --output stays as it is
    timing.write_json(output, rows, meta(data, notes))
    _log("")
    _log(timing.table(rows))
    _log("")
    misses = check_targets(rows)
    for miss in misses:
        _log(f"over target: {miss}")
    _log(f"wrote {os.path.relpath(output, S.PROJECT_ROOT)} in {time.perf_counter() - started:.0f}s")
    return 1 if misses and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
