"""The ``contacts`` blueprint and the template helpers its pages share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, request

from crm_platform.contacts.models import LIFECYCLE_STAGES

bp = Blueprint("contacts", __name__, template_folder="templates")


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not a boosted page load)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _as_utc(value: datetime) -> datetime:
    """Stored times are UTC: SQLite returns them naive, PostgreSQL in the session's time zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@bp.app_template_filter("contacts_when")
def format_when(value: datetime | None) -> str:
    """A short, unambiguous date and time (UTC), e.g. ``3 Feb 2026, 14:05``."""
    if value is None:
        return ""
    value = _as_utc(value)
    return f"{value.day} {value:%b %Y, %H:%M}"


@bp.app_template_filter("contacts_iso")
def format_iso(value: datetime | None) -> str:
    """ISO 8601 with the UTC offset, for ``<time datetime>`` (SQLite hands back naive UTC)."""
    if value is None:
        return ""
    return _as_utc(value).isoformat(timespec="seconds")


@bp.context_processor
def contacts_helpers() -> dict[str, Any]:
    """Helpers for the contacts templates."""
    return {"lifecycle_stages": LIFECYCLE_STAGES}


def clean_filters(**values: Any) -> dict[str, Any]:
    """Drop empty query-string values so URLs stay short (``?q=ada`` rather than ``?q=ada&stage=``)."""
    return {key: value for key, value in values.items() if value not in (None, "")}
