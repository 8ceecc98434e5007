"""Small frozen records that hooks return and the core validates."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """An entry in the sidebar.

    ``endpoint`` is a Flask endpoint name; ``permission`` hides the entry from users
    without it (the view must still check). ``order`` sorts ascending; ``section`` is
    ``main`` or ``settings``.
    """

    label: str
    endpoint: str
    icon: str = "dot"
    permission: str | None = None
    order: int = 100
    section: str = "main"


@dataclass(frozen=True)
class Permission:
    """A named permission and the roles that hold it by default."""

    name: str
    description: str
    roles: tuple[str, ...] = ("owner", "admin")


@dataclass(frozen=True)
class DashboardWidget:
    """A dashboard card. ``render`` returns HTML (Markup) for the current company and user."""

    name: str
    title: str
    render: Callable[[], Any]
    order: int = 100
    permission: str | None = None


@dataclass(frozen=True)
class Panel:
    """A panel on a person or organization page, loaded lazily from ``url`` with ``hx-get``."""

    name: str
    title: str
    url: str
    order: int = 100


@dataclass(frozen=True)
class Action:
    """A button on a person or organization page. ``method`` POST sends the CSRF header."""

    label: str
    url: str
    method: str = "GET"
    permission: str | None = "records.edit"
    confirm: str | None = None


@dataclass(frozen=True)
class ListColumn:
    """An extra column on the people or organizations list.

    ``values`` receives every row on the page at once and returns ``{row id: text}``,
    so a column costs one query per page, not one per row.
    """

    name: str
    label: str
    values: Callable[[Sequence[Any]], Mapping[int, str]]


@dataclass(frozen=True)
class TimelineEntryType:
    """A kind of timeline entry and how it renders (``render(activity) -> Markup``)."""

    kind: str
    label: str
    icon: str = "dot"
    render: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class SettingField:
    """One per-company setting of a plugin; the core generates the settings form.

    ``type`` is ``text``, ``int``, ``bool``, ``choice`` or ``email``; ``choices`` is a
    list of ``(value, label)`` for ``choice``.
    """

    name: str
    label: str
    type: str = "text"
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    required: bool = False


@dataclass(frozen=True)
class SearchResult:
    """One global-search hit."""

    title: str
    url: str
    kind: str
    snippet: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class Job:
    """A background job offered by a plugin; ``schedule`` is a ``huey.crontab`` or None."""

    name: str
    func: Callable[..., Any]
    schedule: Any = None
    retries: int = 3
    retry_delay: int = 30
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """An event type that webhook subscribers can choose (``crm_webhook_events``).

    ``name`` is ``<noun>.<verb>`` in lower case (``deal.stage_changed``), unique across
    the core and all plugins; ``description`` is shown next to its checkbox.
    """

    name: str
    description: str


@dataclass(frozen=True)
class ApiResource:
    """A JSON resource under ``/api/v1/<name>`` (returned by ``crm_api_resources``).

    The core serves it with token authentication, company scoping, permissions,
    ETag/If-Match, 422 errors per field and an entry in the OpenAPI document. Schemas
    are pydantic models; ``schema`` is validated from the ORM row (``from_attributes``).

    - ``list(query)`` returns a keyset :class:`Page` (use ``api_page``); ``query`` is an
      instance of ``query_schema`` (a subclass of ``ApiListQuery``: cursor, limit, q, filters).
    - ``create(data)`` adds and flushes a row from a validated ``create_schema`` instance.
    - ``update(row, data)`` applies the fields in ``data.model_fields_set``.
    - ``delete(row)`` deletes it. Raise ``ApiValidationError`` for a 422 on a field.
    - ``get(id)`` finds a row of the current company (default: ``model`` by primary key).
    - ``prepare(rows)`` runs before rows are serialized (a page or one row): bulk-load
      what ``schema`` reads, so a page costs a few queries, not one per row.

    The id in the URL is ``<int:TABLENAME_id>`` of ``model``. Omitted callables mean the
    operation does not exist. Reads need ``view_permission``; writes need a read-write
    token and ``edit_permission``.
    """

    name: str
    model: type
    schema: type
    list: Callable[[Any], Any] | None = None
    query_schema: type | None = None
    create: Callable[[Any], Any] | None = None
    create_schema: type | None = None
    update: Callable[[Any, Any], Any] | None = None
    update_schema: type | None = None
    delete: Callable[[Any], Any] | None = None
    get: Callable[[int], Any] | None = None
    view_permission: str = "records.view"
    edit_permission: str = "records.edit"
    title: str = ""
    description: str = ""
    plugin: str = ""
    prepare: Callable[[Sequence[Any]], Any] | None = None
