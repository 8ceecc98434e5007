"""Loading the files of a page of timeline entries without a statement when none has any.

``selectinload(Activity.attachments)`` runs a statement for every page, although most
entries have no file (about 0.3 ms of a person page). Instead, a page's statement
undefers ``Activity.attachment_count`` and :func:`load_attachments` reads the files of
the entries that have some, if any, in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from crm_platform.contacts.models import Activity
from crm_platform.extensions import db
from crm_platform.timeline.models import Attachment

WITH_ATTACHMENT_COUNT = undefer(Activity.attachment_count)  # type: ignore[attr-defined]


def load_attachments(activities: Sequence[Any]) -> None:
    """Fill ``attachments`` of every entry whose files are not loaded yet: one statement, or none.

    An entry whose count was not read with it (already in the session before the
    page's statement) is looked up too, so nothing is ever lazily loaded one by one.
    """
    pending = [a for a in activities if "attachments" not in a.__dict__]
    wanted = [a.id for a in pending if a.__dict__.get("attachment_count", 1)]
    found: dict[int, list[Attachment]] = {}
    if wanted:
        stmt = sa.select(Attachment).where(Attachment.activity_id.in_(wanted)).order_by(Attachment.id)
        for attachment in db.session.scalars(stmt):
            found.setdefault(attachment.activity_id, []).append(attachment)
    for activity in pending:
        set_committed_value(activity, "attachments", found.get(activity.id, []))
