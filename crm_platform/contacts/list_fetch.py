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


def _windowed_ids(filtered: sa.Select, restrictions: Sequence[sa.Select], keys: Sequence[Any], values: Sequence[Any] | None,
                  descending: bool, limit: int) -> list[int] | None:
    """The first ``limit`` matching ids among the next :data:`SEARCH_WINDOW` people; None when too few."""
    labelled = [key.expression.label(f"sort_{i}") for i, key in enumerate(keys)]
    window = (ordered(after(filtered.with_only_columns(*labelled), keys, values, descending), keys, descending)
              .limit(SEARCH_WINDOW).subquery("list_window"))
    id_column = window.c[f"sort_{len(keys) - 1}"]  # every sort ends with person.id
    stmt = (sa.select(id_column).where(*[id_column.in_(ids) for ids in restrictions])
            .order_by(*_order([window.c[f"sort_{i}"] for i in range(len(keys))], descending)).limit(limit))
    ids = list(db.session.scalars(stmt))
    return ids if len(ids) == limit else None


def page_ids(filtered: sa.Select, restrictions: Sequence[sa.Select], keys: Sequence[Any],
             values: Sequence[Any] | None, descending: bool, limit: int) -> list[int]:
    """Up to ``limit`` ids of the list after the sort key ``values``, in list order.

    ``filtered`` is the list's statement without ``restrictions``, the sub-selects of ids
    every row must be among.
    """
    if restrictions:
        found = _windowed_ids(filtered, restrictions, keys, values, descending, limit)
        if found is not None:
            return found
        filtered = filtered.where(*[Person.id.in_(ids) for ids in restrictions])
    stmt = ordered(after(filtered.with_only_columns(Person.id), keys, values, descending), keys, descending)
    return list(db.session.scalars(stmt.limit(limit)))
