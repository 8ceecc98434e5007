"""Hook implementations of the contacts module."""

from __future__ import annotations

from crm_platform.plugins import hookimpl  # noqa: F401
