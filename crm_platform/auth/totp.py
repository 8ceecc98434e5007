"""Time-based one-time passwords (pyotp) with replay protection."""

from __future__ import annotations

import io
import time

import pyotp
import segno

from crm_platform.auth.models import User
from crm_platform.extensions import db

ISSUER = "CRM"


def new_secret() -> str:
    """Return a fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI authenticator apps scan."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code for ``uri`` (no external service)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True, border=2)
    return buffer.getvalue().decode()


def check_code(secret: str, code: str, last_step: int | None = None) -> int | None:
    """Return the matched time step for ``code`` (±1 step), or None; refuses steps already used."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for offset in (0, -1, 1):
        at = now + offset * totp.interval
        step = int(at // totp.interval)
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.at(at), code):
            return step
    return None


def verify_and_consume(user: User, code: str) -> bool:
    """Check a sign-in code for ``user`` and remember its step so it cannot be replayed."""
    if not user.totp_secret:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    db.session.commit()
    return True
