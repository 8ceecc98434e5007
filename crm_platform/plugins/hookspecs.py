"""The plugin contract: every hook a plugin may implement.

Each hook is prefixed ``crm_`` and documented in docs/plugins.md (a test checks that).
Hooks return data; the core validates it and acts on it.
"""

from __future__ import annotations

from typing import Any

import pluggy

CONTRACT_VERSION = "1.0"

hookspec = pluggy.HookspecMarker("crm_platform")


@hookspec
def crm_register_blueprints() -> list[Any]:
    """Return Flask blueprints to register.

    A plugin's blueprint is named after the plugin. Views inside it are scoped to the
    current company automatically; URL arguments naming rows are ``<int:TABLENAME_id>``.
    """


@hookspec
def crm_migration_locations() -> list[str]:
    """Return folders holding Alembic revisions for the models this plugin defines.

    Each folder is one Alembic branch, labelled with the plugin name.
    """


@hookspec
def crm_register_permissions() -> list[Any]:
    """Return :class:`~crm_platform.plugins.Permission` records this plugin introduces."""


@hookspec
def crm_nav_items(user: Any, company: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.NavItem` records for the sidebar.

    :param user: the signed-in user.
    :param company: the current company, or ``None`` when the user has none.
    """


@hookspec
def crm_dashboard_widgets(user: Any, company: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.DashboardWidget` records for the dashboard.

    :param user: the signed-in user.
    :param company: the current company.
    """


@hookspec
def crm_template_slot(slot: str, context: dict[str, Any]) -> Any:
    """Return HTML (a ``markupsafe.Markup``) to insert in a named layout slot, or None.

    :param slot: the slot's name, e.g. ``head``, ``sidebar_bottom``, ``page_top``, ``footer``.
    :param context: the template context of the page being rendered.
    """


@hookspec
def crm_register_cli_commands() -> list[Any]:
    """Return ``click`` commands or groups to add under the ``crm`` command."""


@hookspec
def crm_register_jobs() -> list[Any]:
    """Return :class:`~crm_platform.plugins.Job` records: background jobs and schedules."""


@hookspec
def crm_company_created(company: Any) -> None:
    """Called inside the transaction that creates ``company`` (and in its scope).

    :param company: the new company.
    """


@hookspec
def crm_load_demo_data(company: Any, faker: Any) -> None:
    """Add realistic demo records for ``company`` (runs in that company's scope).

    :param company: the demo company.
    :param faker: a seeded ``faker.Faker`` instance, so demo data is reproducible.
    """
