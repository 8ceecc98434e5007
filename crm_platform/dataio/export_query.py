"""Which people an export contains: exactly the people list's filters, search and order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select

from crm_platform.contacts import listing


def people_statement(args: Mapping[str, Any]) -> Select:
    """The people list's statement for these query-string ``args``, without paging.

    The list's own definition (:func:`crm_platform.contacts.listing.people_statement`):
    search, tag, owner, stage, organization and custom-field filters and the sort, with
    invalid values ignored exactly as the page ignores them.
    """
    return listing.people_statement(args)
