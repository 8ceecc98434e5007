"""Webhook calls of rules, through the core's SSRF-safe outbound client."""

from __future__ import annotations

from typing import Any


def check_url(url: str) -> str | None:
    """None when ``url`` may be called, else the reason it is refused (checked when a rule is saved)."""
    from crm_platform.plugins import UnsafeURLError, validate_outbound_url

    try:
        validate_outbound_url(url)
    except UnsafeURLError as exc:
        return str(exc) or "This address cannot be called."
    return None


def post_deal(url: str, payload: dict[str, Any]) -> int:
    """POST ``payload`` as JSON to ``url``; returns the HTTP status, raises on refusal, errors and non-2xx."""
    from crm_platform.plugins import OutboundError, UnsafeURLError, safe_post_json

    from crm_sales.automation.actions import ActionError

    try:
        response = safe_post_json(url, payload, headers={"User-Agent": "crm_platform sales automation"}, timeout=10.0)
    except UnsafeURLError as exc:
        raise ActionError(f"Refused address: {exc}") from exc
    except OutboundError as exc:
        raise ActionError(f"Webhook failed: {exc}") from exc
    status = int(getattr(response, "status", getattr(response, "status_code", 0)) or 0)
    if not 200 <= status < 300:
        raise ActionError(f"Webhook answered {status}")
    return status
