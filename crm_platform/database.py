"""Database engine settings: SQLite tuned for several processes, PostgreSQL as is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine
from sqlalchemy.sql.selectable import FromClause

SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
    # Read pages straight from the OS cache (no copy into each connection's own cache), and
    # keep up to 32 MB per connection: list and search walks touch thousands of index pages.
    "PRAGMA mmap_size=268435456",
    "PRAGMA cache_size=-32768",
)


def _sqlite_from_hint(self: SQLiteCompiler, table: FromClause, text: str | None) -> str | None:
    """Render ``Select.with_hint(table, "INDEXED BY ix", "sqlite")`` after the table, as SQLite writes it.

    SQLAlchemy's SQLite compiler drops table hints; SQLite's own ``INDEXED BY`` goes
    exactly where they are rendered (``FROM person INDEXED BY ix_person_live_id``).
    """
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint  # type: ignore[method-assign]


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL, foreign keys and a busy timeout on every new SQLite connection."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def engine_options(database_url: str, base: dict[str, Any]) -> dict[str, Any]:
    """Return engine options suited to the database in ``database_url``."""
    options = dict(base)
    if database_url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 10})
        options["pool_pre_ping"] = False  # a file does not drop connections: no ping on every request
    else:
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 5)
    return options


ANALYSIS_LIMIT = 1000  # rows sampled per index: statistics in milliseconds, good enough for the planner


def refresh_planner_statistics(engine: Engine) -> bool:
    """Tell SQLite's query planner how big each table and index is now (``ANALYZE``, sampled).

    Without statistics SQLite guesses that every index is selective and can read a page
    of custom-field values through ``company_id`` (20 ms at 100,000 people) instead of
    by person (0.2 ms). Run after large imports, after ``crm init`` and every night.
    PostgreSQL's autovacuum keeps its own statistics: nothing to do there (returns False).
    """
    if engine.dialect.name != "sqlite":
        return False
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
    return True
