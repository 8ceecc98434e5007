"""Template helpers of the person and organization pages (phones, social links, custom values)."""

from __future__ import annotations

from typing import Any

from crm_platform.contacts.blueprint import bp
from crm_platform.contacts.details import format_phone
from crm_platform.contacts.social import NETWORKS, social_links
from crm_platform.customfields.service import display_value


def initials(name: str) -> str:
    """One or two capital letters for an avatar (``Ada Lovelace`` → ``AL``)."""
    words = [word for word in (name or "").split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


@bp.record_once
def _register(state: Any) -> None:
    """Template globals (so macros imported without context see them too)."""
    state.app.jinja_env.globals.update(
        format_phone=format_phone, social_links=social_links, custom_display=display_value, initials=initials,
        social_networks=NETWORKS,
    )
