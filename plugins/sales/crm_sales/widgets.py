"""The dashboard widget: the open pipeline at a glance."""

from __future__ import annotations

from markupsafe import Markup

from crm_sales import services
from crm_sales.blueprint import helpers


def open_pipeline() -> Markup:
    """Open deals: how many, their total and their weighted value (one query)."""
    from flask import render_template

    return Markup(
        render_template(
            "sales/_widget.html", summary=services.open_pipeline_summary(), currency=services.default_currency(), **helpers()
        )
    )
