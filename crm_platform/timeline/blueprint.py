"""The ``timeline`` blueprint (composer, tasks, mentions, attachments, notifications) and its static files."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "timeline", __name__, template_folder="templates", static_folder="static", static_url_path="/timeline/static"
)
