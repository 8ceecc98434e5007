"""Template resolution through the current company's theme chain, with a cache keyed by theme.

Order for ``"layout.html"``: the company's theme, its parents, then plugin and core templates
(Flask's own loader). Two prefixes let an override extend what it replaces:

- ``"default:layout.html"`` skips every theme: the plugin or core template;
- ``"theme:NAME:layout.html"`` starts the search at theme NAME (its parents, then the core).

Jinja caches compiled templates by name. A per-request theme would poison that cache (one
company's override served to another), so :class:`ThemedEnvironment` keys it by (theme, name).
"""

from __future__ import annotations

import weakref
from collections.abc import MutableMapping
from typing import Any

from flask import Flask, g, has_app_context, has_request_context
from flask.templating import Environment as FlaskEnvironment
from jinja2 import BaseLoader, FileSystemLoader, Template, TemplateNotFound
from jinja2.utils import internalcode

DEFAULT_PREFIX = "default:"
THEME_PREFIX = "theme:"


def current_theme_name() -> str | None:
    """The theme chosen for this request, or None outside one.

    It is chosen before each request; a page rendered before that happened (an error raised by
    an earlier before-request handler) chooses it here.
    """
    if not has_app_context():
        return None
    if "crm_theme" not in g and has_request_context():
        from crm_platform.themes.setup import select_theme

        select_theme()
    return g.get("crm_theme")


class ThemeLoader(BaseLoader):
    """Looks in the theme chain first, then in Flask's loader (core and plugin templates)."""

    def __init__(self, app: Flask, fallback: BaseLoader) -> None:
        self.app = app
        self.fallback = fallback
        self._loaders: dict[str, FileSystemLoader] = {}

    def _chain(self, name: str | None) -> list[Any]:
        registry = self.app.extensions.get("crm_themes")
        return registry.chain(name) if registry is not None else []

    def _theme_loader(self, theme: Any) -> FileSystemLoader:
        loader = self._loaders.get(theme.name)
        if loader is None:
            loader = self._loaders[theme.name] = FileSystemLoader(str(theme.templates_dir))
        return loader

    def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Any]:
        if template.startswith(DEFAULT_PREFIX):
            return self.fallback.get_source(environment, template[len(DEFAULT_PREFIX):])
        if template.startswith(THEME_PREFIX):
            parts = template.split(":", 2)
            if len(parts) != 3:
                raise TemplateNotFound(template)
            chain, name = self._chain(parts[1]), parts[2]
            if not chain:
                raise TemplateNotFound(template)
        else:
            chain, name = self._chain(current_theme_name()), template
        for theme in chain:
            if theme.templates_dir.is_dir():
                try:
                    return self._theme_loader(theme).get_source(environment, name)
                except TemplateNotFound:
                    continue
        return self.fallback.get_source(environment, name)

    def list_templates(self) -> list[str]:
        names = set(self.fallback.list_templates())
        registry = self.app.extensions.get("crm_themes")
        for theme in registry.usable() if registry is not None else []:
            if theme.templates_dir.is_dir():
                names.update(self._theme_loader(theme).list_templates())
        return sorted(names)


class ThemedEnvironment(FlaskEnvironment):
    """Flask's environment with the theme loader and a template cache keyed by (theme, name)."""

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(app, **options)
        self.loader = ThemeLoader(app, self.loader)

    @internalcode
    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:  # noqa: A002
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        theme = "" if name.startswith(DEFAULT_PREFIX) else (current_theme_name() or "")
        cache_key = (weakref.ref(self.loader), theme, name)
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        template = self.loader.load(self, name, self.make_globals(globals))
        if self.cache is not None:
            self.cache[cache_key] = template
        return template
