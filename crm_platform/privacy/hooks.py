"""Personal-data tooling of the core: a permission and two actions on the person page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for

from crm_platform.plugins import Action, Permission, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Export and erasure views."""
    from crm_platform.privacy.views import bp

    return [bp]


@hookimpl
def crm_register_permissions() -> list[Permission]:
    """Only owners and admins handle data-subject requests."""
    return [Permission("personal_data.manage", "Export and erase a person's personal data", ("owner", "admin"))]


@hookimpl
def crm_person_actions(person: Any) -> list[Action]:
    """'Export personal data' and 'Erase…' on every person page."""
    return [
        Action("Export personal data", url_for("privacy.export", person_id=person.id), permission="personal_data.manage"),
        Action("Erase…", url_for("privacy.erase", person_id=person.id), permission="personal_data.manage"),
    ]
