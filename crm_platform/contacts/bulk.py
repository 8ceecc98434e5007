"""Bulk actions on selected people: tag, assign owner, change stage, trash, restore, purge.

Every action loads the selected people through the ORM session, so the tenancy and
trash scopes drop ids of other companies (and unknown ids) before anything changes.
Plugins hear about each person exactly as for a single edit (``crm_person_updated``
with the changes); trashing is the change of ``deleted_at``, and plugins hear
``crm_person_deleted`` only when the person is really deleted (purge). Each action
writes one audit entry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm_platform.audit.service import record
from crm_platform.contacts import services, trash
from crm_platform.contacts.details import add_tags, clean_tag_names
from crm_platform.contacts.models import LIFECYCLE_STAGES, Person
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.plugins import runtime
from crm_platform.numbers import is_digits

MAX_SELECTED = 500
log = logging.getLogger(__name__)


class BulkError(ValueError):
    """A bulk action that cannot run (nothing selected, a bad value); the message is for the user."""


def parse_ids(values: Iterable[str]) -> list[int]:
    """The distinct integer ids among ``values`` (others are ignored), at most 500."""
    ids = [int(v) for v in values if is_digits(str(v).strip(), 11)]
    return list(dict.fromkeys(ids))[:MAX_SELECTED]


def selected_people(ids: Sequence[int], include_trashed: bool = False) -> list[Person]:
    """The current company's people among ``ids`` (another company's ids are simply absent)."""
    if not ids:
        return []
    stmt = sa.select(Person).where(Person.id.in_(list(ids))).options(selectinload(Person.emails),
                                                                        selectinload(Person.phones),
                                                                        selectinload(Person.memberships))
    if include_trashed:
        stmt = trash.including_trashed(stmt.where(Person.deleted_at.is_not(None)))
    return list(db.session.scalars(stmt.order_by(Person.id)).unique())


def _require(people: Sequence[Person]) -> None:
    if not people:
        raise BulkError("Select at least one person.")


def _update_each(people: Sequence[Person], field: str, value: object) -> int:
    changed = 0
    for person in people:
        before = services.snapshot(person, (*services.PERSON_FIELDS, "deleted_at"))
        setattr(person, field, value)
        services.update_person(person, before)
        changed += before[field] != value
    return changed


def tag_people(people: Sequence[Person], tag_name: str) -> int:
    """Add the tag ``tag_name`` to ``people``; returns how many did not have it yet."""
    _require(people)
    names = clean_tag_names([tag_name])
    if not names:
        raise BulkError("Enter a tag.")
    added = add_tags([p.id for p in people], names)
    for person in people:
        db.session.expire(person, ["tags"])
    db.session.flush()
    for person in people:
        runtime.call_data("crm_person_updated", person=person, changes={"tags": (None, names[0])})
    record("people_tagged", f"{names[0]} on {len(people)} people")
    return added


def assign_owner(people: Sequence[Person], owner_id: int | None) -> int:
    """Make ``owner_id`` (a member of the company, or None) the owner of ``people``."""
    _require(people)
    if owner_id is not None and owner_id not in services.member_ids():
        raise BulkError("Choose a member of this company as the owner.")
    changed = _update_each(people, "owner_id", owner_id)
    record("people_owner_changed", f"owner {owner_id or 'nobody'} for {len(people)} people")
    return changed


def change_stage(people: Sequence[Person], stage: str) -> int:
    """Move ``people`` to lifecycle stage ``stage``."""
    _require(people)
    if stage not in LIFECYCLE_STAGES:
        raise BulkError("Choose a lifecycle stage.")
    changed = _update_each(people, "lifecycle_stage", stage)
    record("people_stage_changed", f"{stage} for {len(people)} people")
    return changed


def trash_people(people: Sequence[Person]) -> list[int]:
    """Move ``people`` to the trash (restorable for 30 days); returns their ids."""
    _require(people)
    _update_each(people, "deleted_at", utcnow())
    record("people_trashed", f"{len(people)} people: " + ", ".join(str(p.id) for p in people)[:400])
    return [p.id for p in people]


def restore_people(ids: Sequence[int]) -> int:
    """Take the trashed people among ``ids`` out of the trash; returns how many."""
    people = selected_people(ids, include_trashed=True)
    for person in people:
        before = services.snapshot(person, (*services.PERSON_FIELDS, "deleted_at"))
        person.deleted_at = None
        services.update_person(person, before)
    if people:
        record("people_restored", f"{len(people)} people: " + ", ".join(str(p.id) for p in people)[:400])
    return len(people)


def purge_trash(company_ids: Iterable[int] | None = None) -> int:
    """Really delete the people trashed more than 30 days ago (plugin hooks included).

    Runs per company in :func:`crm_platform.tenancy.company_scope`; returns how many
    people were deleted. A failing plugin hook rolls back that company's purge only.
    """
    from crm_platform.companies.models import Company
    from crm_platform.tenancy import company_scope, unscoped

    with unscoped():
        ids = list(company_ids) if company_ids is not None else list(db.session.scalars(sa.select(Company.id)))
    deleted = 0
    for company_id in ids:
        with company_scope(company_id):
            due = list(db.session.scalars(trash.purge_due()).unique())
            try:
                for person in due:
                    services.delete_person(person)
                if due:
                    record("people_purged", f"{len(due)} people deleted from the trash after 30 days")
                db.session.commit()
                deleted += len(due)
            except Exception:
                db.session.rollback()
                log.exception("purging the trash of company %s failed", company_id)
    return deleted
