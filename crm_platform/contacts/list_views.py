"""The people list: search as you type, filters with chips, sorts, keyset pages, bulk actions, trash."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, session, url_for

from crm_platform.contacts import bulk, listing, plugin_ui, saved_views, services, trash
from crm_platform.contacts.blueprint import bp, is_htmx
from crm_platform.contacts.details import all_tags
from crm_platform.contacts.pagination import Page
from crm_platform.customfields.service import fields_for
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.tenancy import current_company_id
from crm_platform.templating import render
from crm_platform.numbers import is_digits, parse_id
from flask_login import login_required

BULK_ACTIONS = ("tag", "owner", "stage", "delete")
UNDO_KEY = "contacts_undo"
UNDO_SECONDS = 300


def people_count(n: int) -> str:
    """``1 person``, ``3 people``."""
    return f"{n:,} {'person' if n == 1 else 'people'}"


def list_query(built: listing.PeopleListing) -> list[tuple[str, str]]:
    """The query parameters that reproduce ``built`` (valid filters, search and sort)."""
    pairs = [("q", built.q)] if built.q else []
    pairs += built.params
    if built.sort_param:
        pairs.append(("sort", built.sort_param))
    return pairs


def _url(pairs: list[tuple[str, str]], **extra: str) -> str:
    items = pairs + [(k, v) for k, v in extra.items() if v]
    return url_for("contacts.people") + ("?" + urlencode(items) if items else "")


def _chip_links(built: listing.PeopleListing, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(label, URL without that filter)`` for every active filter."""
    links = []
    for chip in built.chips:
        rest = [(k, v) for k, v in pairs if (k, v) != (chip.key, chip.value)]
        links.append((chip.label, _url(rest)))
    if built.q:
        links.insert(0, (f"Search: {built.q}", _url([(k, v) for k, v in pairs if k != "q"])))
    return links


def _filter_options() -> dict[str, Any]:
    selected = parse_id(request.args.get("organization"))
    organizations, more = services.organization_choices(selected=selected, limit=50)
    return {
        "custom_fields": fields_for("person"),
        "organizations": organizations, "more_organizations": more,
        "saved": saved_views.listed_views("person"), "sort_labels": listing.SORT_LABELS,
    }


def people_context(args: Any = None) -> dict[str, Any]:
    """Everything the people list template needs for ``args`` (default: this request's)."""
    args = request.args if args is None else args
    cursor = (args.get("cursor") or "")[:1024] or None
    built, page = listing.people_page(args, cursor, count_bound=listing.COUNT_BOUND)
    pairs = list_query(built)
    count = page.count or 0
    return {
        "built": built, "page": page, "cursor": cursor, "pairs": pairs, "query_string": urlencode(pairs),
        "count": count, "count_label": listing.count_label(count), "bound": listing.COUNT_BOUND,
        "chips": _chip_links(built, pairs),
        "first_url": _url(pairs) if cursor else None,
        "next_url": _url(pairs, cursor=page.next_cursor) if page.next_cursor else None,
        "sort_links": built.sort_links(lambda value: _url([(k, v) for k, v in pairs if k != "sort"], sort=value)),
        "columns": plugin_ui.list_columns(page.items),
        "tags": all_tags(), "members": services.member_choices(),
        "args": args,
    }


@bp.get("/people")
@login_required
@require_permission("records.view")
def people() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """People with search, filters and sort, one keyset page; htmx requests get the results block."""
    context = people_context()
    if is_htmx() and request.headers.get("HX-History-Restore-Request") != "true":
        body, status = render("contacts/people_list.html", block="results", **context)
        # Push the clean URL (valid filters only, no empty fields) rather than the raw form.
        clean = _url(context["pairs"], cursor=context["cursor"] or "")
        return body, status, {"HX-Push-Url": clean, "Vary": "HX-Request"}
    return render("contacts/people_list.html", **context, **_filter_options(), undo=pending_undo())


def _results(toast: str, extra_html: str = "", level: str = "success") -> Response:
    """The refreshed results block (htmx) with a toast, or a redirect back to the list."""
    if not is_htmx():
        flash(toast, level)
        return redirect(_url(list_query(listing.build_people_listing(request.args))), code=303)
    html = render_template_block(people_context())
    response = Response(html + extra_html)
    response.headers["HX-Trigger"] = json.dumps({"toast": {"message": toast, "level": level}}, ensure_ascii=True)
    response.headers["Vary"] = "HX-Request"
    return response


