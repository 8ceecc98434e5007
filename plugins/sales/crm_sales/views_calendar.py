"""The team calendar (month and week views), the user's feed URL page, and the public iCal feed."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, request, url_for
from flask_login import current_user, login_required

from crm_platform.plugins import allow_readonly, company_members, db, require_permission, is_digits
from crm_sales import calendar, ical, tasks
from crm_sales.blueprint import bp, page
from crm_sales.views_tasks import local, task_context


def _anchor(raw: str | None, today: date) -> date:
    try:
        value = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return value if date(2000, 1, 1) <= value <= date(2100, 12, 31) else today


@bp.get("/calendar", endpoint="calendar")
@login_required
@require_permission("sales.view")
def calendar_page() -> tuple[str, int]:
    """Month (default) or week view of the company's tasks and meetings, optionally of one user."""
    context = task_context()
    tz = context["tz"]
    today = context["now"].astimezone(tz).date()
    view = "week" if request.args.get("view") == "week" else "month"
    span = calendar.span_for(view, _anchor(request.args.get("date"), today))
    members = company_members()
    raw_user = request.args.get("user", "")
    user_id = int(raw_user) if is_digits(raw_user) and any(m.id == int(raw_user) for m in members) else None
    start, end = calendar.range_bounds(span, tz)
    rows = calendar.entries(start, end, user_id=user_id)
    deals = tasks.deals_by_activity([r.id for r in rows if r.kind == tasks.TASK])
    return page(
        "sales/calendar.html", span=span, today=today, days=calendar.by_day(rows, tz), members=members,
        user_id=user_id, deals=deals, truncated=len(rows) >= calendar.RANGE_LIMIT, ends_at=calendar.ends_at, **context,
    )


@bp.get("/calendar/feed")
@login_required
@require_permission("sales.view")
def calendar_feed() -> tuple[str, int]:
    """Where the user's secret feed URL is made and renewed."""
    return page("sales/calendar_feed.html", feed=ical.feed_of(current_user.id), feed_url=None, local=local, tz=tasks.company_zone())


@bp.post("/calendar/feed")
@login_required
@allow_readonly
@require_permission("sales.view")
def regenerate_feed() -> tuple[str, int]:
    """Make a new secret feed URL (the previous one stops working) and show it once."""
    had_feed = ical.feed_of(current_user.id) is not None
    token = ical.regenerate(current_user.id)
    db.session.commit()
    url = current_app.config["CRM_BASE_URL"].rstrip("/") + url_for("sales.ical_feed", token=token)
    return page(
        "sales/calendar_feed.html", feed=ical.feed_of(current_user.id), feed_url=url, had_feed=had_feed,
        local=local, tz=tasks.company_zone(),
    )


@bp.get("/calendar/<token>.ics")
def ical_feed(token: str) -> Response:
    """The public feed (no sign-in: the secret token is the credential); 404 for unknown tokens."""
    feed = ical.find_feed(token)
    if feed is None:
        abort(404)
    response = Response(ical.build_calendar(feed), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="crm.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

