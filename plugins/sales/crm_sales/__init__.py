"""Sales automation for crm_platform: pipelines, deals with line items, and a kanban board.

The entry point ``sales`` points at this module; pluggy finds the hook
implementations re-exported here from :mod:`crm_sales.hooks`.
"""

from __future__ import annotations

from crm_sales.hooks import (  # noqa: F401 - re-exported for pluggy
    crm_api_resources,
    crm_company_created,
    crm_dashboard_widgets,
    crm_load_demo_data,
    crm_migration_locations,
    crm_nav_items,
    crm_organization_deleted,
    crm_organization_merged,
    crm_organization_panels,
    crm_person_deleted,
    crm_person_merged,
    crm_person_panels,
    crm_personal_data_erase,
    crm_personal_data_export,
    crm_plugin_enabled,
    crm_purge_company_data,
    crm_register_jobs,
    crm_register_blueprints,
    crm_register_permissions,
    crm_search,
    crm_settings_fields,
    crm_template_slot,
    crm_timeline_entry_types,
    crm_webhook_events,
)

CRM_CONTRACT_VERSION = "1.0"
CRM_DEFAULT_ENABLED = True
