"""Schema comes only from Alembic and matches the models; SQLite is tuned for several processes."""

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from crm_platform.config import PROJECT_ROOT
from crm_platform.contacts.search_index import SEARCH_INDEX_OBJECTS


def _not_a_search_index_object(name, type_, parent_names):
    """The FTS5 table (and its shadow tables) and expression indexes live in migration 0008 only."""
    return name not in SEARCH_INDEX_OBJECTS


def test_migrated_database_matches_the_models_exactly(app, db):
    """The test database was built by `alembic upgrade` only; autogenerate finds no difference."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                   "include_name": _not_a_search_index_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_application_code_never_calls_create_all():
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "crm_platform").rglob("*.py")
        if "create_all(" in path.read_text()
    ]
    assert offenders == []


def test_readyz_reports_pending_migrations(app, db, client):
    with db.engine.begin() as conn:
        saved = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        conn.execute(text("DELETE FROM alembic_version"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == "pending"
    finally:
        with db.engine.begin() as conn:
            for version in saved:
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})


def test_readyz_reports_an_unreachable_database(make_app, app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert broken.test_client().get("/healthz").status_code == 200


def test_upgrade_command_builds_an_empty_sqlite_database(tmp_path):
    """`crm db upgrade` on a brand-new file, in a separate process, reaches head."""
    env = {"CRM_INSTANCE_PATH": str(tmp_path), "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "PATH": ""}
    crm = Path(sys.executable).with_name("crm")
    result = subprocess.run([str(crm), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert conn.execute(text("SELECT count(*) FROM company")).scalar() == 0


def _sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite tuning applies to SQLite only (this run uses PostgreSQL)")


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(app, db):
    _sqlite_only(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _writer(url: str, worker: int, rows: int) -> None:
    from crm_platform import database  # noqa: F401  (the same tuning as the app)

    engine = create_engine(url)
    for n in range(rows):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO company (name, slug, is_active, created_at, updated_at) VALUES (:n, :s, 1, '2026-01-01', '2026-01-01')"), {"n": f"w{worker}", "s": f"w{worker}-{n}"})


def test_several_processes_write_one_sqlite_file(app, db):
    """Like several gunicorn workers plus the job worker: no 'database is locked'."""
    _sqlite_only(db)
    url = str(db.engine.url)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM company WHERE slug LIKE 'w%'")).scalar() == 160
