"""Personal data: export, erasure and merging of people, across the core and every plugin.

These call data hooks: a plugin that raises aborts the whole operation and the caller
rolls the transaction back, so nothing is half-erased or half-merged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from crm_platform.audit.service import record
from crm_platform.contacts.models import Activity, Person
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


def merge_people(survivor: Person, merged: Person) -> None:
    """Fold ``merged`` into ``survivor``: timeline and plugin rows move, then ``merged`` is deleted.

    Empty fields of the survivor are filled from the merged person. The caller commits.
    """
    if survivor.id == merged.id:
        raise ValueError("A person cannot be merged into itself.")
    for field in ("email", "phone", "job_title", "first_name", "last_name"):
        if not getattr(survivor, field) and getattr(merged, field):
            setattr(survivor, field, getattr(merged, field))
    if survivor.organization_id is None:
        survivor.organization_id = merged.organization_id
    db.session.execute(update(Activity).where(Activity.person_id == merged.id).values(person_id=survivor.id))
    runtime.call_data("crm_person_merged", survivor=survivor, merged=merged)
    db.session.add(Activity(kind="note", person_id=survivor.id, organization_id=survivor.organization_id,
                            body=f"Merged {merged.full_name} into this person."))
    record("person_merged", f"person #{merged.id} into #{survivor.id}")
    db.session.delete(merged)
    db.session.flush()
