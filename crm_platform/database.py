"""Database engine settings: SQLite tuned for several processes, PostgreSQL as is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
)


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
    else:
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 5)
    return options
