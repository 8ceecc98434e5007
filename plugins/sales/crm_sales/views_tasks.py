"""Tasks: the deal page's task list and form, the done toggle, and the "My tasks" page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, request, url_for
from flask_login import current_user, login_required

from crm_platform.plugins import Activity, db, has_permission, htmx_redirect, require_permission
from crm_sales import services, tasks
from crm_sales.blueprint import bp, page
from crm_sales.forms_tasks import TaskForm
from crm_sales.models import Deal, aware, utcnow


def local(value: datetime | None, tz: ZoneInfo, fmt: str = "%d %b %Y, %H:%M") -> str:
    """An aware (or naive UTC) datetime shown in ``tz``; empty for None."""
    return aware(value).astimezone(tz).strftime(fmt) if value else ""


def task_context(**context: Any) -> dict[str, Any]:
    """What the task templates need besides the tasks: time zone, now, helpers, permission."""
    tz = tasks.company_zone()
    return {"tz": tz, "now": utcnow(), "local": local, "aware": aware, "editable": has_permission("sales.edit"), **context}


def _deal_fragment(deal: Deal, form: TaskForm, status: int = 200) -> tuple[str, int]:
    open_, done = tasks.deal_tasks(deal)
    return page(
        "sales/_deal_tasks.html", status=status,
        **task_context(deal=deal, open_tasks=open_, done_tasks=done, form=form, back="deal"),
    )


@bp.get("/deals/<int:sales_deal_id>/tasks")
@login_required
@require_permission("sales.view")
def deal_tasks(sales_deal_id: int) -> tuple[str, int]:
    """The deal's open and done tasks with the form to add one (loaded into the deal page)."""
    deal = services.get_deal(sales_deal_id)
    return _deal_fragment(deal, TaskForm(formdata=None))


@bp.post("/deals/<int:sales_deal_id>/tasks")
@login_required
@require_permission("sales.edit")
def add_deal_task(sales_deal_id: int) -> Response | tuple[str, int]:
    """Add a task to the deal; 422 with the form's errors when it does not validate."""
    deal = services.get_deal(sales_deal_id)
    form = TaskForm()
    if not form.validate_on_submit():
        return _deal_fragment(deal, form, status=422)
    due = tasks.local_to_utc(form.due_date.data, form.due_time.data, tasks.company_zone())
    tasks.add_deal_task(deal, form.title.data.strip(), due, form.assignee_id.data)
    db.session.commit()
    if request.headers.get("HX-Request") != "true":
        return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id) + "#tasks")
    return _deal_fragment(deal, TaskForm(formdata=None))


@bp.post("/tasks/<int:activity_id>/done")
@login_required
@require_permission("sales.edit")
def toggle_task(activity_id: int) -> Response | tuple[str, int]:
    """Mark a task done (``done=1``) or open again (``done=0``); htmx gets the updated row back."""
    task = tasks.get_task(activity_id)
    tasks.set_done(task, request.form.get("done", "1") == "1")
    db.session.commit()
    back = request.form.get("back", "mine")
    deal = tasks.deal_of(task.id)
    if request.headers.get("HX-Request") != "true":
        if back == "deal" and deal is not None:
            return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id) + "#tasks")
        return htmx_redirect(url_for("sales.my_tasks"))
    return page("sales/_task_row.html", **task_context(task=task, deal=deal, back=back))


@bp.get("/tasks")
@login_required
@require_permission("sales.view")
def my_tasks() -> tuple[str, int]:
    """Tasks assigned to me: overdue, today, upcoming, without a date, and done lately."""
    context = task_context()
    groups = tasks.my_tasks(current_user.id, context["tz"], context["now"])
    everything: list[Activity] = [*groups.overdue, *groups.today, *groups.upcoming, *groups.undated, *groups.done]
    deals = tasks.deals_by_activity([t.id for t in everything])
    return page("sales/my_tasks.html", groups=groups, deals=deals, back="mine", **context)
