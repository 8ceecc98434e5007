"""Keyset (cursor) pagination: no OFFSET, no COUNT.

A page is fetched with ``ORDER BY <sort key> LIMIT n + 1``; the extra row only tells
whether a next page exists. The cursor is an opaque, URL-safe string holding the sort
key of the last row shown; the next page starts strictly after it. A cursor that does
not decode (edited by hand, from an older version) is ignored: the first page is shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from crm_platform.extensions import db

T = TypeVar("T")
MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the cursor of the next page (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None = None
    # How many rows the whole list has (counted up to a bound), when the page was asked to count.
    count: int | None = None

    @property
    def has_next(self) -> bool:
        """True when another page follows."""
        return self.next_cursor is not None


def encode_cursor(values: Sequence[Any]) -> str:
    """Return an opaque cursor for a sort key (strings, integers, datetimes)."""
    payload = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:  # pragma: no cover - every sort column here has one
        return str


def decode_cursor(cursor: str | None, kinds: Sequence[type]) -> tuple[Any, ...] | None:
    """Return the sort key held by ``cursor``, or ``None`` when it is absent or invalid."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(kinds):
        return None
    decoded: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is datetime:
            if not isinstance(value, str):
                return None
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return None
        elif kind is int:
            if type(value) is not int:
                return None
        elif not isinstance(value, str):
            return None
        decoded.append(value)
    return tuple(decoded)


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset sort: its SQL expression, Python type (for the cursor) and how to read it from a row.

    ``expression`` may be a column or an expression (``coalesce(owner_id, 0)``), which is
    why ``read`` is given rather than derived from a column name.
    """

    expression: Any
    kind: type
    read: Callable[[Any], Any]


def column_key(column: InstrumentedAttribute[Any]) -> SortKey:
    """The :class:`SortKey` of a plain mapped column (read from the attribute of the same name)."""
    return SortKey(column, _python_type(column), attrgetter(column.key))


def ordered(stmt: sa.Select[Any], keys: Sequence[SortKey], descending: bool = False) -> sa.Select[Any]:
    """``stmt`` with ``ORDER BY`` every key, all ascending or all descending (an index serves both)."""
    return stmt.order_by(*[key.expression.desc() if descending else key.expression.asc() for key in keys])


def after(stmt: sa.Select[Any], keys: Sequence[SortKey], values: Sequence[Any] | None,
          descending: bool = False) -> sa.Select[Any]:
    """``stmt`` restricted to the rows strictly after the sort key ``values`` (None: no restriction)."""
    if values is None:
        return stmt
    left = sa.tuple_(*[key.expression for key in keys])
    right = sa.tuple_(*[sa.bindparam(None, value, type_=key.expression.type) for key, value in zip(keys, values, strict=True)])
    return stmt.where(left < right if descending else left > right)


def sorted_page(
    stmt: sa.Select[Any], keys: Sequence[SortKey], cursor: str | None, limit: int, descending: bool = False
) -> Page[Any]:
    """Run ``stmt`` (an ORM select of one entity) for the page after ``cursor``, in the order of ``keys``.

    ``keys`` is the full, unique sort key (it must end with the primary key). The
    comparison is a row-value comparison ``(a, b, id) > (:a, :b, :id)``, which an index
    on ``(company_id, a, b, id)`` serves directly on PostgreSQL and SQLite, in both
    directions. A cursor that does not decode for these keys gives the first page.
    """
    stmt = after(stmt, keys, decode_cursor(cursor, [key.kind for key in keys]), descending)
    rows = list(db.session.scalars(ordered(stmt, keys, descending).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return Page(rows)
    rows = rows[:limit]
    return Page(rows, encode_cursor([key.read(rows[-1]) for key in keys]))


def keyset_page(
    stmt: sa.Select[Any],
    sort: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> Page[Any]:
    """:func:`sorted_page` for a sort made of plain columns (``(Activity.created_at, Activity.id)``)."""
    return sorted_page(stmt, [column_key(column) for column in sort], cursor, limit, descending)
