"""The contacts pages: people, organizations and their timelines (one blueprint)."""

from __future__ import annotations

from crm_platform.contacts import organization_views, people_views, timeline_views  # noqa: F401  (register routes)
from crm_platform.contacts import list_views, saved_view_views  # noqa: F401  (register routes)
from crm_platform.contacts import detail_helpers, inline_views, list_html  # noqa: F401  (template helpers, click-to-edit)
from crm_platform.contacts.blueprint import bp

__all__ = ["bp"]
