"""Where a timeline entry is shown: the local path of its person's or organization's page.

Built without ``url_for`` so that background jobs (no request, no ``SERVER_NAME``) can
link to entries too; the paths are those of the contacts blueprint.
"""

from __future__ import annotations

from crm_platform.contacts.models import Activity


def entry_link(activity: Activity) -> str:
    """The local path of the page that shows ``activity``, with ``#activity-<id>``."""
    if activity.person_id is not None:
        page = f"/people/{activity.person_id}"
    elif activity.organization_id is not None:
        page = f"/organizations/{activity.organization_id}"
    else:
        page = "/activity"
    return f"{page}#activity-{activity.id}"
