"""Routes on single entries: ticking a task done, mention suggestions, downloading attachments."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, send_file
from flask_login import login_required

from crm_platform.contacts.blueprint import is_htmx
from crm_platform.contacts.services import get_activity
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.security import is_safe_local_path
from crm_platform.timeline import attachments as files
from crm_platform.timeline.blueprint import bp
from crm_platform.timeline.links import entry_link
from crm_platform.timeline.mentions import suggest_members
from crm_platform.timeline.models import Attachment
from crm_platform.timeline.tasks import complete_task, reopen_task


@bp.post("/activities/<int:activity_id>/done")
@login_required
@require_permission("records.edit")
def toggle_done(activity_id: int) -> Response | tuple[str, int]:
    """Tick (``done=1``) or untick a task; htmx gets the entry re-rendered."""
    activity = get_activity(activity_id)
    if activity.kind != "task":
        abort(404)
    if request.form.get("done") in ("1", "on", "true"):
        complete_task(activity)
    else:
        reopen_task(activity)
    db.session.commit()
    timeline_url = request.form.get("next") or ""
    if is_htmx():
        return render_template(
            "timeline/_entry.html", activity=activity, show_subject=request.form.get("show_subject") == "1",
            timeline_url=timeline_url,
        ), 200
    flash("The task is done." if activity.done_at else "The task is open again.", "success")
    return redirect(timeline_url if is_safe_local_path(timeline_url) else entry_link(activity), code=303)


@bp.get("/timeline/mentions")
@login_required
@require_permission("records.edit")
def mention_suggestions() -> tuple[str, int]:
    """Colleagues matching ``q`` for the @mention list of the composer (a fragment)."""
    return render_template("timeline/_mention_options.html", members=suggest_members(request.args.get("q", ""))), 200


@bp.get("/attachments/<int:attachment_id>")
@login_required
@require_permission("records.view")
def download(attachment_id: int) -> Response:
    """Send an attachment of the current company as a download (never rendered by the browser)."""
    attachment = db.first_or_404(db.select(Attachment).where(Attachment.id == attachment_id))
    path = files.file_path(attachment)
    if not path.is_file():
        abort(404)
    mimetype = attachment.content_type if attachment.content_type in files.INLINE_SAFE_TYPES else "application/octet-stream"
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=attachment.filename, max_age=0, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
