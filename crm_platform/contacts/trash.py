"""The people trash: deleted people wait 30 days (for undo and restore) before they really go.

A trashed person has ``deleted_at`` set. This module is the **one place** that hides
them: like the tenancy scope, a session listener adds ``person.deleted_at IS NULL``
to every ORM query that involves people (lists, detail pages, search, exports, the
API, plugins' look-ups through the public models, relationship loads). The trash
view and the restore/purge code opt out with the execution option
``crm_include_trashed=True`` (see :func:`including_trashed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from crm_platform.contacts.models import Person
from crm_platform.extensions import db
from crm_platform.models_base import utcnow

RETENTION = timedelta(days=30)
INCLUDE_TRASHED = {"crm_include_trashed": True}


_LIVE_PEOPLE = with_loader_criteria(Person, lambda cls: cls.deleted_at.is_(None), include_aliases=True)  # built once


def _hide_trashed(state: ORMExecuteState) -> None:
    if state.is_column_load or state.execution_options.get("crm_include_trashed"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(_LIVE_PEOPLE)


def install(session_class: type[Session] | Any) -> None:
    """Attach the listener hiding trashed people (done once, next to the tenancy one)."""
    if getattr(session_class, "_crm_trash_installed", False):
        return
    event.listen(session_class, "do_orm_execute", _hide_trashed)
    session_class._crm_trash_installed = True


def including_trashed(stmt: Any) -> Any:
    """``stmt`` with trashed people visible (the trash view, restore, purge)."""
    return stmt.execution_options(**INCLUDE_TRASHED)


def trashed_people(ids: Sequence[int] | None = None) -> list[Person]:
    """Trashed people of the current company, most recently deleted first (or only ``ids``)."""
    stmt = sa.select(Person).where(Person.deleted_at.is_not(None))
    if ids is not None:
        stmt = stmt.where(Person.id.in_(list(ids)))
    stmt = stmt.order_by(Person.deleted_at.desc(), Person.id.desc()).limit(500)
    return list(db.session.scalars(including_trashed(stmt)).unique())


def purge_due() -> sa.Select:
    """A select of trashed people whose 30 days are over (any company: run it unscoped)."""
    return including_trashed(sa.select(Person).where(Person.deleted_at < utcnow() - RETENTION))
