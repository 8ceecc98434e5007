"""The organizations list: search by name and the sorts of :mod:`crm_platform.contacts.sorting`.

``sort`` is ``name`` (default), ``created`` or ``updated``, with ``-`` for descending
(organizations have no owner, so there is no owner sort). Every sort has an index
``(company_id, <column>, id)`` (migration 0011), so a deep keyset page costs the same as
the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from crm_platform.contacts.models import Organization
from crm_platform.contacts.pagination import Page, SortKey, column_key
from crm_platform.contacts.sorting import SortedListing

PAGE_SIZE = 50
_ID = column_key(Organization.id)
SORTS: dict[str, tuple[SortKey, ...]] = {
    "name": (column_key(Organization.name), _ID),
    "created": (column_key(Organization.created_at), _ID),
    "updated": (column_key(Organization.updated_at), _ID),
}
SORT_LABELS: dict[str, str] = {"name": "Name", "created": "Created", "updated": "Last updated"}


@dataclass
class OrganizationListing(SortedListing):
    """The organizations matching the search, with the chosen sort."""

    SORTS: ClassVar[dict[str, tuple[SortKey, ...]]] = SORTS

    q: str = ""


def build_organization_listing(q: str | None = None, sort: str | None = None) -> OrganizationListing:
    """The listing for a search (every word must be in the name) and a ``sort`` value (bad ones: a notice)."""
    from crm_platform.contacts.services import organizations_select

    listing = OrganizationListing(statement=organizations_select(q), q=q or "")
    listing.apply_sort(sort or "")
    return listing


def organizations_page(listing: OrganizationListing, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page[Any]:
    """One keyset page of ``listing`` after ``cursor`` (a cursor that does not decode for this sort: the first page)."""
    return listing.page(cursor, limit)
