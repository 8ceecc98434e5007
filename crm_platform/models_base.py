"""Shared column helpers for models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Timestamped:
    """Adds ``created_at`` and ``updated_at`` (UTC) columns."""

    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


def among(column: sa.ColumnElement[Any] | Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """``column IN (values)`` with the list bound as one expanding parameter.

    ``column.in_(list)`` coerces every element into its own bound parameter each time the
    statement is built (about 0.2 ms for a page of 51 ids); one expanding parameter
    gives the same SQL and the same statement cache entry whatever the list's length.
    """
    return column.in_(sa.bindparam("among", value=list(values), expanding=True, unique=True))
