"""Dashboard widgets of the contacts module."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from crm_platform.contacts import services

RECENT_ACTIVITY_LIMIT = 8


def recent_activity() -> Markup:
    """The newest activities of the company, each linking to its person or organization."""
    activities = services.recent_activities(RECENT_ACTIVITY_LIMIT)
    return Markup(render_template("contacts/widgets/recent_activity.html", activities=activities))


def people_by_stage() -> Markup:
    """How many people are at each lifecycle stage, each linking to the filtered list."""
    counts = services.stage_counts()
    total = sum(count for _, count in counts)
    return Markup(render_template("contacts/widgets/people_by_stage.html", counts=counts, total=total))
