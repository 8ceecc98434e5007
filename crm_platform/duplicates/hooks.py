"""The duplicates finder and merge, plugged into the core like any plugin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for

from crm_platform.plugins import Action, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The finder and the merge views."""
    from crm_platform.duplicates.views import bp

    return [bp]


@hookimpl
def crm_person_actions(person: Any) -> list[Action]:
    """'Merge with…' on every person page, for users who may change records."""
    return [Action("Merge with…", url_for("duplicates.compare", person_id=person.id), permission="records.edit")]
