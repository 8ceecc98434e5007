"""Template helpers: rendering whole pages or htmx fragments, layout slots, navigation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape

from crm_platform.permissions import has_permission
from crm_platform.plugins import runtime
from crm_platform.plugins.types import NavItem

try:  # what markupsafe.escape itself runs, without wrapping each result in a Markup object
    from markupsafe._speedups import _escape_inner as _escape_str
except ImportError:  # pragma: no cover - markupsafe without its C speedups
    from markupsafe._native import _escape_inner as _escape_str

log = logging.getLogger(__name__)


def escape_text(value: object) -> str:
    """``str(markupsafe.escape(value))``, for markup built in Python over many rows.

    The same escaping as the templates' autoescaping (``&<>'"``; a value with
    ``__html__``, such as ``Markup``, is kept as it is), as a plain string: building
    a ``Markup`` object per value cost more than the escaping (0.65 µs against 0.07).
    """
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_str(value if type(value) is str else str(value))


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render ``template``; for an htmx request that names ``block``, only that block.

    One URL, two representations: the whole page for a normal request, the named
    block for htmx (so templates are never duplicated).
    """
    from flask import render_template

    headers = request.headers
    partial = (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"  # Back button: the whole page
    )
    if block and partial:
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def slot(name: str, **context: Any) -> Markup:
    """Collect what enabled plugins put in layout slot ``name``; a failing one shows an error box."""
    parts: list[Markup] = []
    for _plugin, html in runtime.call_ui("crm_template_slot", slot=name, context=context):
        parts.append(html if isinstance(html, Markup) else escape(html))
    return Markup("").join(parts)


def nav_items() -> list[NavItem]:
    """Sidebar entries for the current user, filtered by permission and sorted."""
    if not current_user.is_authenticated:
        return []
    items = runtime.collect_ui("crm_nav_items", user=current_user, company=g.get("company"))
    visible = [i for i in items if isinstance(i, NavItem) and (i.permission is None or has_permission(i.permission))]
    return sorted(visible, key=lambda i: (i.section != "main", i.order, i.label))


@dataclass(frozen=True, slots=True)
class NavLink:
    """A sidebar entry as the layout shows it: the item, its URL, and whether this page is its."""

    item: NavItem
    url: str
    active: bool


def nav_links() -> list[NavLink]:
    """:func:`nav_items` with their URLs, built once each, and the active entry marked.

    The active entry is the one whose URL is the longest prefix of this page's path (so
    ``/people/7`` is "People", not "Organizations" of the same blueprint); when none
    is, :func:`is_active_nav` decides.
    """
    items = nav_items()
    urls = [cached_url_for(item.endpoint) for item in items]
    path = request.path
    best, length = None, 0
    for index, url in enumerate(urls):
        if (path == url or (url != "/" and path.startswith(url.rstrip("/") + "/"))) and len(url) > length:
            best, length = index, len(url)
    return [NavLink(item, url, index == best if best is not None else is_active_nav(item))
            for index, (item, url) in enumerate(zip(items, urls, strict=True))]


def is_active_nav(item: NavItem) -> bool:
    """True when the current page belongs to the nav entry's blueprint and endpoint prefix."""
    endpoint = request.endpoint or ""
    return endpoint == item.endpoint or endpoint.rsplit(".", 1)[0] == item.endpoint.rsplit(".", 1)[0]


URL_CACHE_SIZE = 4096  # URLs remembered per app (then the cache starts again)


def cached_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for templates, built once per app for the URLs pages repeat.

    A relative URL whose values are all strings or integers depends only on the
    endpoint, the values and the script root (the app has no URL defaults or
    value preprocessors), so it is remembered per app: a list row or a click-to-edit
    field then costs a dictionary lookup instead of a URL build. Anything else
    (``_external``, ``_anchor``, ``.relative`` endpoints, other types) goes to Flask's
    ``url_for``.
    """
    if (endpoint[:1] == "." or not has_request_context()
            or any(type(value) not in (int, str) or name[:1] == "_" for name, value in values.items())):
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, *values.items())
    cache = current_app.extensions.setdefault("crm_url_cache", {})
    url = cache.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(cache) >= URL_CACHE_SIZE:
            cache.clear()
        cache[key] = url
    return url


_PLACEHOLDER_ID = 8_675_309_314_159  # a number no real URL of this app contains


def id_url(endpoint: str, parameter: str) -> Callable[[int], str]:
    """A function building ``url_for(endpoint, parameter=n)`` for any integer ``n`` by concatenation.

    For markup built in Python over many rows (list rows, timeline entries): the URL is
    built once with a placeholder, then each row's id is put in its place.
    """
    prefix, _, suffix = url_for(endpoint, **{parameter: _PLACEHOLDER_ID}).partition(str(_PLACEHOLDER_ID))
    return lambda value: f"{prefix}{value}{suffix}"


def init_app(app: Flask) -> None:
    """Register the template globals."""
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        slot=slot,
        nav_items=nav_items,
        nav_links=nav_links,
        is_active_nav=is_active_nav,
        can=has_permission,
        url_for=cached_url_for,
    )
