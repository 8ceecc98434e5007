"""Import throughput: a Faker-made people CSV (cached) through the real import job code.

The file is made once per row count (``bench/.cache/import-people-<rows>.csv``): names,
emails, phones, organizations, titles, cities, tags and stages, with about 1 % invalid
phones (refused rows) and 1 % repeated emails (duplicates, skipped). The import runs the
functions the worker runs (``crm_platform.dataio.tasks.check_import`` then
``run_import``: the dry run, then the import in batches with a commit each), on a fresh
SQLite database by default, or in a throwaway company of ``--database-url`` (deleted
afterwards). Both phases are timed; the record's ``rows_per_s`` is the import's.

    python -m bench.import_bench --rows 2000          # a quick check
    python -m bench.import_bench                      # 100,000 rows (what make bench runs)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import settings as S

ROWS = int(os.environ.get("CRM_BENCH_IMPORT_ROWS") or 100_000)
HEADER = ["First name", "Last name", "Email", "Phone", "Company", "Title", "City", "Country", "Tags", "Stage"]
STAGES = ("lead", "prospect", "customer", "churned")
TAGS = ("vip", "newsletter", "partner", "event-2026", "trial", "")
NAME = "import 100k-row people CSV"
AREAS = (212, 415, 312, 617, 303, 206, 512, 404)  # real US area codes: the numbers are valid


def csv_path(rows: int) -> Path:
    """The cached CSV of ``rows`` people."""
    return S.CACHE_DIR / f"import-people-{rows}.csv"


def generate_csv(rows: int, log: Any = print) -> Path:
    """Make the CSV once (deterministic: Faker seeded), reuse it afterwards."""
    path = csv_path(rows)
    if path.exists():
        return path
    from faker import Faker

    log(f"import bench: writing {rows:,} rows to {path.name}")
    faker = Faker("en_US")
    faker.seed_instance(7)
    rng = random.Random(7)
    firsts = [faker.first_name() for _ in range(500)]
    lasts = [faker.last_name() for _ in range(800)]
    companies = [faker.company() for _ in range(max(rows // 20, 10))]
    jobs = [faker.job()[:120] for _ in range(300)]
    cities = [faker.city() for _ in range(400)]
    S.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(rows):
            first, last = rng.choice(firsts), rng.choice(lasts)
            email_index = rng.randrange(index) if index and rng.random() < 0.01 else index
            exchange = 200 + (index // 10_000) % 700
            area = AREAS[index % len(AREAS)]
            phone = "12345" if rng.random() < 0.01 else f"+1 {area}-{exchange + (exchange == 555):03d}-{index % 10_000:04d}"
            writer.writerow([
                first, last, f"{first.lower()}.{last.lower()}.{email_index}@example.com", phone,
                rng.choice(companies) if rng.random() < 0.85 else "", rng.choice(jobs), rng.choice(cities), "US",
                "; ".join(t for t in {rng.choice(TAGS), rng.choice(TAGS)} if t), rng.choice(STAGES),
            ])
    partial.rename(path)
    return path


def _app(url: str, instance: Path) -> Any:
    from crm_platform.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": S.SECRET_KEY,
                       "CRM_IMPORT_MAX_ROWS": max(ROWS, 200_000)})


def measure(rows: int = ROWS, database_url: str | None = None, log: Any = print) -> dict[str, Any]:
    """Import the cached CSV of ``rows`` people; returns the bench record (with ``rows_per_s``)."""
    from flask_migrate import upgrade

    from crm_platform import tenancy
    from crm_platform.companies.service import add_member, create_company, get_or_create_user
    from crm_platform.customfields.service import fields_for
    from crm_platform.dataio import mapping, storage, tasks
    from crm_platform.dataio.models import ImportJob
    from crm_platform.dataio.reader import inspect
    from crm_platform.extensions import db

    source = generate_csv(rows, log)
    work = Path(tempfile.mkdtemp(prefix="import-bench-", dir=S.CACHE_DIR))
    url = database_url or f"sqlite:///{work / 'import.db'}"
    app = _app(url, work / "instance")
    try:
        with app.app_context():
            upgrade(revision="heads")
            company = create_company(f"Import bench {int(time.time())}")
            user = get_or_create_user(f"import-bench-{company.id}@example.com", "Import Bench")
            add_member(company, user, "admin")
            db.session.commit()
            company_id = company.id
            with tenancy.company_scope(company_id):
                stored = f"bench-{rows}.csv"
                shutil.copyfile(source, storage.folder(company_id) / stored)
                info = inspect(storage.path_of(company_id, stored), "csv")
                job = ImportJob(created_by_id=user.id, filename=source.name, stored_name=stored, file_format="csv",
                                encoding=info.encoding, delimiter=info.delimiter, headers=info.headers,
                                mapping=mapping.guess(info.headers, fields_for("person")), status="checking")
                db.session.add(job)
                db.session.commit()
                job_id = job.id
            log(f"import bench: dry run of {rows:,} rows")
            started = time.perf_counter()
            tasks.check_import(job_id, company_id)
            check_s = time.perf_counter() - started
            with tenancy.company_scope(company_id):
                job = db.session.get(ImportJob, job_id)
                job.status, job.policy = "running", "skip"
                db.session.commit()
            log(f"import bench: importing {rows:,} rows")
            started = time.perf_counter()
            tasks.run_import(job_id, company_id)
            run_s = time.perf_counter() - started
            with tenancy.company_scope(company_id):
                job = db.session.get(ImportJob, job_id)
                result = {
                    "name": NAME if rows == 100_000 else f"import {rows:,}-row people CSV",
                    "median_ms": round(run_s * 1000, 1), "p95_ms": None, "n": 1, "ratio_to_floor": None,
                    "rows_per_s": round(rows / run_s, 1), "dry_run_rows_per_s": round(rows / check_s, 1),
                    "rows": rows, "created": job.created_count, "skipped": job.skipped_count,
                    "refused": job.refused_count, "status": job.status,
                    "database": url.split(":", 1)[0],
                }
            if database_url:
                from crm_platform.companies.models import Company

                with tenancy.unscoped():
                    db.session.delete(db.session.get(Company, company_id))
                    db.session.commit()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the import bench alone and print its record."""
    parser = argparse.ArgumentParser(description="import throughput (rows/s) of a people CSV")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--database-url", default=None, help="import into a throwaway company of this database")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.rows, args.database_url), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
