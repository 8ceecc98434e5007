"""Hook implementations of the custom fields module: the Settings → Custom fields page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint

from crm_platform.plugins import ListColumn, NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The custom fields settings page (and its form templates)."""
    from crm_platform.customfields.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Custom fields in the settings section, for owners and admins."""
    if company is None:
        return []
    return [NavItem("Custom fields", "customfields.settings", icon="list", permission="company.manage", order=25,
                    section="settings")]


def custom_field_columns(entity: str) -> list[ListColumn]:
    """One list column per custom field of ``entity``; all their values load in one query per page."""
    from crm_platform.customfields.service import display_value, fields_for, values_for

    fields = fields_for(entity)
    loaded: dict[tuple[int, ...], dict[int, dict[str, Any]]] = {}

    def page_values(rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
        key = tuple(row.id for row in rows)
        if key not in loaded:
            loaded.clear()
            loaded[key] = values_for(fields, list(key))
        return loaded[key]

    def column(field: Any) -> ListColumn:
        def values(rows: Sequence[Any]) -> Mapping[int, str]:
            return {row_id: display_value(field, found[field.key])
                    for row_id, found in page_values(rows).items() if field.key in found}

        return ListColumn(f"cf_{field.key}", field.label, values)

    return [column(field) for field in fields]


@hookimpl
def crm_person_list_columns() -> list[ListColumn]:
    """The company's custom fields on people, as columns of the people list."""
    return custom_field_columns("person")


@hookimpl
def crm_organization_list_columns() -> list[ListColumn]:
    """The company's custom fields on organizations, as columns of the organizations list."""
    return custom_field_columns("organization")
