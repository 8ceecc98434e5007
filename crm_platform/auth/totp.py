"""Time-based one-time passwords (pyotp) with replay protection."""

from __future__ import annotations

import io
import time

import pyotp
import segno
from sqlalchemy import or_, update

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
    """An inline SVG QR code for ``uri`` (no external service); black on white, also in dark themes."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, border=2, dark="#000", light="#fff"
    )
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
    """Check a sign-in code for ``user`` and remember its step so it cannot be replayed.

    The step is claimed with one conditional ``UPDATE``: of two sign-ins racing with
    the same code, only the one whose update changes the row gets in.
    """
    if not user.totp_secret or not user.totp_enabled:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return (result.rowcount or 0) == 1
