"""Global search: every enabled plugin's ``crm_search`` provider, core contacts included."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import login_required
from markupsafe import Markup

from crm_platform.permissions import require_permission
from crm_platform.plugins import runtime
from crm_platform.plugins.types import SearchResult
from crm_platform.templating import render

bp = Blueprint("search", __name__, template_folder="templates")
PER_PROVIDER = 8


@bp.get("/search")
@login_required
@require_permission("records.view")
def search() -> tuple[str, int]:
    """Results grouped by kind; htmx requests get only the results block (search as you type)."""
    query = (request.args.get("q") or "").strip()
    if len(query) > 200:
        abort(422, "Search for at most 200 characters.")
    groups: dict[str, list[SearchResult]] = {}
    failures: list[Markup] = []
    if query:
        for _plugin, result in runtime.call_ui("crm_search", query=query, limit=PER_PROVIDER):
            if isinstance(result, Markup):
                failures.append(result)
                continue
            for hit in result or []:
                if isinstance(hit, SearchResult):
                    groups.setdefault(hit.kind, []).append(hit)
    for hits in groups.values():
        hits.sort(key=lambda h: (-h.score, h.title.lower()))
    return render("search/results.html", block="results", query=query, groups=groups, failures=failures)
