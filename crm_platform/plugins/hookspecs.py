"""The plugin contract: every hook a plugin may implement.

Each hook is prefixed ``crm_`` and documented in docs/plugins.md (a test checks that).
Hooks return data; the core validates it and acts on it. UI hooks (navigation,
panels, widgets, slots...) that raise are logged and shown as a small error box;
data hooks (erase, merge, purge) raise, and the transaction is rolled back.
"""

from __future__ import annotations

from typing import Any

import pluggy

CONTRACT_VERSION = "1.0"

hookspec = pluggy.HookspecMarker("crm_platform")


# --- Structure: called once at start ---------------------------------------------


@hookspec
def crm_register_blueprints() -> list[Any]:
    """Return Flask blueprints to register.

    A plugin's blueprint is named after the plugin (``sales`` or ``sales_*``); its
    templates and static files are namespaced with it. Views are scoped to the current
    company automatically, and answer 404 for companies that have not enabled the
    plugin. URL arguments naming rows are ``<int:TABLENAME_id>``.
    """


@hookspec
def crm_migration_locations() -> list[str]:
    """Return folders holding Alembic revisions for the models this plugin defines.

    Each folder is one Alembic branch, labelled with the plugin name, whose first
    revision ``depends_on`` the core revision it needs. Tables carry the plugin name
    as a prefix.
    """


@hookspec
def crm_register_permissions() -> list[Any]:
    """Return :class:`~crm_platform.plugins.Permission` records this plugin introduces."""


@hookspec
def crm_register_cli_commands() -> list[Any]:
    """Return ``click`` commands or groups to add under the ``crm`` command."""


@hookspec
def crm_register_jobs() -> list[Any]:
    """Return :class:`~crm_platform.plugins.Job` records: background jobs and schedules.

    A job runs in an application context; it receives the ``company_id`` it was queued
    for as a keyword argument when the caller passes one, and must scope itself with
    ``crm_platform.plugins.company_scope``.
    """


@hookspec
def crm_timeline_entry_types() -> list[Any]:
    """Return :class:`~crm_platform.plugins.TimelineEntryType` records (kind, label, icon, render)."""


@hookspec
def crm_settings_fields() -> list[Any]:
    """Return :class:`~crm_platform.plugins.SettingField` records: this plugin's per-company settings.

    The core builds the settings form from them; read values with
    ``crm_platform.plugins.get_setting(plugin_name, field_name)``.
    """


@hookspec
def crm_webhook_events() -> list[Any]:
    """Return :class:`~crm_platform.plugins.WebhookEvent` records: events webhooks can subscribe to.

    Names are ``<noun>.<verb>`` (``deal.stage_changed``) and unique across plugins. A
    company sees the events of the core and of the plugins it has enabled. Send an
    event with ``crm_platform.plugins.emit_event(name, payload)``; it is delivered
    after the database transaction commits.
    """


# --- Per request: only plugins enabled for the current company ---------------------


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

    :param slot: the slot's name: ``head``, ``sidebar_bottom``, ``page_top``, ``footer``,
        ``person_sidebar``, ``organization_sidebar``.
    :param context: the keyword arguments the template passed to the slot.
    """


@hookspec
def crm_person_panels(person: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.Panel` records shown on a person's page.

    :param person: the person being displayed.
    """


