"""The timeline pages: one blueprint, routes in small modules."""

from __future__ import annotations

from crm_platform.timeline import attachments, notification_views  # noqa: F401  (register routes and listeners)
from crm_platform.timeline.blueprint import bp

__all__ = ["bp"]
