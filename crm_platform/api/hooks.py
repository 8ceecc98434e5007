"""Hook implementations of the API module: the core's resources and the token pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import hookimpl


@hookimpl
def crm_api_resources() -> list[Any]:
    """People, organizations, timeline entries, users, tags and custom fields."""
    from crm_platform.api import resources_contacts, resources_people, resources_tags, resources_users

    return [*resources_people.RESOURCES, *resources_contacts.RESOURCES, *resources_users.RESOURCES, *resources_tags.RESOURCES]


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The personal API tokens page (the API itself is built in ``crm_platform.api.setup``)."""
    from crm_platform.api.token_views import bp

    return [bp]
