"""The audit log page: the current company's security events, newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, request
from flask_login import login_required
from sqlalchemy import and_, or_, select

from crm_platform.audit.models import AuditEvent
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render
from crm_platform.numbers import is_digits

bp = Blueprint("audit", __name__, url_prefix="/settings", template_folder="templates")

PAGE_SIZE = 50

ACTION_LABELS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "password_reset": "Password reset",
    "role_changed": "Role changed",
    "member_removed": "Member removed",
    "invitation_sent": "Invitation sent",
    "invitation_revoked": "Invitation revoked",
    "invitation_accepted": "Invitation accepted",
    "company_renamed": "Company renamed",
    "branding_changed": "Branding changed",
    "company_deactivated": "Company deactivated",
    "company_reactivated": "Company reactivated",
}
ACTION_LABELS.update({  # Settings → Custom fields and the company's phone region
    "custom_field_created": "Custom field added", "custom_field_changed": "Custom field changed",
    "custom_field_moved": "Custom field moved", "custom_field_deleted": "Custom field deleted",
    "phone_region_changed": "Phone region changed",
})


def _utc_naive(value: datetime) -> datetime:
    """The same instant as a naive UTC datetime (SQLite returns naive, PostgreSQL aware values)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def encode_cursor(event: AuditEvent) -> str:
    """The ``before`` cursor that continues after ``event``: ``<created_at ISO>,<id>``."""
    return f"{_utc_naive(event.created_at).isoformat()},{event.id}"


def decode_cursor(value: str) -> tuple[datetime, int]:
    """Parse a ``before`` cursor; ``ValueError`` when it is malformed."""
    stamp, _, raw_id = value.rpartition(",")
    if not stamp or not is_digits(raw_id) or len(value) > 80:
        raise ValueError("malformed cursor")
    moment = datetime.fromisoformat(stamp)
    return _utc_naive(moment).replace(tzinfo=UTC), int(raw_id)


def events_before(cursor: tuple[datetime, int] | None, limit: int = PAGE_SIZE) -> tuple[list[AuditEvent], str | None]:
    """One page of events older than ``cursor`` and the cursor of the next page (no COUNT)."""
    stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit + 1)
    if cursor is not None:
        created_at, event_id = cursor
        stmt = stmt.where(
            or_(
                AuditEvent.created_at < created_at,
                and_(AuditEvent.created_at == created_at, AuditEvent.id < event_id),
            )
        )
    rows = list(db.session.scalars(stmt).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


@bp.get("/audit")
@login_required
@require_permission("audit.view")
def log() -> tuple[str, int]:
    """The audit log, 50 events a page, with an "Older" link (keyset pagination)."""
    raw = request.args.get("before")
    cursor = None
    if raw:
        try:
            cursor = decode_cursor(raw)
        except ValueError:
            abort(422, "That page link is not valid.")
    events, next_cursor = events_before(cursor)
    return render(
        "audit/log.html",
        block="events",
        events=events,
        next_cursor=next_cursor,
        is_first_page=cursor is None,
        labels=ACTION_LABELS,
    )
