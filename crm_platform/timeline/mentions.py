"""@mentions: suggesting colleagues while typing, and notifying the ones a saved entry mentions."""

from __future__ import annotations

from sqlalchemy import or_, select

from crm_platform.auth.models import User
from crm_platform.companies.models import Membership
from crm_platform.contacts.models import Activity
from crm_platform.contacts.services import like_pattern
from crm_platform.extensions import db
from crm_platform.timeline.links import entry_link
from crm_platform.timeline.markdown import excerpt, mentions_in

SUGGESTIONS = 8


def suggest_members(q: str, limit: int = SUGGESTIONS) -> list[User]:
    """Members of the current company whose name or email starts a word with ``q`` (by name)."""
    stmt = select(User).join(Membership, Membership.user_id == User.id).order_by(User.name, User.email).limit(limit)
    term = (q or "").strip()[:60]
    if term:
        pattern = like_pattern(term)[1:]  # prefix match: "ada%"
        stmt = stmt.where(
            or_(
                User.name.ilike(pattern, escape="\\"),
                User.name.ilike("% " + pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        )
    return list(db.session.scalars(stmt))


def mentioned_member_ids(text: str) -> list[int]:
    """Ids of the current company's members mentioned in ``text`` (unknown ids and strangers are dropped)."""
    wanted = [user_id for _, user_id in mentions_in(text)]
    if not wanted:
        return []
    found = set(db.session.scalars(select(Membership.user_id).where(Membership.user_id.in_(wanted))))
    return [user_id for user_id in wanted if user_id in found]


def notify_mentioned(activity: Activity) -> list[int]:
    """Notify (and email) every member mentioned in ``activity``'s text except its author; returns their ids."""
    from crm_platform.timeline.notifications import notify

    ids = [user_id for user_id in mentioned_member_ids(activity.body) if user_id != activity.author_id]
    if not ids:
        return []
    author = activity.author.display_name if activity.author else "A colleague"
    about = activity.person.full_name if activity.person else (activity.organization.name if activity.organization else "")
    where = f" on {about}" if about else ""
    text = f"{author} mentioned you{where}: {excerpt(activity.body, 160)}"
    link = entry_link(activity)
    for user_id in ids:
        notify(user_id, text, link=link, kind="mention", actor_id=activity.author_id)
    return ids
