"""The signed-in user's own account: profile, password, two-factor, sessions."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from crm_platform.templating import render

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    """Account overview."""
    return render("account/index.html")
