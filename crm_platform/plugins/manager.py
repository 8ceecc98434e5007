"""Loading plugins: the core's own modules first, then installed distributions."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from crm_platform.plugins import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crm_platform.plugins"

# The core's own features, registered through the same hooks as any plugin.
CORE_PLUGINS: tuple[str, ...] = (
    "crm_platform.core.hooks",
    "crm_platform.auth.hooks",
    "crm_platform.companies.hooks",
    "crm_platform.contacts.hooks",
    "crm_platform.admin.hooks",
    "crm_platform.audit.hooks",
)


@dataclass
class PluginRecord:
    """What the core knows about one plugin: name, origin and any load error."""

    name: str
    module: Any = None
    version: str = ""
    core: bool = False
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def new_plugin_manager() -> pluggy.PluginManager:
    """Return a plugin manager with the ``crm_`` hookspecs added."""
    pm = pluggy.PluginManager("crm_platform")
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(allowlist: list[str] | None = None, safe_mode: bool = False) -> tuple[pluggy.PluginManager, list[PluginRecord]]:
    """Register core modules and installed plugins; a broken plugin is recorded, not fatal."""
    pm = new_plugin_manager()
    records: list[PluginRecord] = []
    for module_name in CORE_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        records.append(PluginRecord(name=module_name, module=module, core=True))
    if not safe_mode:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if allowlist is not None and ep.name not in allowlist:
                continue
            record = PluginRecord(name=ep.name, version=getattr(ep.dist, "version", "") or "")
            try:
                module = ep.load()
                pm.register(module, name=ep.name)
                record.module = module
            except Exception as exc:  # a broken plugin must not stop the app
                log.exception("plugin %s failed to load", ep.name)
                record.error = f"{type(exc).__name__}: {exc}"
            records.append(record)
    pm.check_pending()
    return pm, records
