"""Loading plugins once at start: the core's own modules first, then installed distributions."""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from crm_platform.plugins import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crm_platform.plugins"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# The core's own features, registered through the same hooks as any plugin.
CORE_PLUGINS: tuple[str, ...] = (
    "crm_platform.core.hooks",
    "crm_platform.auth.hooks",
    "crm_platform.companies.hooks",
    "crm_platform.contacts.hooks",
    "crm_platform.dataio.hooks",
    "crm_platform.timeline.hooks",
    "crm_platform.customfields.hooks",
    "crm_platform.admin.hooks",
    "crm_platform.audit.hooks",
    "crm_platform.privacy.hooks",
    "crm_platform.duplicates.hooks",
    "crm_platform.search.hooks",
    "crm_platform.themes.hooks",
    "crm_platform.plugins.hooks",
    "crm_platform.webhooks.hooks",
    "crm_platform.api.hooks",
)


class IncompatiblePlugin(Exception):
    """The plugin needs a contract version this core does not offer."""


@dataclass
class PluginRecord:
    """What the core knows about one plugin: name, origin, metadata and any load error."""

    name: str
    module: Any = None
    version: str = ""
    description: str = ""
    author: str = ""
    contract: str = ""
    core: bool = False
    default_enabled: bool = False
    error: str | None = None

    @property
    def loaded(self) -> bool:
        """True when the plugin is registered and its hooks run."""
        return self.module is not None and self.error is None


def contract_compatible(required: str, offered: str = hookspecs.CONTRACT_VERSION) -> bool:
    """A plugin needing ``major.minor`` runs on the same major with an equal or newer minor."""
    try:
        need_major, need_minor = (int(p) for p in required.split(".")[:2])
        have_major, have_minor = (int(p) for p in offered.split(".")[:2])
    except ValueError:
        return False
    return need_major == have_major and need_minor <= have_minor


def new_plugin_manager() -> pluggy.PluginManager:
    """Return a plugin manager with the ``crm_`` hookspecs added."""
    pm = pluggy.PluginManager("crm_platform")
    pm.add_hookspecs(hookspecs)
    return pm


def _metadata(ep: EntryPoint, record: PluginRecord) -> None:
    dist = ep.dist
    if dist is None:
        return
    meta = dist.metadata
    record.version = dist.version or ""
    record.description = meta.get("Summary", "") or ""
    record.author = meta.get("Author", "") or meta.get("Author-email", "") or ""


def _register_entry_point(pm: pluggy.PluginManager, ep: EntryPoint) -> PluginRecord:
    record = PluginRecord(name=ep.name)
    _metadata(ep, record)
    if not PLUGIN_NAME.match(ep.name):
        record.error = "Invalid plugin name: use 2-40 lowercase letters, digits and underscores."
        return record
    try:
        module = ep.load()
        record.contract = str(getattr(module, "CRM_CONTRACT_VERSION", ""))
        if not record.contract:
            raise IncompatiblePlugin("it does not declare CRM_CONTRACT_VERSION")
        if not contract_compatible(record.contract):
            raise IncompatiblePlugin(
                f"it needs plugin contract {record.contract}, this CRM offers {hookspecs.CONTRACT_VERSION}"
            )
        record.default_enabled = bool(getattr(module, "CRM_DEFAULT_ENABLED", False))
        pm.register(module, name=ep.name)
        try:
            pm.check_pending()
        except pluggy.PluginValidationError:
            pm.unregister(module)
            raise
        record.module = module
    except Exception as exc:  # a broken plugin is refused whole; the app still starts
        log.error("plugin %s refused: %s: %s", ep.name, type(exc).__name__, exc)
        record.error = f"{type(exc).__name__}: {exc}"
        record.module = None
    return record


def load_plugins(
    allowlist: list[str] | None = None, safe_mode: bool = False
) -> tuple[pluggy.PluginManager, list[PluginRecord]]:
    """Register core modules and installed plugins. A misspelt core hook fails loudly."""
    pm = new_plugin_manager()
    records: list[PluginRecord] = []
    for module_name in CORE_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        records.append(PluginRecord(name=module_name, module=module, core=True, default_enabled=True))
    pm.check_pending()
    if safe_mode:
        log.warning("CRM_SAFE_MODE is on: no plugin is loaded")
        return pm, records
    seen: set[str] = set()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in seen or (allowlist is not None and ep.name not in allowlist):
            continue
        seen.add(ep.name)
        records.append(_register_entry_point(pm, ep))
    return pm, records
