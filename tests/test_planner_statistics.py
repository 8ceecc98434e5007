"""The query planner's statistics: refreshed after big imports, by ``crm init`` and every night."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from crm_platform import jobs
from crm_platform.database import refresh_planner_statistics
from crm_platform.dataio import importer
from tests.imports_helpers import import_file

CSV = "First name,Last name,Email\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n"


def _analysed_tables(db) -> set[str]:
    return {row[0] for row in db.session.execute(text("SELECT tbl FROM sqlite_stat1"))}


@pytest.fixture()
def sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum keeps its own statistics")


def test_refreshing_records_every_populated_table(app, db, company, sqlite_only):
    db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    assert refresh_planner_statistics(db.engine) is True
    assert "company" in _analysed_tables(db)


def test_postgresql_is_left_to_autovacuum(app, db):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("the PostgreSQL branch")
    assert refresh_planner_statistics(db.engine) is False


def test_a_big_import_refreshes_the_statistics(app, db, company, logged_in_client, sqlite_only, monkeypatch):
    monkeypatch.setattr(importer, "STATISTICS_AFTER", 2)
    db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    job = import_file(logged_in_client, db, company, CSV)
    assert job.status == "done" and job.created_count == 2
    assert "person" in _analysed_tables(db)


def test_a_small_import_does_not(app, db, company, logged_in_client, sqlite_only):
    db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    job = import_file(logged_in_client, db, company, CSV)
    assert job.created_count == 2
    assert not db.session.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()


def test_the_worker_refreshes_them_every_night(app, db, sqlite_only):
    schedule = jobs.refresh_statistics.task_class().validate_datetime
    assert schedule(datetime(2026, 12, 3, 3, 47)) and not schedule(datetime(2026, 12, 3, 4, 47))
    with app.app_context():
        assert jobs.refresh_statistics.call_local() is True
