"""Collect API resources from ``crm_api_resources`` once at start and register the API blueprint."""

from __future__ import annotations

import re
from dataclasses import replace

from flask import Flask

from crm_platform.extensions import csrf
from crm_platform.plugins.types import ApiResource

RESOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


def collect(pm: object, core_plugins: set[str]) -> list[ApiResource]:
    """Every resource the core and the loaded plugins declare, validated, with its plugin set."""
    resources: list[ApiResource] = []
    seen: set[str] = set()
    for impl in pm.hook.crm_api_resources.get_hookimpls():  # type: ignore[attr-defined]  (core first)
        plugin = "" if impl.plugin_name in core_plugins else impl.plugin_name
        for resource in impl.function() or []:
            if not isinstance(resource, ApiResource):
                raise TypeError(f"{impl.plugin_name}: crm_api_resources must return ApiResource records, got {resource!r}")
            if not RESOURCE_NAME.match(resource.name) or resource.name in seen | {"openapi.json", "docs"}:
                raise ValueError(f"{impl.plugin_name}: API resource name {resource.name!r} is invalid or taken")
            if resource.list is not None and resource.query_schema is None:
                raise ValueError(f"{impl.plugin_name}: API resource {resource.name!r} lists without a query_schema")
            seen.add(resource.name)
            resources.append(replace(resource, plugin=plugin))
    return resources


def init_app(app: Flask) -> None:
    """Build the ``/api/v1`` blueprint from every resource; exempt it from CSRF (tokens, not cookies)."""
    from crm_platform.api.routes import build_blueprint

    state = app.extensions["crm"]
    core = {record.name for record in state.plugins if record.core}
    resources = collect(state.pm, core)
    app.extensions["crm_api_resources"] = resources
    blueprint = build_blueprint(resources)
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
