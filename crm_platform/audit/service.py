"""Recording security events in a company's audit log."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.extensions import db


def record(action: str, detail: str = "", company_id: int | None = None, actor_id: int | None = None) -> None:
    """Add an audit event to the session (committed with the caller's transaction).

    ``company_id`` defaults to the current company; pass it explicitly for events that
    happen before a company is chosen (sign-in), which are written unscoped on purpose.
    """
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    ip = (request.remote_addr or "")[:64] if has_request_context() else ""
    target = company_id if company_id is not None else tenancy.current_company_id()
    if target is None:
        return
    event = AuditEvent(company_id=target, actor_id=actor_id, action=action, detail=detail[:500], ip=ip)
    if target == tenancy.current_company_id():
        db.session.add(event)
        return
    with tenancy.unscoped():
        db.session.add(event)
        db.session.flush()
