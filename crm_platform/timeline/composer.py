"""Adding an entry from the composer on a person's or organization's page.

htmx: the new entry (prepended to the timeline) plus a fresh composer out of band;
with errors, the composer alone (422) retargeted onto itself. Without htmx: a redirect
to the page, or the whole page with the composer's errors (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm_platform.contacts.blueprint import is_htmx
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.contacts.services import add_activity
from crm_platform.extensions import db
from crm_platform.timeline import attachments, mentions
from crm_platform.timeline.forms import EntryForm
from crm_platform.timeline.tasks import TimelineError, add_meeting, add_task, as_utc

DetailPage = Callable[[Person | Organization, Any, str, str], tuple[str, int]]


def _create(form: EntryForm, subject: Person | Organization) -> Activity:
    """The activity the form describes (not committed); raises TimelineError / AttachmentError."""
    about: dict[str, Any] = {"person": subject} if isinstance(subject, Person) else {"organization": subject}
    kind = form.kind.data
    body = form.body.data
    when = as_utc(form.when.data) if form.when.data else None
    if kind == "task":
        return add_task(body, due_at=when, assignee_id=form.assignee_id(), **about)
    if kind == "meeting":
        return add_meeting(body, starts_at=when, duration_minutes=form.duration.data, **about)
    activity = add_activity(kind, body, **about)
    if kind == "email":
        activity.subject = form.subject.data
        activity.direction = form.direction.data
    if kind == "call" and when is not None:
        activity.scheduled_at = when
        activity.duration_minutes = form.duration.data
    return activity


def add_entry(subject: Person | Organization, page: str, page_context: dict[str, Any], detail_page: DetailPage) -> Response | tuple[str, int]:
    """Validate the composer and add its entry (with mentions and attachments) to ``subject``'s timeline."""
    form = EntryForm()
    note_action = request.path
    timeline_url = url_for(page, **page_context)
    activity = None
    if form.validate_on_submit():
        try:
            checked = attachments.check_uploads(request.files.getlist(form.files.name)) if form.kind.data == "note" else []
            activity = _create(form, subject)
            db.session.flush()
            if checked:
                attachments.store(activity, checked, current_user.id)
            mentions.notify_mentioned(activity)
        except TimelineError as error:
            db.session.rollback()
            getattr(form, error.field if hasattr(form, error.field) else "body").errors.append(error.message)
            activity = None
        except attachments.AttachmentError as error:
            db.session.rollback()
            form.files.errors.append(str(error))
            activity = None
    if activity is None:
        if is_htmx():
            html = render_template("timeline/_composer.html", note_form=form, note_action=note_action)
            response = make_response(html, 422)
            response.headers["HX-Retarget"] = "#note-form"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        return detail_page(subject, form, note_action, timeline_url)
    column = Activity.person_id if isinstance(subject, Person) else Activity.organization_id
    first_entry = db.session.scalar(select(Activity.id).where(column == subject.id, Activity.id != activity.id).limit(1)) is None
    db.session.commit()
    if not is_htmx():
        flash("Added to the timeline.", "success")
        return redirect(timeline_url, code=303)
    return render_template(
        "timeline/_entry_created.html",
        activity=activity, note_form=EntryForm(formdata=None), note_action=note_action,
        timeline_url=timeline_url, first_entry=first_entry, show_subject=isinstance(subject, Organization),
    ), 200
