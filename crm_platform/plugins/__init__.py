"""The public plugin API. A plugin needs one import line::

    from crm_platform.plugins import hookimpl, NavItem, Panel, db, CompanyOwned, render

Everything a plugin may rely on is listed in ``__all__``; anything else in the core
can change without notice.
"""

from __future__ import annotations

from typing import Any

import pluggy

from crm_platform.plugins.hookspecs import CONTRACT_VERSION
from crm_platform.plugins.types import (
    Action,
    ApiResource,
    DashboardWidget,
    Job,
    ListColumn,
    NavItem,
    Panel,
    Permission,
    SearchResult,
    SettingField,
    TimelineEntryType,
    WebhookEvent,
)

hookimpl = pluggy.HookimplMarker("crm_platform")

_LAZY = {
    "db": ("crm_platform.extensions", "db"),
    "CompanyOwned": ("crm_platform.tenancy", "CompanyOwned"),
    "Timestamped": ("crm_platform.models_base", "Timestamped"),
    "company_scope": ("crm_platform.tenancy", "company_scope"),
    "current_company_id": ("crm_platform.tenancy", "current_company_id"),
    "require_permission": ("crm_platform.permissions", "require_permission"),
    "has_permission": ("crm_platform.permissions", "has_permission"),
    "render": ("crm_platform.templating", "render"),
    "htmx_redirect": ("crm_platform.errors", "htmx_redirect"),
    "get_setting": ("crm_platform.plugins.settings", "get_setting"),
    "is_enabled": ("crm_platform.plugins.runtime", "is_enabled"),
    "send_mail": ("crm_platform.mail", "send_mail"),
    "enqueue": ("crm_platform.jobs", "enqueue"),
    "Person": ("crm_platform.contacts.models", "Person"),
    "Organization": ("crm_platform.contacts.models", "Organization"),
    "Activity": ("crm_platform.contacts.models", "Activity"),
    "add_activity": ("crm_platform.contacts.services", "add_activity"),
    "company_members": ("crm_platform.companies.service", "company_members"),
    "ApiListQuery": ("crm_platform.api.framework", "ApiListQuery"),
    "ApiInput": ("crm_platform.api.framework", "ApiInput"),
    "ApiValidationError": ("crm_platform.api.framework", "ApiValidationError"),
    "api_page": ("crm_platform.api.framework", "api_page"),
    "UnsafeURLError": ("crm_platform.outbound", "UnsafeURLError"),
    "OutboundError": ("crm_platform.outbound", "OutboundError"),
    "safe_post_json": ("crm_platform.outbound", "post_json"),
    "validate_outbound_url": ("crm_platform.outbound", "validate_url"),
    "add_task": ("crm_platform.timeline.tasks", "add_task"),
    "complete_task": ("crm_platform.timeline.tasks", "complete_task"),
    "reopen_task": ("crm_platform.timeline.tasks", "reopen_task"),
    "add_meeting": ("crm_platform.timeline.tasks", "add_meeting"),
    "open_tasks_for": ("crm_platform.timeline.tasks", "open_tasks_for"),
    "TimelineError": ("crm_platform.timeline.tasks", "TimelineError"),
    "notify": ("crm_platform.timeline.notifications", "notify"),
    "Notification": ("crm_platform.timeline.models", "Notification"),
    "emit_event": ("crm_platform.webhooks.events", "emit_event"),
    "create_person": ("crm_platform.contacts.services", "create_person"),
    "create_organization": ("crm_platform.contacts.services", "create_organization"),
    "find_organization": ("crm_platform.contacts.services", "find_organization"),
    "organization_choices": ("crm_platform.contacts.services", "organization_choices"),
    "public_view": ("crm_platform.plugins.public", "public_view"),
    "rate_limit": ("crm_platform.plugins.public", "rate_limit"),
    "company_by_slug": ("crm_platform.plugins.public", "company_by_slug"),
    "current_company": ("crm_platform.plugins.public", "current_company"),
    "unscoped": ("crm_platform.tenancy", "unscoped"),
    "allow_readonly": ("crm_platform.permissions", "allow_readonly"),
    "is_digits": ("crm_platform.numbers", "is_digits"),
    "parse_id": ("crm_platform.numbers", "parse_id"),
}


def __getattr__(name: str) -> Any:
    """Import the heavier public names on first use (avoids import cycles with the core)."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(name)


__all__ = [
    "is_digits",
    "parse_id",
    "CONTRACT_VERSION",
    "Action",
    "Activity",
    "ApiInput",
    "ApiListQuery",
    "ApiResource",
    "ApiValidationError",
    "api_page",
    "Organization",
    "Person",
    "add_activity",
    "company_members",
    "CompanyOwned",
    "DashboardWidget",
    "Job",
    "ListColumn",
    "NavItem",
    "Panel",
    "Permission",
    "SearchResult",
    "SettingField",
    "Timestamped",
    "TimelineEntryType",
    "company_scope",
    "current_company_id",
    "db",
    "enqueue",
    "get_setting",
    "has_permission",
    "hookimpl",
    "htmx_redirect",
    "is_enabled",
    "render",
    "require_permission",
    "send_mail",
    "OutboundError",
    "UnsafeURLError",
    "safe_post_json",
    "validate_outbound_url",
    "add_task",
    "complete_task",
    "reopen_task",
    "add_meeting",
    "open_tasks_for",
    "TimelineError",
    "notify",
    "Notification",
    "WebhookEvent",
    "emit_event",
    "create_person",
    "create_organization",
    "find_organization",
    "organization_choices",
    "public_view",
    "rate_limit",
    "company_by_slug",
    "current_company",
    "unscoped",
    "allow_readonly",
]
