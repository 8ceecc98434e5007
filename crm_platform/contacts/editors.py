"""Remember who changed a person or an organization last (shown when edits conflict).

A mapper event sets ``updated_by_id`` on every UPDATE made during a request by a
signed-in user, whatever code path changed the record (forms, click-to-edit, bulk
actions, plugins). Workers and the CLI leave it as it was.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event

from crm_platform.contacts.models import Organization, Person


def current_editor_id() -> int | None:
    """The signed-in user's id during a request, else None."""
    if not has_request_context():
        return None
    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - no login manager (scripts)
        return None


def _stamp(mapper: Any, connection: Any, target: Any) -> None:
    editor = current_editor_id()
    if editor is not None:
        target.updated_by_id = editor


for _model in (Person, Organization):
    event.listen(_model, "before_update", _stamp)
    event.listen(_model, "before_insert", _stamp)
