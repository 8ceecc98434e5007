"""The kanban board per pipeline, and moving a deal between stages (drag and drop or a form)."""

from __future__ import annotations

from flask import Response, abort, flash, request, url_for
from flask_login import login_required
from sqlalchemy import select

from crm_platform.plugins import db, htmx_redirect, require_permission, is_digits
from crm_sales import services
from crm_sales.blueprint import bp, form_int, page
from crm_sales.board import Filters, board_columns, board_totals, month_choices
from crm_sales.models import Pipeline, utcnow


def current_pipeline() -> Pipeline | None:
    """The pipeline named by ``?pipeline=`` (404 if foreign), else the first one."""
    wanted = request.args.get("pipeline", "")
    if wanted:
        if not is_digits(wanted):
            abort(404)
        return services.get_pipeline(int(wanted))
    return db.session.scalars(select(Pipeline).order_by(Pipeline.position, Pipeline.id).limit(1)).first()


@bp.get("/")
@login_required
@require_permission("sales.view")
def board() -> tuple[str, int]:
    """The board of one pipeline: a column per stage, filtered by owner and close month."""
    pipeline = current_pipeline()
    filters = Filters.parse(request.args)
    columns = board_columns(pipeline, filters) if pipeline else []
    return page(
        "sales/board.html", block="board",
        pipeline=pipeline, pipelines=services.pipelines(), columns=columns, totals=board_totals(columns),
        filters=filters, owners=services.member_choices(), months=month_choices(),
        currency=services.default_currency(), now=utcnow(),
    )


@bp.post("/deals/<int:sales_deal_id>/move")
@login_required
@require_permission("sales.edit")
def move(sales_deal_id: int) -> Response | tuple[str, int]:
    """Move a deal to a stage (``stage_id``) at a place (``after_id`` or ``position``).

    htmx gets the affected columns back as out-of-band swaps; a plain form post is
    redirected to the board. Unknown stage: 404; a stage of another pipeline: 422.
    """
    deal = services.get_deal(sales_deal_id)
    stage = services.get_stage(form_int("stage_id", required=True))
    after_id = form_int("after_id")
    position = form_int("position")
    if position is not None and position < 0:
        abort(422, "Position must be zero or more.")
    source_id = deal.stage_id
    try:
        previous = services.move_deal(deal, stage, after_id=after_id, index=position)
    except services.SalesError as exc:
        abort(422, str(exc))
    db.session.commit()
    filters = Filters.parse(request.form)
    if request.headers.get("HX-Request") != "true":
        if previous is not None:
            flash(f"{deal.title} moved to {stage.name}.", "success")
        return htmx_redirect(url_for("sales.board", pipeline=deal.pipeline_id, **filters.args()))
    pipeline = services.get_pipeline(deal.pipeline_id)
    columns = board_columns(pipeline, filters, {source_id, stage.id})
    all_columns = board_columns(pipeline, filters, with_cards=False)
    return page(
        "sales/_move_result.html",
        pipeline=pipeline, columns=columns, totals=board_totals(all_columns), filters=filters,
        currency=services.default_currency(), now=utcnow(), stages=pipeline.stages, moved=deal, stage=stage,
    )

