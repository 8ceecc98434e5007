"""Hook implementations of the webhooks module: the settings page, core events, domain events.

The core's own events come from its domain-event hooks, like any plugin would
subscribe to them: a person or organization created, updated, deleted or merged.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, Permission, WebhookEvent, hookimpl
from crm_platform.webhooks import delivery  # noqa: F401  (registers the job and the after-commit listener)


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Settings → Webhooks."""
    from crm_platform.webhooks.views import bp

    return [bp]


@hookimpl
def crm_register_permissions() -> list[Permission]:
    """Managing webhooks sends company data to outside URLs: owners and admins only."""
    return [Permission("webhooks.manage", "Subscribe URLs to events and read the delivery log", ("owner", "admin"))]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Webhooks in the settings section."""
    if company is None:
        return []
    return [NavItem("Webhooks", "webhooks.index", icon="plug", permission="webhooks.manage", order=70, section="settings")]


@hookimpl
def crm_webhook_events() -> list[WebhookEvent]:
    """The core's events: people and organizations."""
    from crm_platform.webhooks.events import CORE_EVENTS

    return list(CORE_EVENTS)


def _emit_record(name: str, key: str, row: Any, fields: tuple[str, ...], **extra: Any) -> None:
    from crm_platform.webhooks.events import emit_event, record_data

    emit_event(name, {key: record_data(row, fields), **extra})


@hookimpl
def crm_person_created(person: Any) -> None:
    """``person.created``."""
    from crm_platform.webhooks.events import PERSON_FIELDS

    _emit_record("person.created", "person", person, PERSON_FIELDS)


@hookimpl
def crm_person_updated(person: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """``person.updated`` with the changed fields."""
    from crm_platform.webhooks.events import PERSON_FIELDS, changes_data

    _emit_record("person.updated", "person", person, PERSON_FIELDS, changes=changes_data(changes))


@hookimpl
def crm_person_deleted(person: Any) -> None:
    """``person.deleted`` (the record as it was)."""
    from crm_platform.webhooks.events import PERSON_FIELDS

    _emit_record("person.deleted", "person", person, PERSON_FIELDS)


@hookimpl
def crm_person_merged(survivor: Any, merged: Any) -> None:
    """``person.merged``: the survivor, and the id of the person folded into it."""
    from crm_platform.webhooks.events import PERSON_FIELDS

    _emit_record("person.merged", "person", survivor, PERSON_FIELDS, merged_person_id=merged.id)


@hookimpl
def crm_personal_data_erase(person: Any) -> None:
    """Drop logged deliveries that carry the person's data, then send ``person.erased`` (the id only)."""
    from crm_platform.webhooks.events import emit_event
    from crm_platform.webhooks.services import erase_person_deliveries

    erase_person_deliveries(person.id)
    emit_event("person.erased", {"person": {"id": person.id}})


@hookimpl
def crm_organization_created(organization: Any) -> None:
    """``organization.created``."""
    from crm_platform.webhooks.events import ORGANIZATION_FIELDS

    _emit_record("organization.created", "organization", organization, ORGANIZATION_FIELDS)


@hookimpl
def crm_organization_updated(organization: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """``organization.updated`` with the changed fields."""
    from crm_platform.webhooks.events import ORGANIZATION_FIELDS, changes_data

    _emit_record("organization.updated", "organization", organization, ORGANIZATION_FIELDS, changes=changes_data(changes))


@hookimpl
def crm_organization_deleted(organization: Any) -> None:
    """``organization.deleted`` (the record as it was)."""
    from crm_platform.webhooks.events import ORGANIZATION_FIELDS

    _emit_record("organization.deleted", "organization", organization, ORGANIZATION_FIELDS)


@hookimpl
def crm_organization_merged(survivor: Any, merged: Any) -> None:
    """``organization.merged``: the survivor, and the id of the organization folded into it."""
    from crm_platform.webhooks.events import ORGANIZATION_FIELDS

    _emit_record("organization.merged", "organization", survivor, ORGANIZATION_FIELDS, merged_organization_id=merged.id)
