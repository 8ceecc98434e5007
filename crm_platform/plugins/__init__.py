"""The public plugin API: ``from crm_platform.plugins import hookimpl, NavItem, ...``."""

from __future__ import annotations

import pluggy

from crm_platform.plugins.hookspecs import CONTRACT_VERSION
from crm_platform.plugins.types import DashboardWidget, Job, NavItem, Permission

hookimpl = pluggy.HookimplMarker("crm_platform")

__all__ = ["CONTRACT_VERSION", "DashboardWidget", "Job", "NavItem", "Permission", "hookimpl"]
