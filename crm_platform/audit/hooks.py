"""Hook implementations of the audit module."""

from __future__ import annotations

from crm_platform.plugins import hookimpl  # noqa: F401
