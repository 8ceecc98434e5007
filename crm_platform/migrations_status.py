"""Compare the database's Alembic revisions with the heads of every migration branch."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from crm_platform.config import PROJECT_ROOT


def alembic_config() -> Config:
    """An Alembic config for the project's migrations, with plugin branches added."""
    from flask import current_app

    cfg = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    locations = [str(PROJECT_ROOT / "migrations" / "versions")]
    for batch in current_app.extensions["crm"].pm.hook.crm_migration_locations():
        locations.extend(str(p) for p in (batch or []))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    return cfg


def migrations_at_head(engine: Engine) -> tuple[list[str], list[str]]:
    """Return ``(current_revisions, pending_revisions)``; nothing pending means "at head".

    A plugin branch that ``depends_on`` the core replaces the core's row in the version
    table, so applied revisions are found by walking down (dependencies included).
    """
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = list(MigrationContext.configure(connection).get_current_heads())
    applied: set[str] = set()
    stack = list(current)
    while stack:
        revision = script.get_revision(stack.pop())
        if revision is None or revision.revision in applied:
            continue
        applied.add(revision.revision)
        stack.extend(revision._all_down_revisions)
    pending = sorted(rev.revision for rev in script.walk_revisions() if rev.revision not in applied)
    return current, pending
