"""A deal's people (with roles) and line items: add and remove, from the deal page."""

from __future__ import annotations

from flask import Response, abort, flash, url_for
from flask_login import login_required
from sqlalchemy import func, select

from crm_platform.plugins import db, htmx_redirect, require_permission
from crm_sales import services
from crm_sales.blueprint import bp
from crm_sales.forms import DealPersonForm, LineItemForm
from crm_sales.models import DealPerson, LineItem


def _first_error(form: object) -> str:
    errors = getattr(form, "errors", {})
    for name, messages in errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        return f"{label.text if label else name}: {messages[0]}"
    return "Check your input."


@bp.post("/deals/<int:sales_deal_id>/people")
@login_required
@require_permission("sales.edit")
def add_person(sales_deal_id: int) -> Response:
    """Involve a person of the company in the deal with a role; 422 for anyone else."""
    deal = services.get_deal(sales_deal_id)
    taken = list(db.session.scalars(select(DealPerson.person_id).where(DealPerson.deal_id == deal.id)))
    form = DealPersonForm(exclude=taken)
    if not form.validate_on_submit():
        if form.person_id.data in taken:
            abort(422, "This person is already on the deal.")
        abort(422, _first_error(form))
    db.session.add(DealPerson(deal_id=deal.id, person_id=form.person_id.data, role=form.role.data))
    db.session.commit()
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id) + "#people")


@bp.post("/deal-people/<int:sales_deal_person_id>/delete")
@login_required
@require_permission("sales.edit")
def remove_person(sales_deal_person_id: int) -> Response:
    """Take a person off a deal."""
    link = db.first_or_404(select(DealPerson).where(DealPerson.id == sales_deal_person_id))
    deal_id = link.deal_id
    db.session.delete(link)
    db.session.commit()
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal_id) + "#people")


@bp.post("/deals/<int:sales_deal_id>/line-items")
@login_required
@require_permission("sales.edit")
def add_line_item(sales_deal_id: int) -> Response:
    """Add a product line; the deal's value becomes the sum of its lines."""
    deal = services.get_deal(sales_deal_id)
    form = LineItemForm()
    if not form.validate_on_submit():
        abort(422, _first_error(form))
    item = LineItem(
        deal_id=deal.id, product=form.product.data.strip(), quantity=form.quantity.data,
        unit_price=form.unit_price.data, discount=form.discount.data or 0,
    )
    db.session.add(item)
    db.session.flush()
    services.refresh_value(deal)
    if deal.value > services.MAX_VALUE:
        abort(422, "The deal's total would be too large.")
    db.session.commit()
    flash(f"{item.product} was added.", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id) + "#items")


@bp.post("/line-items/<int:sales_line_item_id>/delete")
@login_required
@require_permission("sales.edit")
def remove_line_item(sales_line_item_id: int) -> Response:
    """Remove a product line; without lines left the deal keeps its last value (editable again)."""
    item = db.first_or_404(select(LineItem).where(LineItem.id == sales_line_item_id))
    deal = services.get_deal(item.deal_id)
    db.session.delete(item)
    db.session.flush()
    services.refresh_value(deal)
    db.session.commit()
    remaining = db.session.scalar(select(func.count()).select_from(LineItem).where(LineItem.deal_id == deal.id))
    flash("Line removed." if remaining else "Line removed. The deal's value can be edited again.", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id) + "#items")
