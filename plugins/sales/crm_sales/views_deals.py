"""Deals: the filtered list, the create/edit form, the detail page, won / lost / reopen, delete."""

from __future__ import annotations

from flask import Response, abort, flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform.plugins import db, htmx_redirect, require_permission, is_digits
from crm_sales import services
from crm_sales.blueprint import bp, page
from crm_sales.board import Filters, month_choices
from crm_sales.forms import DealForm, DealPersonForm, LineItemForm, LostForm
from crm_sales.models import DEAL_STATES, Deal, DealPerson, LineItem, utcnow

PAGE_SIZE = 50


@bp.get("/deals")
@login_required
@require_permission("sales.view")
def deals() -> tuple[str, int]:
    """All deals, newest first, filtered by pipeline, stage, owner, close month and state (keyset pages)."""
    filters = Filters.parse(request.args)
    stmt = filters.apply(select(Deal))
    chosen: dict[str, object] = dict(filters.args())
    pipeline_id = request.args.get("pipeline", "")
    if is_digits(pipeline_id):
        stmt = stmt.where(Deal.pipeline_id == int(pipeline_id))
        chosen["pipeline"] = int(pipeline_id)
    stage_id = request.args.get("stage", "")
    if is_digits(stage_id):
        stmt = stmt.where(Deal.stage_id == int(stage_id))
        chosen["stage"] = int(stage_id)
    state = request.args.get("state", "")
    if state in DEAL_STATES:
        stmt = stmt.where(Deal.state == state)
        chosen["state"] = state
    cursor = request.args.get("cursor", "")
    if is_digits(cursor):
        stmt = stmt.where(Deal.id < int(cursor))
    rows = list(db.session.scalars(stmt.order_by(Deal.id.desc()).limit(PAGE_SIZE + 1)).unique())
    next_cursor = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return page(
        "sales/deals_list.html", block="results",
        deals=rows[:PAGE_SIZE], next_cursor=next_cursor, first_page=not cursor, chosen=chosen,
        all_stages={k: v for k, v in chosen.items() if k != "stage"},
        pipelines=services.pipelines(), owners=services.member_choices(), months=month_choices(12, 12),
        states=DEAL_STATES, currency=services.default_currency(), now=utcnow(),
    )


@bp.get("/deals/new")
@login_required
@require_permission("sales.edit")
def new_deal() -> tuple[str, int]:
    """The form for a new deal; ``?organization=`` / ``?pipeline=`` / ``?stage=`` preselect."""
    form = DealForm(formdata=None, currency=services.default_currency(), owner_id=current_user.id)
    if form.pipelines:
        form.pipeline_id.data = form.pipelines[0].id
        form.stage_id.data = form.pipelines[0].stages[0].id if form.pipelines[0].stages else None
    for field, arg in ((form.organization_id, "organization"), (form.pipeline_id, "pipeline"), (form.stage_id, "stage")):
        value = request.args.get(arg, "")
        if is_digits(value):
            field.data = int(value)
    stage = next((s for p in form.pipelines for s in p.stages if s.id == form.stage_id.data), None)
    if stage is not None:
        form.pipeline_id.data = stage.pipeline_id
    person = services.find_person(request.args.get("person"))
    if person is not None:
        form.person_id.data = str(person.id)
        if person.organization_id and not request.args.get("organization"):
            form.organization_id.data = person.organization_id
    form.refresh_organization_choices()
    return page("sales/deal_form.html", form=form, deal=None, person=person)


@bp.post("/deals")
@login_required
@require_permission("sales.edit")
def create_deal() -> Response | tuple[str, int]:
    """Create a deal; 422 with the errors when the form does not validate."""
    form = DealForm()
    if not form.validate_on_submit():
        person = services.find_person(form.person_id.data) if not form.person_id.errors else None
        return page("sales/deal_form.html", form=form, deal=None, person=person, status=422)
    deal = Deal(pipeline_id=form.pipeline_id.data, stage_id=form.stage_id.data)
    form.apply_to(deal)
    services.create_deal(deal)
    if form.person_id.data:
        db.session.add(DealPerson(deal_id=deal.id, person_id=int(form.person_id.data), role="decision_maker"))
    db.session.commit()
    flash(f"{deal.title} was added.", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id))