@hookspec
def crm_organization_panels(organization: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.Panel` records shown on an organization's page.

    :param organization: the organization being displayed.
    """


@hookspec
def crm_person_actions(person: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.Action` buttons for a person's page.

    :param person: the person being displayed.
    """


@hookspec
def crm_organization_actions(organization: Any) -> list[Any]:
    """Return :class:`~crm_platform.plugins.Action` buttons for an organization's page.

    :param organization: the organization being displayed.
    """


@hookspec
def crm_person_list_columns() -> list[Any]:
    """Return :class:`~crm_platform.plugins.ListColumn` records added to the people list."""


@hookspec
def crm_organization_list_columns() -> list[Any]:
    """Return :class:`~crm_platform.plugins.ListColumn` records added to the organizations list."""


@hookspec
def crm_search(query: str, limit: int) -> list[Any]:
    """Return :class:`~crm_platform.plugins.SearchResult` records for global search.

    :param query: what the user typed (already stripped; never empty).
    :param limit: the most results this provider should return.
    """


# --- Domain events: only plugins enabled for the company --------------------------


@hookspec
def crm_company_created(company: Any) -> None:
    """Called inside the transaction that creates ``company`` (and in its scope).

    :param company: the new company.
    """


@hookspec
def crm_plugin_enabled(company: Any, plugin: str) -> None:
    """Called when a company enables a plugin (the plugin itself is called too).

    :param company: the company.
    :param plugin: the plugin's name.
    """


@hookspec
def crm_plugin_disabled(company: Any, plugin: str) -> None:
    """Called when a company disables a plugin (before it is switched off). Its data is kept.

    :param company: the company.
    :param plugin: the plugin's name.
    """


@hookspec
def crm_person_created(person: Any) -> None:
    """A person was created (called before the commit; raising aborts the change).

    :param person: the new person, flushed so it has an id.
    """


@hookspec
def crm_person_updated(person: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """A person was changed.

    :param person: the person after the change.
    :param changes: ``{field: (old, new)}`` for every changed field.
    """


@hookspec
def crm_person_deleted(person: Any) -> None:
    """A person is about to be deleted (plugins delete or detach their own rows).

    :param person: the person being deleted.
    """


@hookspec
def crm_person_merged(survivor: Any, merged: Any) -> None:
    """Data hook: ``merged`` is folded into ``survivor``; move every plugin row that points at it.

    Errors are not swallowed: the merge is rolled back.

    :param survivor: the person that remains.
    :param merged: the person that will be deleted after the hook.
    """


@hookspec
def crm_organization_created(organization: Any) -> None:
    """An organization was created.

    :param organization: the new organization, flushed so it has an id.
    """


@hookspec
def crm_organization_updated(organization: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """An organization was changed.

    :param organization: the organization after the change.
    :param changes: ``{field: (old, new)}`` for every changed field.
    """


@hookspec
def crm_organization_deleted(organization: Any) -> None:
    """An organization is about to be deleted.

    :param organization: the organization being deleted.
    """


@hookspec
def crm_organization_merged(survivor: Any, merged: Any) -> None:
    """Data hook: ``merged`` is folded into ``survivor``; move every plugin row that points at it.

    :param survivor: the organization that remains.
    :param merged: the organization that will be deleted after the hook.
    """


# --- Personal data (GDPR) and purge: data hooks, errors roll back -------------------


@hookspec
def crm_personal_data_export(person: Any) -> dict[str, Any]:
    """Return what this plugin holds about ``person`` as JSON-serialisable data.

    :param person: the data subject.
    """


@hookspec
def crm_personal_data_erase(person: Any) -> None:
    """Erase or anonymise what this plugin holds about ``person``. Raise on failure.

    :param person: the data subject, erased by the core after every plugin.
    """


@hookspec
def crm_purge_company_data(company: Any) -> None:
    """Delete every row this plugin holds for ``company`` (an explicit purge by an admin).

    Only the purged plugin is called. Disabling a plugin never purges.

    :param company: the company whose data is purged.
    """


# --- Setup -------------------------------------------------------------------------


@hookspec
def crm_load_demo_data(company: Any, faker: Any) -> None:
    """Add realistic demo records for ``company`` (runs in that company's scope).

    :param company: the demo company.
    :param faker: a seeded ``faker.Faker`` instance, so demo data is reproducible.
    """


# --- REST API: called once at start ---------------------------------------------------


@hookspec
def crm_api_resources() -> list[Any]:
    """Return :class:`~crm_platform.plugins.ApiResource` records served under ``/api/v1``.

    Their routes and schemas appear in the OpenAPI document. Resource names are unique
    across the core and plugins. A company that has not enabled the plugin gets 404 on
    its resources; tokens, tenancy, permissions, ETags and rate limits are the core's.
    """
