"""Seed the benchmark dataset once, cache it, and describe it.

SQLite: the dataset is built into ``bench/.cache/bench-<dataset key>.db.partial`` and renamed
when complete, so an interrupted run never leaves a half-seeded cache behind.
``CRM_DATABASE_URL`` (PostgreSQL, or an SQLite file): seeded into that database; skipped when the company
"Bench Co" already has every person (a partial one is deleted and seeded again).

Rows go in with SQLAlchemy Core ``insert()`` executemany batches (``company_id`` set
explicitly, so the ORM's tenancy scoping is not involved); the rows come from bench/fake.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import settings as S
from bench.fake import Generator
from bench.seed_contacts import e164, seed_contacts

BATCH = 10_000
EXTRA_MEMBERS = 4

Log = Callable[[str], None]


def _seed_sales(app: Any, company_id: int, log: Log) -> None:
    from bench.seed_sales import seed_deals

    seed_deals(app, company_id, log)


# Plugin name -> seeder(app, company_id, log) for that plugin's data, run (in an app context)
# whenever the plugin is installed; each seeder skips data it already seeded.
PLUGIN_SEEDERS: dict[str, Callable[[Any, int, Log], None]] = {"sales": _seed_sales}


@dataclass
class Dataset:
    """What the timing code needs to know about the seeded data."""

    url: str
    company_id: int
    counts: dict[str, int]
    heavy_person_id: int
    heavy_person_activities: int
    common_last_name: str
    plugins: list[str]
    endpoints: set[str]
    rules: dict[str, str] = field(default_factory=dict, repr=False)  # endpoint -> URL (rules without arguments)
    notes: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list, repr=False)
    last_names: list[str] = field(default_factory=list, repr=False)  # the 20 most common
    seed_seconds: float | None = None


def bench_app(url: str) -> Any:
    """The CRM app on ``url`` with the bench settings (sets this process's CRM_* variables)."""
    for key in [k for k in os.environ if k.startswith("CRM_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in S.server_env(url, 5000).items() if k.startswith("CRM_")})
    from crm_platform.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def _migrate() -> None:
    from flask_migrate import upgrade

    upgrade(revision="heads")


# --- Seeding --------------------------------------------------------------------------------------


def _batched(rows: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: Any, table: sa.Table, rows: Iterator[dict[str, Any]], log: Log, label: str) -> int:
    started, done = time.perf_counter(), 0
    for batch in _batched(rows):
        conn.execute(table.insert(), batch)
        conn.commit()
        done += len(batch)
    took = time.perf_counter() - started
    log(f"  {label}: {done:,} rows in {took:.1f}s ({done / max(took, 1e-9):,.0f} rows/s)")
    return done


def _company_and_users() -> tuple[int, list[int]]:
    """Create "Bench Co", its admin (known password) and a few members, through the services."""
    from crm_platform.companies.service import add_member, create_company, get_or_create_user
    from crm_platform.extensions import db

    company = create_company(S.COMPANY_NAME, slug=S.COMPANY_SLUG)
    admin = get_or_create_user(S.ADMIN_EMAIL, "Bench Admin", S.ADMIN_PASSWORD)
    add_member(company, admin, "admin")
    users = [admin.id]
    for n in range(1, EXTRA_MEMBERS + 1):
        user = get_or_create_user(f"bench-member{n}@example.com", f"Bench Member {n}")
        add_member(company, user, "member")
        users.append(user.id)
    db.session.commit()
    return company.id, users


def seed_all(log: Log) -> None:
    """Seed into the database of the current app context (already migrated)."""
    from crm_platform.extensions import db

    tables = db.metadata.tables
    company_id, users = _company_and_users()
    gen = Generator()
    log(f"  company {S.COMPANY_NAME!r} id={company_id}; name pools: {len(gen.first)} first, {len(gen.last)} last")
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB: index inserts stay in memory
        org, person, activity = tables["organization"], tables["person"], tables["activity"]
        org_rows = list(gen.organizations(company_id, S.ORGANIZATIONS))
        _insert(conn, org, iter(org_rows), log, "organizations")
        org_ids = list(conn.scalars(sa.select(org.c.id).where(org.c.company_id == company_id).order_by(org.c.id)))
        org_names = [r["name"] for r in org_rows]
        domains = [r["website"].removeprefix("https://www.") for r in org_rows]
        owners: list[int | None] = [*users, None]
        person_orgs: list[tuple[str, int | None]] = []
        person_rows: list[dict[str, Any]] = []

        def people_rows() -> Iterator[dict[str, Any]]:
            for row, org_index in gen.people(company_id, S.PEOPLE, org_ids, domains, owners):
                row["phone"] = e164(row["phone"])
                person_orgs.append((row["first_name"], org_index))
                person_rows.append(row)
                yield row

        _insert(conn, person, people_rows(), log, "people")
        person_ids = list(conn.scalars(
            sa.select(person.c.id).where(person.c.company_id == company_id).order_by(person.c.id)))
        people = [(pid, first, o) for pid, (first, o) in zip(person_ids, person_orgs, strict=True)]
        started = time.perf_counter()
        seed_contacts(conn, tables, company_id, list(zip(person_ids, person_rows, strict=True)), org_ids, org_names, log)
        log(f"  contacts tables and search index in {time.perf_counter() - started:.1f}s")
        rows = gen.activities(company_id, S.ACTIVITIES, people, org_ids, org_names, users)
        _insert(conn, activity, rows, log, "activities")
        started = time.perf_counter()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        log(f"  ANALYZE in {time.perf_counter() - started:.1f}s")


def _sqlite_files(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def _build_sqlite(final: Path, log: Log) -> None:
    from crm_platform.extensions import db

    partial = final.with_name(final.name + ".partial")
    for stale in _sqlite_files(partial):
        stale.unlink(missing_ok=True)
    app = bench_app(f"sqlite:///{partial}")
    with app.app_context():
        _migrate()
        seed_all(log)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.session.remove()
        db.engine.dispose()
    for stale in _sqlite_files(partial)[1:]:
        stale.unlink(missing_ok=True)
    os.replace(partial, final)


def _company_id(conn: Any) -> int | None:
    return conn.execute(sa.text("SELECT id FROM company WHERE slug = :s"), {"s": S.COMPANY_SLUG}).scalar()


def _seed_server_database(log: Log) -> None:
    """CRM_DATABASE_URL (PostgreSQL, or an SQLite file): seed unless Bench Co is complete."""
    from crm_platform.extensions import db

    with db.engine.connect() as conn:
        company_id = _company_id(conn)
        if company_id is not None:
            people = conn.execute(sa.text("SELECT count(*) FROM person WHERE company_id = :c"), {"c": company_id}).scalar()
            if people == S.PEOPLE:
                log(f"dataset: reusing {S.COMPANY_NAME!r} ({people:,} people) in the configured database")
                return
            log(f"dataset: {S.COMPANY_NAME!r} is incomplete ({people:,} people): deleting it and seeding again")
            conn.execute(sa.text("DELETE FROM company WHERE id = :c"), {"c": company_id})
            conn.commit()
    started = time.perf_counter()
    seed_all(log)
    log(f"dataset: seeded in {time.perf_counter() - started:.0f}s")


def schema_drift() -> list[str]:
    """Tables and columns of the models that the migrated database lacks."""
    from crm_platform.extensions import db

    inspector = sa.inspect(db.engine)
    existing = set(inspector.get_table_names())
    problems = []
    for name, table in sorted(db.metadata.tables.items()):
        if name not in existing:
            problems.append(f"no table {name}")
            continue
        columns = {column["name"] for column in inspector.get_columns(name)}
        missing = [column.name for column in table.columns if column.name not in columns]
        if missing:
            problems.append(f"{name} lacks {', '.join(missing)}")
    return problems


def ensure_dataset(log: Log = print, rebuild_on_drift: bool = True) -> Dataset:
    """Seed the dataset when it is not cached yet, migrate it, and describe it.

    A cached file whose schema no longer matches the models even after ``upgrade``
    (a migration edited in place) is rebuilt once; any other database is refused.
    """
    from crm_platform.extensions import db

    url = S.database_url()
    seconds = None
    final = S.sqlite_path()
    if S.uses_cache_file():
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            log(f"dataset: reusing {final.relative_to(S.PROJECT_ROOT)}")
        else:
            log(f"dataset: seeding {final.relative_to(S.PROJECT_ROOT)} (one time, a few minutes)")
            started = time.perf_counter()
            _build_sqlite(final, log)
            seconds = time.perf_counter() - started
            log(f"dataset: seeded in {seconds:.0f}s")
    app = bench_app(url)
    with app.app_context():
        _migrate()
        drift = schema_drift()
        if drift:
            summary = "; ".join(drift[:5])
            db.session.remove()
            db.engine.dispose()
            if S.uses_cache_file() and rebuild_on_drift:
                log(f"dataset: the migrated schema lacks what the models need ({summary}): rebuilding the cache")
                for path in _sqlite_files(final):
                    path.unlink(missing_ok=True)
                return ensure_dataset(log, rebuild_on_drift=False)
            raise SystemExit(f"the database lacks what the models need after upgrade ({summary}); "
                             "was a migration edited in place instead of adding a revision?")
        if not S.uses_cache_file():
            _seed_server_database(log)
        notes = _plugin_data(app, log)
        dataset = describe(app, url)
    dataset.seed_seconds = seconds
    dataset.notes = notes
    return dataset


def _plugin_data(app: Any, log: Log) -> list[str]:
    """Run the seeder of every installed plugin that has one; a failing seeder becomes a note."""
    from crm_platform.extensions import db

    loaded = {r.name for r in app.extensions["crm"].plugins if r.loaded and not r.core}
    with db.engine.connect() as conn:
        company_id = _company_id(conn)
    notes = []
    for name, seeder in PLUGIN_SEEDERS.items():
        if name not in loaded:
            notes.append(f"{name} data: not seeded ({name} plugin not installed)")
            continue
        try:
            seeder(app, company_id, log)
        except Exception as exc:  # a plugin still in the making must not stop the core's figures
            db.session.rollback()
            notes.append(f"{name} data: seeder failed ({type(exc).__name__}: {exc})"[:300])
            log(f"  {notes[-1]}")
    return notes


def describe(app: Any, url: str) -> Dataset:
    """Counts, the busiest person and the most common last name of Bench Co."""
    from crm_platform.extensions import db

    with db.engine.connect() as conn:
        company_id = _company_id(conn)
        if company_id is None:
            raise SystemExit(f"{S.COMPANY_NAME!r} is missing from {url}")
        count = lambda table: conn.execute(  # noqa: E731
            sa.text(f"SELECT count(*) FROM {table} WHERE company_id = :c"), {"c": company_id}).scalar()
        tables = set(sa.inspect(conn).get_table_names())
        counts = {table: count(table) for table in ("organization", "person", "activity", "sales_deal") if table in tables}
        heavy = conn.execute(sa.text("SELECT min(id) FROM person WHERE company_id = :c"), {"c": company_id}).scalar()
        heavy_count = conn.execute(sa.text("SELECT count(*) FROM activity WHERE person_id = :p"), {"p": heavy}).scalar()
        common = list(conn.scalars(sa.text(
            "SELECT last_name FROM person WHERE company_id = :c GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 20"
        ), {"c": company_id}))
        person_ids = list(conn.scalars(sa.text("SELECT id FROM person WHERE company_id = :c ORDER BY id"), {"c": company_id}))
    state = app.extensions["crm"]
    plugins = sorted(r.name for r in state.plugins if r.loaded and not r.core)
    return Dataset(url=url, company_id=company_id, counts=counts, heavy_person_id=heavy,
                   heavy_person_activities=heavy_count, common_last_name=common[0], plugins=plugins,
                   endpoints=set(app.view_functions), person_ids=person_ids, last_names=common,
                   rules={r.endpoint: r.rule for r in app.url_map.iter_rules() if not r.arguments})


if __name__ == "__main__":
    info = ensure_dataset()
    print(info)
