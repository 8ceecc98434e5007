"""The import itself: rows become people in batches, one flush and one commit per batch.

Duplicates (same email or phone as somebody in the company, or as an earlier row of
the file) follow the job's policy: ``skip``, ``update`` the existing person, or
``create`` anyway. Plugins hear ``crm_person_created`` / ``crm_person_updated`` for
every person, as for manual edits; the hook callers are looked up once per import and
called after the batch's flush, so a 100k-row import does not pay per-row set-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_platform.audit import service as audit
from crm_platform.contacts.details import get_or_create_tags
from crm_platform.contacts.models import Organization, Person, PersonEmail, PersonOrganization, PersonPhone, PersonTag
from crm_platform.contacts.services import PERSON_FIELDS, changes_since, snapshot
from crm_platform.customfields.models import CustomFieldValue
from crm_platform.customfields.service import set_values
from crm_platform.database import refresh_planner_statistics
from crm_platform.dataio import storage
from crm_platform.dataio.check import batches, clear_refusals, record_refusals, row_context
from crm_platform.dataio.duplicates import existing_people, variants
from crm_platform.dataio.models import ImportJob
from crm_platform.dataio.rows import PersonRow, Refusal, RowContext, keys_of
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.plugins import runtime


STATISTICS_AFTER = 1000  # people created by one import before the planner's statistics are refreshed


@dataclass
class RunState:
    """What lasts between batches: hook callers, organization ids by name, the fields."""

    ctx: RowContext
    hooks: dict[str, Any]
    organizations: dict[str, int] = field(default_factory=dict)


def run_import(job: ImportJob) -> None:
    """Import every row of ``job``'s file; status ``done`` with the counts at the end. Commits per batch."""
    state = RunState(
        ctx=row_context(job),
        hooks={name: runtime.hook(name) for name in ("crm_person_created", "crm_person_updated", "crm_organization_created")},
    )
    clear_refusals(job)
    job.rows_done = job.created_count = job.updated_count = job.skipped_count = job.refused_count = 0
    db.session.commit()
    for batch in batches(job, state.ctx):
        import_batch(job, batch, state)
        job.rows_done += len(batch)
        job.total_rows = max(job.total_rows, job.rows_done)
        db.session.commit()
    job.total_rows = job.rows_done
    job.status = "done"
    job.finished_at = utcnow()
    audit.record(
        "people.imported",
        f"{job.filename}: {job.created_count} created, {job.updated_count} updated, "
        f"{job.skipped_count} skipped, {job.refused_count} refused",
        actor_id=job.created_by_id,
    )
    db.session.commit()
    storage.delete(job.company_id, job.stored_name)
    if job.created_count >= STATISTICS_AFTER:
        refresh_planner_statistics(db.engine)  # the tables grew: the planner must know it


def import_batch(job: ImportJob, batch: list[tuple[list[str], PersonRow | Refusal]], state: RunState) -> None:
    """Create, update or skip the rows of one batch, then one flush and the plugin events."""
    record_refusals(job, [(cells, item) for cells, item in batch if isinstance(item, Refusal)])
    job.refused_count += sum(isinstance(item, Refusal) for _, item in batch)
    rows = [item for _, item in batch if isinstance(item, PersonRow)]
    keys = [key for row in rows for key in keys_of(row)]
    known = existing_people(variants(keys, [e for row in rows for e in row.emails]))
    loaded = load_people(set(known.values())) if job.policy == "update" else {}
    resolve_organizations({row.organization for row in rows if row.organization}, state)
    pending: dict[tuple[str, str], Person] = {}
    created: list[tuple[Person, PersonRow]] = []
    updated: list[tuple[Person, PersonRow, dict[str, Any]]] = []
    merged: list[tuple[Person, PersonRow]] = []
    for row in rows:
        row_keys = keys_of(row)
        match = next((pending[k] for k in row_keys if k in pending), None)
        match_id = next((known[k] for k in row_keys if k in known), None)
        if (match is None and match_id is None) or job.policy == "create":
            person = new_person(row, job, state)
            created.append((person, row))
        elif job.policy == "skip":
            job.skipped_count += 1
            continue
        else:
            person = match if match is not None else loaded[match_id]
            if not any(person is p for p, _, _ in updated) and not any(person is p for p, _ in created):
                updated.append((person, row, snapshot(person, PERSON_FIELDS)))
            merge_into(person, row, state)
            merged.append((person, row))
        for key in row_keys:
            pending.setdefault(key, person)
    db.session.flush()
    add_tags_and_values(created, merged, state, rows)
    for person, _row in created:
        state.hooks["crm_person_created"](person=person)
    for person, _row, before in updated:
        changes = changes_since(before, person)
        if changes:
            state.hooks["crm_person_updated"](person=person, changes=changes)
    db.session.flush()
    job.created_count += len(created)
    job.updated_count += len(updated)


