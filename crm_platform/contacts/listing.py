"""The people list's filters, search and sort, from request-like parameters.

:func:`people_statement` is the one definition of "the current filtered list": the
people page, its bulk actions, the export and the API all build their query with it,
so they always agree. Parameters (all optional; unknown or invalid values are
ignored and reported in :attr:`PeopleListing.notices`, never an error):

``q``             full-text prefix search (name, emails, phones, organizations)
``sort``          ``name`` (default), ``created``, ``updated``, ``owner``; ``-`` prefix: descending
``tag``           repeatable; a tag id or name (every tag given must be present)
``owner``         a member's user id, or ``none``
``stage``         a lifecycle stage
``organization``  an organization id (any membership, not only the primary one)
``cf_<key>``      a custom field equals the value; ``cf_<key>_min`` / ``cf_<key>_max``
                  bound number and date fields
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy as sa

from crm_platform.contacts import list_fetch, list_rows, search_index
from crm_platform.contacts.models import LIFECYCLE_STAGES, Person, PersonOrganization, PersonTag
from crm_platform.contacts.list_fetch import Restriction
from crm_platform.contacts.details import all_tags
from crm_platform.contacts.list_rows import ListedPerson
from crm_platform.contacts.pagination import Page, SortKey, decode_cursor, encode_cursor
from crm_platform.contacts.sorting import SortedListing
from crm_platform.customfields.models import CustomField, CustomFieldValue
from crm_platform.customfields.service import CustomFieldError, fields_for, parse_value
from crm_platform.extensions import db
from crm_platform.numbers import is_digits, parse_id

PAGE_SIZE = 50
COUNT_BOUND = 1000
MAX_VALUE = 200
MAX_TAGS = 10
RANGE_TYPES = frozenset({"number", "date"})


_NAME = (
    SortKey(Person.last_name, str, lambda p: p.last_name),
    SortKey(Person.first_name, str, lambda p: p.first_name),
)
_ID = SortKey(Person.id, int, lambda p: p.id)
SORTS: dict[str, tuple[SortKey, ...]] = {
    "name": (*_NAME, _ID),
    "created": (SortKey(Person.created_at, Person.created_at.type.python_type, lambda p: p.created_at), _ID),
    "updated": (SortKey(Person.updated_at, Person.updated_at.type.python_type, lambda p: p.updated_at), _ID),
    # People without an owner first (0); an expression index serves it (migration 0008).
    "owner": (SortKey(sa.func.coalesce(Person.owner_id, 0), int, lambda p: p.owner_id or 0), *_NAME, _ID),
}
SORT_LABELS: dict[str, str] = {"name": "Name", "created": "Created", "updated": "Last updated", "owner": "Owner"}


@dataclass(frozen=True)
class Chip:
    """An active filter as shown above the list, with the parameter that removes it."""

    label: str
    key: str
    value: str


@dataclass
class PeopleListing(SortedListing):
    """The parsed parameters: the filtered statement (unordered), the sort and what to tell the user.

    ``statement`` has every filter and the search. For paging, they are also kept apart:
    ``restrictions`` are the sub-selects of ids a person must be among (the search, tags,
    custom-field values), each with how to check one person, and ``filtered`` has the
    other filters, which is what :mod:`~crm_platform.contacts.list_fetch` needs to page
    such lists cheaply.
    """

    SORTS: ClassVar[dict[str, tuple[SortKey, ...]]] = SORTS

    filtered: sa.Select | None = None
    restrictions: list[Restriction] = field(default_factory=list)
    q: str = ""
    chips: list[Chip] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)


def _values(args: Mapping[str, Any], key: str) -> list[str]:
    """Every value of ``key`` (a MultiDict's list, a list, or one string), trimmed and capped."""
    if hasattr(args, "getlist"):
        raw = args.getlist(key)
    else:
        value = args.get(key)
        raw = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    return [str(v).strip()[:MAX_VALUE] for v in raw if str(v).strip()]


def _first(args: Mapping[str, Any], key: str) -> str:
    values = _values(args, key)
    return values[0] if values else ""


def _apply_tags(listing: PeopleListing, values: list[str]) -> None:
    tags = all_tags()  # the company's tags, kept by the process: no query per filter
    for value in values[:MAX_TAGS]:
        if value.isdigit():  # an id (other digits than ASCII ones name no tag)
            tag_id = parse_id(value)
            tag = next((t for t in tags if t.id == tag_id), None)
        else:
            wanted = value.lower()
            tag = next((t for t in tags if t.name.lower() == wanted), None)
        if tag is None:
            listing.notices.append(f"There is no tag {value!r}; that filter was ignored.")
            continue
        listing.restrictions.append(Restriction(sa.select(PersonTag.person_id).where(PersonTag.tag_id == tag.id)))
        listing.chips.append(Chip(f"Tag: {tag.name}", "tag", value))
        listing.params.append(("tag", value))


def _apply_owner(listing: PeopleListing, value: str) -> None:
    from crm_platform.contacts.services import member_choices

    if value.lower() == "none":
        listing.statement = listing.statement.where(Person.owner_id.is_(None))
        listing.chips.append(Chip("Owner: nobody", "owner", value))
        listing.params.append(("owner", value))
        return
    names = dict(member_choices())
    if not is_digits(value) or int(value) not in names:
        listing.notices.append(f"{value!r} is not a member of this company; the owner filter was ignored.")
        return
    listing.statement = listing.statement.where(Person.owner_id == int(value))
    listing.chips.append(Chip(f"Owner: {names[int(value)]}", "owner", value))
    listing.params.append(("owner", value))


def _apply_stage(listing: PeopleListing, value: str) -> None:
    if value not in LIFECYCLE_STAGES:
        listing.notices.append(f"{value!r} is not a lifecycle stage; that filter was ignored.")
        return
    listing.statement = listing.statement.where(Person.lifecycle_stage == value)
    listing.chips.append(Chip(f"Stage: {value.capitalize()}", "stage", value))
    listing.params.append(("stage", value))


def _apply_organization(listing: PeopleListing, value: str) -> None:
    from crm_platform.contacts.services import find_organization

    organization = find_organization(int(value)) if is_digits(value, 12) else None
    if organization is None:
        listing.notices.append("That organization does not exist; the organization filter was ignored.")
        return
    members = sa.select(PersonOrganization.person_id).where(PersonOrganization.organization_id == organization.id)
    # The primary organization counts too (rows written without their membership list).
    listing.statement = listing.statement.where(sa.or_(Person.organization_id == organization.id, Person.id.in_(members)))
    listing.chips.append(Chip(f"Organization: {organization.name}", "organization", value))
    listing.params.append(("organization", value))


def _custom_field_param(fields: Sequence[CustomField], key: str) -> tuple[CustomField, str] | None:
    """The field and the comparison (``eq``, ``min``, ``max``) a ``cf_`` parameter names."""
    by_key = {f.key: f for f in fields}
    name = key[3:]
    if name in by_key:
        return by_key[name], "eq"
    for suffix in ("min", "max"):
        base = name.removesuffix(f"_{suffix}")
        if base != name and base in by_key and by_key[base].field_type in RANGE_TYPES:
            return by_key[base], suffix
    return None


def _apply_custom_field(listing: PeopleListing, field_: CustomField, op: str, key: str, value: str) -> None:
    try:
        parsed = parse_value(field_, value)
    except CustomFieldError as error:
        listing.notices.append(f"{field_.label}: {error} That filter was ignored.")
        return
    if not parsed:
        return
    text, number, day = parsed[0]
    rows = sa.select(CustomFieldValue.entity_id).where(CustomFieldValue.field_id == field_.id)
    if op == "eq" and field_.field_type == "checkbox" and text == "0":
        listing.statement = listing.statement.where(Person.id.not_in(rows.where(CustomFieldValue.value == "1")))
    elif op == "eq":
        listing.restrictions.append(Restriction(rows.where(CustomFieldValue.value == text)))
    else:
        column = CustomFieldValue.number_value if field_.field_type == "number" else CustomFieldValue.date_value
        bound = number if field_.field_type == "number" else day
        listing.restrictions.append(Restriction(rows.where(column >= bound if op == "min" else column <= bound)))
    shown = {"eq": text if field_.field_type != "checkbox" else ("Yes" if text == "1" else "No"),
             "min": f"≥ {text}", "max": f"≤ {text}"}[op]
    listing.chips.append(Chip(f"{field_.label}: {shown}", key, value))
    listing.params.append((key, value))


def _search_restriction(listing: PeopleListing, ids: sa.Select, q: str) -> Restriction:
    """The full-text search: checked on each person in name order on SQLite (the name index holds
    ``search_words``, migration 0016), else listed (see :mod:`~crm_platform.contacts.list_fetch`)."""
    check = search_index.words_check(q)
    if check is not None and listing.sort == "name" and db.session.get_bind().dialect.name == "sqlite":
        return Restriction(ids, check=check)
    return Restriction(ids, listed=True)


def build_people_listing(args: Mapping[str, Any]) -> PeopleListing:
    """Parse ``args`` (``request.args`` or a dict) into the filtered statement, sort, chips and notices."""
    listing = PeopleListing(statement=sa.select(Person))
    listing.apply_sort(_first(args, "sort"))
    q = _first(args, "q")
    ids = search_index.matching_person_ids(q)
    if ids is not None:
        listing.q = q
        listing.restrictions.append(_search_restriction(listing, ids, q))
    _apply_tags(listing, _values(args, "tag"))
    for name, apply in (("owner", _apply_owner), ("stage", _apply_stage), ("organization", _apply_organization)):
        value = _first(args, name)
        if value:
            apply(listing, value)
    keys = [key for key in (args.keys() if hasattr(args, "keys") else []) if str(key).startswith("cf_")]
    if keys:
        fields = fields_for("person")
        for key in dict.fromkeys(keys):
            found = _custom_field_param(fields, key)
            value = _first(args, key)
            if found is None:
                listing.notices.append(f"There is no custom field {key[3:]!r}; that filter was ignored.")
            elif value:
                _apply_custom_field(listing, found[0], found[1], key, value)
    listing.filtered = listing.statement
    if listing.restrictions:
        listing.statement = listing.statement.where(*[Person.id.in_(r.ids) for r in listing.restrictions])
    return listing


def people_statement(args: Mapping[str, Any]) -> sa.Select:
    """``SELECT person`` with every filter, the search and the sort of ``args`` applied (no pagination)."""
    return build_people_listing(args).ordered()


def listing_page(listing: PeopleListing, cursor: str | None = None, limit: int = PAGE_SIZE,
                 count_bound: int | None = None) -> Page[ListedPerson]:
    """One keyset page of ``listing`` after ``cursor`` (an invalid cursor gives the first page).

    The rows are :class:`~crm_platform.contacts.list_rows.ListedPerson` records with their
    owner, organization and tags (no N+1 in the list);
    see :mod:`crm_platform.contacts.list_fetch` for how the page's ids are found. With
    ``count_bound`` the page also carries the list's count (``Page.count``, at most
    ``count_bound + 1``), read by the same statement as the ids.
    """
    keys = listing.keys
    values = decode_cursor(cursor, [key.kind for key in keys])
    if listing.filtered is None:  # built by hand: everything is in the statement
        filtered, restrictions = listing.statement, []
    else:
        filtered, restrictions = listing.filtered, listing.restrictions
    ids, count = list_fetch.page_ids(filtered, restrictions, keys, values, listing.descending, limit + 1, count_bound)
    if count is None and count_bound is not None:  # no row after the cursor: count on its own
        count = 0 if values is None else listing_count(listing, count_bound)  # no row at all: none match
    rows = list_rows.people_by_ids(ids)
    if len(ids) <= limit:
        return Page(rows, count=count)
    rows = rows[:limit]
    return Page(rows, encode_cursor([key.read(rows[-1]) for key in keys]), count)


def people_page(args: Mapping[str, Any], cursor: str | None = None, limit: int = PAGE_SIZE,
                count_bound: int | None = None) -> tuple[PeopleListing, Page[ListedPerson]]:
    """The listing of ``args`` and its page after ``cursor`` (counted up to ``count_bound`` when given)."""
    listing = build_people_listing(args)
    return listing, listing_page(listing, cursor, limit, count_bound)


def bounded_count(stmt: sa.Select, bound: int = COUNT_BOUND) -> int:
    """How many rows ``stmt`` has, counting at most ``bound + 1`` (cheap on any table size)."""
    return db.session.scalar(list_fetch.count_statement(stmt, [], bound)) or 0


def listing_count(listing: PeopleListing, bound: int = COUNT_BOUND) -> int:
    """How many people ``listing`` matches, counting at most ``bound + 1`` (see ``list_fetch.count_statement``)."""
    if listing.filtered is None:  # built by hand: everything is in the statement
        return bounded_count(listing.statement, bound)
    return db.session.scalar(list_fetch.count_statement(listing.filtered, listing.restrictions, bound)) or 0


def count_label(count: int, bound: int = COUNT_BOUND) -> str:
    """``"1,000+"`` when the bounded count hit its bound, else the exact number."""
    return f"{bound:,}+" if count > bound else f"{count:,}"