def render_template_block(context: dict[str, Any]) -> str:
    """The ``results`` block of the people list for ``context``."""
    from jinja2_fragments.flask import render_block

    return render_block("contacts/people_list.html", "results", **context)


@bp.post("/people/bulk/<action>")
@login_required
@require_permission("records.edit")
def bulk_action(action: str) -> Response:
    """Apply a bulk action to the selected ``ids`` of the current company; others are ignored."""
    if action not in BULK_ACTIONS:
        abort(404)
    people = bulk.selected_people(bulk.parse_ids(request.form.getlist("ids")))
    try:
        if action == "tag":
            bulk.tag_people(people, request.form.get("tag", ""))
            message = f"Tagged {people_count(len(people))}."
        elif action == "owner":
            raw = request.form.get("owner", "")
            owner_id = None if raw in ("", "none") else (int(raw) if is_digits(raw) else -1)
            bulk.assign_owner(people, owner_id)
            message = f"Owner changed for {people_count(len(people))}."
        elif action == "stage":
            bulk.change_stage(people, request.form.get("stage", ""))
            message = f"Stage changed for {people_count(len(people))}."
        else:
            ids = bulk.trash_people(people)
            db.session.commit()
            return _results(f"Moved {people_count(len(ids))} to the trash.", undo_toast(ids))
    except bulk.BulkError as error:
        db.session.rollback()
        if not is_htmx():
            flash(str(error), "error")
            return redirect(_url(list_query(listing.build_people_listing(request.args))), code=303)
        response = Response(render_template_block(people_context()), status=422)
        response.headers["HX-Trigger"] = json.dumps({"toast": {"message": str(error), "level": "error"}}, ensure_ascii=True)
        return response
    db.session.commit()
    return _results(message)


def undo_toast(ids: list[int]) -> str:
    """An out-of-band toast with an Undo button that restores ``ids`` (shown for 45 seconds)."""
    return render_template("contacts/_undo_toast.html", ids=ids, query_string=request.query_string.decode()[:2000])


def remember_undo(ids: list[int], message: str) -> None:
    """Offer Undo for the trashed ``ids`` on the next full page of the people list (after a redirect).

    The person page's delete redirects to the list, so its toast cannot come with the
    answer as the bulk delete's does: the ids wait in the session (for this company,
    a few minutes, shown once) and the list renders the same Undo toast.
    """
    session[UNDO_KEY] = {"ids": ids[: bulk.MAX_SELECTED], "message": message[:300],
                         "company_id": current_company_id(), "at": time.time()}


def pending_undo() -> dict[str, Any] | None:
    """The Undo remembered by :func:`remember_undo` (removed from the session), or None."""
    undo = session.pop(UNDO_KEY, None)
    if not isinstance(undo, dict) or undo.get("company_id") != current_company_id():
        return None
    if not isinstance(undo.get("at"), int | float) or time.time() - undo["at"] > UNDO_SECONDS:
        return None
    ids = bulk.parse_ids(str(i) for i in undo.get("ids") or [])
    return {"ids": ids, "message": str(undo.get("message") or "")} if ids else None


@bp.post("/people/trash/restore")
@login_required
@require_permission("records.edit")
def restore_people() -> Response:
    """Take the selected people out of the trash (Undo, or the trash page)."""
    restored = bulk.restore_people(bulk.parse_ids(request.form.getlist("ids")))
    db.session.commit()
    message = f"Restored {people_count(restored)}."
    if request.form.get("next") == "trash":
        flash(message, "success")
        from crm_platform.errors import htmx_redirect

        return htmx_redirect(url_for("contacts.people_trash"))
    return _results(message)


@bp.get("/people/trash")
@login_required
@require_permission("records.view")
def people_trash() -> tuple[str, int]:
    """People in the trash, newest first; they are deleted for good after 30 days."""
    return render("contacts/people_trash.html", people=trash.trashed_people(), retention_days=trash.RETENTION.days)


__all__ = ["bp", "people", "people_context", "Page"]
