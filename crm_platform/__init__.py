"""crm_platform: a self-hosted, multi-company CRM.

The public entry point is :func:`crm_platform.app.create_app`.
"""

from __future__ import annotations

__version__ = "0.1.0"
