"""The ``X-CRM-Signature`` header: ``t=<unix time>,v1=<hex HMAC-SHA256(secret, "t.body")>``."""

from __future__ import annotations

import hashlib
import hmac
import time

from crm_platform.numbers import is_digits

TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: str | bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with ``secret``."""
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + raw, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: str | bytes) -> str:
    """The value of ``X-CRM-Signature`` for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: str | bytes, tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` seconds.

    The same check a receiver makes (README, "Webhooks"): constant-time comparison,
    any ``v1`` entry may match (there is one per secret).
    """
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not is_digits(timestamps[0].strip()) or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