def load_people(ids: set[int]) -> dict[int, Person]:
    """The people with these ids, with their emails, phones and organizations (three extra queries)."""
    if not ids:
        return {}
    stmt = select(Person).where(Person.id.in_(ids)).options(
        selectinload(Person.emails), selectinload(Person.phones), selectinload(Person.memberships)
    )
    return {person.id: person for person in db.session.scalars(stmt).unique()}


def resolve_organizations(names: set[str], state: RunState) -> None:
    """Fill ``state.organizations`` for ``names`` (case-insensitive), creating the missing ones."""
    wanted = {name for name in names if name.lower() not in state.organizations}
    if not wanted:
        return
    for org_id, name in db.session.execute(select(Organization.id, Organization.name).where(Organization.name.in_(wanted))):
        state.organizations.setdefault(name.lower(), org_id)
    new = []
    for name in sorted(wanted):
        if name.lower() not in state.organizations:
            organization = Organization(name=name)
            db.session.add(organization)
            state.organizations[name.lower()] = -1
            new.append(organization)
    if new:
        db.session.flush()
        for organization in new:
            state.organizations[organization.name.lower()] = organization.id
            state.hooks["crm_organization_created"](organization=organization)


def new_person(row: PersonRow, job: ImportJob, state: RunState) -> Person:
    """A new person from a row, with its emails, phones and organization (added to the session)."""
    values = dict(row.values)
    values.setdefault("source", "import")
    person = Person(**values, lifecycle_stage=row.stage or "lead", owner_id=row.owner_id or job.created_by_id)
    person.emails = [PersonEmail(email=e, label="work", is_primary=i == 0) for i, e in enumerate(row.emails)]
    person.email = row.emails[0] if row.emails else ""
    person.phones = [PersonPhone(number=n, label="mobile", is_primary=i == 0) for i, n in enumerate(row.phones)]
    person.phone = row.phones[0] if row.phones else ""
    if row.organization:
        org_id = state.organizations[row.organization.lower()]
        person.organization_id = org_id
        person.memberships = [PersonOrganization(organization_id=org_id, role=person.job_title or "", is_primary=True)]
    db.session.add(person)
    return person


def merge_into(person: Person, row: PersonRow, state: RunState) -> None:
    """Update an existing person: filled cells replace values; emails, phones, organizations are added."""
    for name, value in row.values.items():
        setattr(person, name, value)
    if row.stage:
        person.lifecycle_stage = row.stage
    if row.owner_id:
        person.owner_id = row.owner_id
    have = {e.email.lower() for e in person.emails}
    for address in row.emails:
        if address.lower() not in have:
            person.emails.append(PersonEmail(email=address, label="work", is_primary=not person.emails))
            have.add(address.lower())
    numbers = {p.number for p in person.phones}
    for number in row.phones:
        if number not in numbers:
            person.phones.append(PersonPhone(number=number, label="mobile", is_primary=not person.phones))
            numbers.add(number)
    person.email = person.email or (person.emails[0].email if person.emails else "")
    person.phone = person.phone or (person.phones[0].number if person.phones else "")
    if row.organization:
        org_id = state.organizations[row.organization.lower()]
        if all(m.organization_id != org_id for m in person.memberships):
            person.memberships.append(PersonOrganization(organization_id=org_id, role=row.values.get("job_title", ""),
                                                         is_primary=person.organization_id is None))
        if person.organization_id is None:
            person.organization_id = org_id
    if "job_title" in row.values:
        for membership in person.memberships:
            if membership.organization_id == person.organization_id:
                membership.role = row.values["job_title"]


def add_tags_and_values(created: list[tuple[Person, PersonRow]], merged: list[tuple[Person, PersonRow]],
                        state: RunState, rows: list[PersonRow]) -> None:
    """Tags and custom field values of the batch's rows (after the flush gave the people ids).

    ``created`` pairs a new person with its row (values inserted directly); ``merged``
    lists every row merged into a person (existing, or created earlier in the batch).
    """
    tags = {tag.name.lower(): tag for tag in get_or_create_tags({n for row in rows for n in row.tags})}
    merged_ids = list({p.id for p, _ in merged})
    links = set()
    if merged_ids and tags:
        stmt = select(PersonTag.person_id, PersonTag.tag_id).where(PersonTag.person_id.in_(merged_ids))
        links = {(pid, tid) for pid, tid in db.session.execute(stmt)}
    fields = {f.key: f for f in state.ctx.fields}
    for person, row in [*created, *merged]:
        for name in row.tags:
            tag = tags[name.lower()]
            if (person.id, tag.id) not in links:
                db.session.add(PersonTag(person_id=person.id, tag_id=tag.id))
                links.add((person.id, tag.id))
    for person, row in created:
        for key, parsed in row.custom.items():
            for value, number, day in parsed:
                db.session.add(CustomFieldValue(field_id=fields[key].id, entity_id=person.id, value=value,
                                                number_value=number, date_value=day))
    for person, row in merged:
        if row.custom:
            set_values(state.ctx.fields, person.id, row.custom)