@bp.get("/deals/<int:sales_deal_id>")
@login_required
@require_permission("sales.view")
def deal(sales_deal_id: int) -> tuple[str, int]:
    """A deal: facts, people, line items, won / lost, and its timeline."""
    row = services.get_deal(sales_deal_id)
    people = list(db.session.scalars(select(DealPerson).where(DealPerson.deal_id == row.id).order_by(DealPerson.id)))
    items = list(db.session.scalars(select(LineItem).where(LineItem.deal_id == row.id).order_by(LineItem.id)))
    return page(
        "sales/deal_detail.html",
        deal=row, people=people, items=items, items_total=services.line_items_total(items),
        person_form=DealPersonForm(formdata=None, exclude=[p.person_id for p in people]),
        item_form=LineItemForm(formdata=None), lost_form=LostForm(formdata=None),
        timeline=services.deal_timeline(row), now=utcnow(),
    )


@bp.route("/deals/<int:sales_deal_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("sales.edit")
def edit_deal(sales_deal_id: int) -> Response | tuple[str, int]:
    """Edit a deal; a new stage is recorded like a move (time and timeline entry)."""
    row = services.get_deal(sales_deal_id)
    form = DealForm(obj=row, deal=row)
    if form.validate_on_submit():
        form.apply_to(row)
        if form.stage_id.data != row.stage_id:
            stage = services.get_stage(form.stage_id.data)
            if row.state == "open":
                row.position = services.end_position(stage.id)
            services.change_stage(row, stage)
        services.refresh_value(row)
        db.session.commit()
        flash(f"{row.title} was saved.", "success")
        return htmx_redirect(url_for("sales.deal", sales_deal_id=row.id))
    return page("sales/deal_form.html", form=form, deal=row, person=None, status=422 if form.is_submitted() else 200)


@bp.post("/deals/<int:sales_deal_id>/delete")
@login_required
@require_permission("sales.edit")
def delete_deal(sales_deal_id: int) -> Response:
    """Delete a deal with its line items and people (timeline entries stay on the contacts)."""
    row = services.get_deal(sales_deal_id)
    pipeline_id, title = row.pipeline_id, row.title
    db.session.delete(row)
    db.session.commit()
    flash(f"{title} was deleted.", "success")
    return htmx_redirect(url_for("sales.board", pipeline=pipeline_id))


@bp.post("/deals/<int:sales_deal_id>/won")
@login_required
@require_permission("sales.edit")
def mark_won(sales_deal_id: int) -> Response:
    """Close the deal as won."""
    row = services.get_deal(sales_deal_id)
    _apply(services.mark_won, row)
    flash(f"{row.title} was won. Well done!", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=row.id))


@bp.post("/deals/<int:sales_deal_id>/lost")
@login_required
@require_permission("sales.edit")
def mark_lost(sales_deal_id: int) -> Response:
    """Close the deal as lost; the reason is required (422 without it)."""
    row = services.get_deal(sales_deal_id)
    form = LostForm()
    if not form.validate_on_submit():
        abort(422, "Say why the deal was lost (up to 500 characters).")
    _apply(services.mark_lost, row, form.reason.data)
    flash(f"{row.title} was marked lost.", "info")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=row.id))


@bp.post("/deals/<int:sales_deal_id>/reopen")
@login_required
@require_permission("sales.edit")
def reopen(sales_deal_id: int) -> Response:
    """Open a closed deal again."""
    row = services.get_deal(sales_deal_id)
    _apply(services.reopen, row)
    flash(f"{row.title} is open again.", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=row.id))


def _apply(action: object, *args: object) -> None:
    """Run a service action and commit; its rule violations answer 422."""
    try:
        action(*args)  # type: ignore[operator]
    except services.SalesError as exc:
        abort(422, str(exc))
    db.session.commit()
