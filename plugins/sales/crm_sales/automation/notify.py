"""Notifications from rules go through the core's ``notify`` (the bell and its emails)."""

from __future__ import annotations

from typing import Any

from crm_sales.models import Deal


def notify_user(user: Any, text: str, deal: Deal) -> None:
    """Notify ``user`` about ``deal`` with ``text`` (a link to the deal page)."""
    from crm_platform.plugins import notify

    notify(user.id, text, link=f"/sales/deals/{deal.id}", kind="automation", actor_id=None)
