"""Personal data: export, erasure and merging of people, across the core and every plugin.

These call data hooks: a plugin that raises aborts the whole operation and the caller
rolls the transaction back, so nothing is half-erased or half-merged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update

from crm_platform.audit.service import record
from crm_platform.contacts.details import set_tags, sync_primary_contacts, sync_primary_membership
from crm_platform.contacts.models import Activity, Person, PersonEmail, PersonOrganization, PersonPhone
from crm_platform.contacts.services import add_activity
from crm_platform.customfields.service import fields_for, move_values, values_for
from crm_platform.extensions import db
from crm_platform.plugins import runtime

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "lifecycle_stage", "created_at", "updated_at")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_person(person: Person) -> dict[str, Any]:
    """Everything held about ``person``: the core record, the timeline and each plugin's data."""
    activities = db.session.scalars(select(Activity).where(Activity.person_id == person.id).order_by(Activity.created_at)).all()
    data: dict[str, Any] = {
        "exported_at": datetime.now(UTC).isoformat(),
        "person": {field: _plain(getattr(person, field)) for field in PERSON_FIELDS},
        "organization": person.organization.name if person.organization else None,
        "timeline": [{"kind": a.kind, "at": _plain(a.created_at), "body": a.body} for a in activities],
        "plugins": {},
    }
    caller = runtime.hook("crm_personal_data_export")
    for impl in reversed(caller.get_hookimpls()):
        result = impl.function(*[{"person": person}[arg] for arg in impl.argnames])
        if result:
            data["plugins"][impl.plugin_name] = result
    return data


def erase_person(person: Person) -> None:
    """Erase ``person``: plugins first (``crm_personal_data_erase``), then the core record and timeline.

    The audit log keeps that an erasure happened, without the erased data. The caller commits.
    """
    runtime.call_data("crm_personal_data_erase", person=person)
    db.session.execute(delete(Activity).where(Activity.person_id == person.id))
    record("person_erased", f"person #{person.id}")
    db.session.delete(person)
    db.session.flush()


MERGE_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "lifecycle_stage", "owner_id", "source", "website",
    "street", "postal_code", "city", "region", "country",
)


def merge_people(survivor: Person, merged: Person, choices: Mapping[str, str] | None = None) -> None:
    """Fold ``merged`` into ``survivor``; every related record moves, then ``merged`` is deleted.

    ``choices`` maps a field of :data:`MERGE_FIELDS`, ``social`` or ``cf_<key>`` to
    ``"merged"`` to keep the merged person's value (anything else keeps the survivor's).
    Fields left out are filled from the merged person when the survivor's is empty.
    Emails, phones, organizations and tags of both are kept (the survivor's primary
    entries stay primary); the timeline moves; plugins move their rows
    (``crm_person_merged``). The merge is recorded in the timeline and the audit log.
    The caller commits.
    """
    if survivor.id == merged.id:
        raise ValueError("A person cannot be merged into itself.")
    choices = dict(choices or {})
    for person in (survivor, merged):  # rows written without the services get their lists
        sync_primary_contacts(person)
        sync_primary_membership(person)
    for field in MERGE_FIELDS:
        theirs = getattr(merged, field)
        if choices.get(field) == "merged" or (field not in choices and not getattr(survivor, field) and theirs):
            setattr(survivor, field, theirs)
    if choices.get("social") == "merged":
        survivor.social = dict(merged.social or {})
    elif "social" not in choices:
        survivor.social = {**(merged.social or {}), **(survivor.social or {})}
    _merge_contact_lists(survivor, merged)
    set_tags(survivor, [tag.name for tag in survivor.tags] + [tag.name for tag in merged.tags])
    _merge_custom_values(survivor, merged, choices)
    db.session.execute(update(Activity).where(Activity.person_id == merged.id).values(person_id=survivor.id))
    runtime.call_data("crm_person_merged", survivor=survivor, merged=merged)
    add_activity("note", f"Merged {merged.full_name} into this person.", person=survivor)
    record("person_merged", f"person #{merged.id} into #{survivor.id}")
    db.session.delete(merged)
    db.session.flush()


def _merge_contact_lists(survivor: Person, merged: Person) -> None:
    """Copy the merged person's emails, phones and organizations the survivor lacks."""
    known_emails = {row.email.lower() for row in survivor.emails}
    for row in merged.emails:
        if row.email.lower() not in known_emails:
            survivor.emails.append(PersonEmail(email=row.email, label=row.label, is_primary=not survivor.emails))
            known_emails.add(row.email.lower())
    known_phones = {row.number for row in survivor.phones}
    for row in merged.phones:
        if row.number not in known_phones:
            survivor.phones.append(PersonPhone(number=row.number, label=row.label, is_primary=not survivor.phones))
            known_phones.add(row.number)
    known_orgs = {row.organization_id for row in survivor.memberships}
    for row in merged.memberships:
        if row.organization_id not in known_orgs:
            survivor.memberships.append(PersonOrganization(organization_id=row.organization_id, role=row.role,
                                                           is_primary=not survivor.memberships))
            known_orgs.add(row.organization_id)
    for column, rows, attr in (("email", survivor.emails, "email"), ("phone", survivor.phones, "number")):
        primary = next((row for row in rows if row.is_primary), None)
        setattr(survivor, column, getattr(primary, attr) if primary else "")
    primary_org = next((row for row in survivor.memberships if row.is_primary), None)
    survivor.organization_id = primary_org.organization_id if primary_org else None
    survivor.job_title = primary_org.role if primary_org else survivor.job_title or merged.job_title


def _merge_custom_values(survivor: Person, merged: Person, choices: Mapping[str, str]) -> None:
    """Keep the merged person's custom values where chosen, or where the survivor has none."""
    fields = fields_for("person")
    values = values_for(fields, [survivor.id, merged.id])
    mine, theirs = values.get(survivor.id, {}), values.get(merged.id, {})
    keys = [
        f.key for f in fields
        if f.key in theirs and (choices.get(f"cf_{f.key}") == "merged" or (f"cf_{f.key}" not in choices and f.key not in mine))
    ]
    move_values("person", merged.id, survivor.id, keys)
