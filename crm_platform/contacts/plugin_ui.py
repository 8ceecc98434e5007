"""What plugins add to the contacts pages: panels, action buttons, list columns, entry types.

Every call goes through :mod:`crm_platform.plugins.runtime`, so only the plugins the
current company enabled take part, and a plugin that fails is logged and shown as a
small error box (or left out) instead of breaking the page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from flask import g
from markupsafe import Markup

from crm_platform.permissions import has_permission
from crm_platform.plugins import runtime
from crm_platform.plugins.types import Action, ListColumn, Panel, TimelineEntryType

log = logging.getLogger(__name__)


def panels(hook: str, **kwargs: Any) -> list[Panel]:
    """Panels for a detail page (``crm_person_panels`` / ``crm_organization_panels``), by order."""
    items = [item for item in runtime.collect_ui(hook, **kwargs) if isinstance(item, Panel)]
    return sorted(items, key=lambda panel: (panel.order, panel.title))


def actions(hook: str, **kwargs: Any) -> list[Action]:
    """Action buttons for a detail page that the current user may use."""
    items = [item for item in runtime.collect_ui(hook, **kwargs) if isinstance(item, Action)]
    return [item for item in items if item.permission is None or has_permission(item.permission)]


def list_columns(rows: Sequence[Any], hook: str = "crm_person_list_columns") -> list[tuple[ListColumn, dict[int, str]]]:
    """Extra list columns (people or organizations) with their values for ``rows``, one call per column."""
    columns = []
    for column in runtime.collect_ui(hook):
        if not isinstance(column, ListColumn):
            continue
        try:
            values = dict(column.values(rows)) if rows else {}
        except Exception:
            log.exception("list column %s failed", column.name)
            values = {}
        columns.append((column, values))
    return columns


def entry_types() -> dict[str, TimelineEntryType]:
    """Timeline entry kinds added by plugins, by kind (looked up once per request)."""
    cached = g.get("crm_timeline_entry_types")
    if cached is None:
        items = runtime.collect_ui("crm_timeline_entry_types")
        cached = {item.kind: item for item in items if isinstance(item, TimelineEntryType)}
        g.crm_timeline_entry_types = cached
    return cached


def render_entry(entry_type: TimelineEntryType, activity: Any) -> Markup:
    """A plugin's rendering of one timeline entry; a failure becomes an error box."""
    try:
        html = entry_type.render(activity) if entry_type.render else None
    except Exception:
        log.exception("timeline entry type %s failed to render activity %s", entry_type.kind, activity.id)
        return runtime.error_box(entry_type.kind)
    if html is None:
        return Markup("")
    return html if isinstance(html, Markup) else Markup.escape(html)
