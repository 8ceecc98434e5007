"""Hook implementations of the timeline module: its pages, the bell, its assets, file clean-up."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, url_for
from flask_login import current_user
from markupsafe import Markup

from crm_platform.plugins import hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Composer, tasks, mentions, attachments and notifications."""
    from crm_platform.timeline.views import bp

    return [bp]


@hookimpl
def crm_template_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    """The timeline stylesheet and script in ``head``; the notification bell in ``topbar_actions``."""
    if slot == "head":
        return Markup('<link rel="stylesheet" href="{}">\n<script src="{}" defer></script>').format(
            url_for("timeline.static", filename="timeline.css"), url_for("timeline.static", filename="timeline.js")
        )
    if slot == "topbar_actions" and current_user.is_authenticated and g.get("company") is not None:
        from crm_platform.timeline.notifications import unread_count

        # The template needs only ``unread`` and the url_for global: rendered without the page's
        # context processors, which a full render_template would run again for this fragment.
        bell = current_app.jinja_env.get_template("timeline/_bell.html")
        return Markup(bell.render(unread=unread_count(current_user.id)))
    return None


@hookimpl
def crm_person_deleted(person: Any) -> None:
    """The person's timeline goes with them: remove its attachments' files once that commits."""
    from crm_platform.contacts.models import Activity
    from crm_platform.timeline.attachments import forget_files_where

    forget_files_where(Activity.person_id == person.id)


@hookimpl
def crm_personal_data_erase(person: Any) -> None:
    """GDPR erase: the files attached to the person's timeline are removed with it."""
    from crm_platform.contacts.models import Activity
    from crm_platform.timeline.attachments import forget_files_where

    forget_files_where(Activity.person_id == person.id)


@hookimpl
def crm_organization_deleted(organization: Any) -> None:
    """Entries about the organization alone are deleted with it: so are their files."""
    from crm_platform.contacts.models import Activity
    from crm_platform.timeline.attachments import forget_files_where

    forget_files_where(Activity.organization_id == organization.id, Activity.person_id.is_(None))
