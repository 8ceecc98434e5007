"""Run side effects (emails, file removal) only once the transaction that caused them ends.

``on_commit`` callbacks run after the next successful commit and are dropped on rollback;
``on_rollback`` callbacks (removing files written for the transaction) run on rollback
and are dropped on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from crm_platform.extensions import db

log = logging.getLogger(__name__)
_COMMIT = "crm_after_commit"
_ROLLBACK = "crm_after_rollback"


def on_commit(callback: Callable[[], Any]) -> None:
    """Call ``callback`` after the current session's next successful commit (dropped on rollback)."""
    db.session().info.setdefault(_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], Any]) -> None:
    """Call ``callback`` if the current transaction rolls back (dropped on commit)."""
    db.session().info.setdefault(_ROLLBACK, []).append(callback)


def _run(callbacks: list[Callable[[], Any]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed side effect must not undo a committed change
            log.exception("transaction callback %r failed", callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ROLLBACK, None)
    _run(session.info.pop(_COMMIT, []))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_COMMIT, None)
    _run(session.info.pop(_ROLLBACK, []))
