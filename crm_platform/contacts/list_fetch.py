"""Fetching one keyset page of the people list in two steps: the ids, then the rows.

Step one selects only ``person.id`` in the list's order (``LIMIT n + 1``), so the
database walks the sort index and touches nothing else. Step two loads those rows
with their organization, owner and tags by primary key
(:func:`crm_platform.contacts.list_rows.people_by_ids`). Joining the organization
and owner in step one would make SQLite build a Bloom filter over the whole
organization table on every page.

A search, a tag or a custom-field filter adds a sub-select of ids the people must
be among (a *restriction*). When it matches many people, sorting all of them costs
a lookup per match (≈10 ms for 10,000 matches at 100k people), while walking the
sort index finds the first page's matches in its first few thousand entries. So
the ids step first looks in a window of the next :data:`SEARCH_WINDOW` people in
list order; only when the window holds fewer than a page of matches does it sort
every match. Both give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from crm_platform.contacts.models import Person
from crm_platform.contacts.pagination import after, ordered
from crm_platform.extensions import db

SEARCH_WINDOW = 2000


def _order(columns: Sequence[Any], descending: bool) -> list[Any]:
    return [column.desc() if descending else column.asc() for column in columns]


def count_statement(filtered: sa.Select, restrictions: Sequence[sa.Select], bound: int) -> sa.Select:
    """``SELECT count(*)`` of the people of ``filtered`` among every restriction, counting at most ``bound + 1``.

    The restrictions drive the count as joins, so the database stops after ``bound + 1``
    matches; ``id IN (matches)`` would first list every match. Each restriction names a
    person at most once (a tag, a field value, a search document per person).
    """
    stmt = filtered.with_only_columns(Person.id).order_by(None)
    for index, ids in enumerate(restrictions):
        matches = ids.subquery(f"counted_{index}")
        stmt = stmt.join(matches, matches.c[0] == Person.id)
    return sa.select(sa.func.count()).select_from(stmt.limit(bound + 1).subquery("counted"))


def _run(stmt: sa.Select, count: sa.Select | None) -> tuple[list[int], int | None]:
    """The ids of ``stmt`` and, when ``count`` is given, its value from the same statement."""
    if count is None:
        return list(db.session.scalars(stmt)), None
    rows = db.session.execute(stmt.add_columns(count.scalar_subquery().label("matches"))).all()
    return [row[0] for row in rows], (rows[0][1] if rows else None)


def _windowed_ids(filtered: sa.Select, restrictions: Sequence[sa.Select], keys: Sequence[Any], values: Sequence[Any] | None,
                  descending: bool, limit: int, count: sa.Select | None) -> tuple[list[int] | None, int | None]:
    """The first ``limit`` matching ids among the next :data:`SEARCH_WINDOW` people (None when too few), and the count."""
    labelled = [key.expression.label(f"sort_{i}") for i, key in enumerate(keys)]
    window = (ordered(after(filtered.with_only_columns(*labelled), keys, values, descending), keys, descending)
              .limit(SEARCH_WINDOW).subquery("list_window"))
    id_column = window.c[f"sort_{len(keys) - 1}"]  # every sort ends with person.id
    stmt = (sa.select(id_column).where(*[id_column.in_(ids) for ids in restrictions])
            .order_by(*_order([window.c[f"sort_{i}"] for i in range(len(keys))], descending)).limit(limit))
    ids, total = _run(stmt, count)
    return (ids if len(ids) == limit else None), total


def page_ids(filtered: sa.Select, restrictions: Sequence[sa.Select], keys: Sequence[Any],
             values: Sequence[Any] | None, descending: bool, limit: int,
             count_bound: int | None = None) -> tuple[list[int], int | None]:
    """Up to ``limit`` ids of the list after the sort key ``values``, in list order, and the count.

    ``filtered`` is the list's statement without ``restrictions``, the sub-selects of ids
    every row must be among. With ``count_bound`` the same statement also counts the
    list's rows (from the start, at most ``count_bound + 1``; see :func:`count_statement`):
    the second value is that count, or None when the statement returned no row. (Making
    the restrictions common table expressions, to run a search once for both, measured
    slower on SQLite: materialising every match costs more than reading them twice.)
    """
    count = count_statement(filtered, restrictions, count_bound) if count_bound is not None else None
    total = None
    if restrictions:
        found, total = _windowed_ids(filtered, restrictions, keys, values, descending, limit, count)
        if found is not None:
            return found, total
        filtered = filtered.where(*[Person.id.in_(ids) for ids in restrictions])
    stmt = ordered(after(filtered.with_only_columns(Person.id), keys, values, descending), keys, descending)
    ids, counted = _run(stmt.limit(limit), count if total is None else None)
    return ids, counted if counted is not None else total
