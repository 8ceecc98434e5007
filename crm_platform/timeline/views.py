"""The timeline pages: one blueprint, routes in small modules."""

from __future__ import annotations

from crm_platform.timeline import (  # noqa: F401  (register routes, template helpers and listeners)
    attachments,
    entry_html,
    entry_views,
    notification_views,
    template_helpers,
)
from crm_platform.timeline.blueprint import bp

__all__ = ["bp"]
