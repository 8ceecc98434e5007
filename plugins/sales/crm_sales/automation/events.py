"""Deal events for automation, captured where they happen and run after the commit.

A ``before_flush`` listener writes an :class:`AutomationEvent` row in the same transaction
as the change (a deal created in or moved to a stage, won, lost), so an event exists exactly
when the change was committed. After the commit of a request, the ``sales.automation_now``
job is queued; the every-minute ``sales.automation_run`` job catches anything else. Rules
therefore never run inside the user's transaction: a failing action cannot undo their change.

Loop guard: while rule actions run, :data:`running` is set and no new events are recorded,
so an action that changes a deal can never trigger rules again.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from flask import after_this_request, g, has_request_context
from sqlalchemy import event, inspect

from crm_platform.plugins import current_company_id, db, enqueue
from crm_sales.automation.models import AutomationEvent
from crm_sales.models import Deal

log = logging.getLogger(__name__)
running: ContextVar[bool] = ContextVar("sales_automation_running", default=False)
_PENDING = "sales_automation_pending"
_installed = False


def install() -> None:
    """Listen to the database session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(db.session, "before_flush", capture)
    event.listen(db.session, "after_commit", after_commit)
    _installed = True


def _record(session: Any, deal: Deal, trigger: str, stage_id: int | None) -> None:
    company_id = deal.company_id or current_company_id()
    if company_id is None:
        return
    session.add(AutomationEvent(company_id=company_id, deal=deal, trigger=trigger, stage_id=stage_id))
    session.info[_PENDING] = company_id


def _changed(deal: Deal, name: str) -> bool:
    history = inspect(deal).attrs[name].history
    return bool(history.added) and list(history.added) != list(history.deleted)


def capture(session: Any, flush_context: Any, instances: Any) -> None:
    """``before_flush``: turn new deals, stage changes and closings into events."""
    if running.get():
        return
    for obj in list(session.new):
        if isinstance(obj, Deal):
            stage_id = obj.stage_id or (obj.stage.id if obj.stage is not None else None)
            _record(session, obj, "stage_entered", stage_id)
    for obj in list(session.dirty):
        if not isinstance(obj, Deal) or not session.is_modified(obj, include_collections=False):
            continue
        if _changed(obj, "stage_id"):
            _record(session, obj, "stage_entered", obj.stage_id)
        if _changed(obj, "state") and obj.state in ("won", "lost"):
            _record(session, obj, obj.state, obj.stage_id)


def after_commit(session: Any) -> None:
    """After a request's commit that recorded events, queue the rules once the view is done."""
    company_id = session.info.pop(_PENDING, None)
    if company_id is None or not has_request_context() or g.get("_sales_automation_kick"):
        return
    g._sales_automation_kick = True
    try:
        after_this_request(_kick(company_id))
    except (AssertionError, RuntimeError):  # the request is already finishing: the periodic job runs them
        pass


def _kick(company_id: int) -> Any:
    def run(response: Any) -> Any:
        try:
            enqueue("sales.automation_now", company_id=company_id)
        except Exception:  # noqa: BLE001 - the user's change is saved; the periodic job retries
            log.exception("could not queue automation rules for company %s", company_id)
        return response

    return run
