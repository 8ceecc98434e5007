"""Pipeline settings (owners and admins): create and rename pipelines; add, edit, reorder, delete stages."""

from __future__ import annotations

from flask import Response, abort, flash, url_for
from flask_login import login_required
from sqlalchemy import func, select

from crm_platform.plugins import db, htmx_redirect, require_permission
from crm_sales import services
from crm_sales.blueprint import bp, page
from crm_sales.forms import PipelineForm, StageForm
from crm_sales.models import Pipeline, Stage

SETTINGS = "sales.pipelines"


def _settings_url(pipeline_id: int | None = None) -> str:
    url = url_for(SETTINGS)
    return f"{url}#pipeline-{pipeline_id}" if pipeline_id else url


def _settings_page(status: int = 200, **forms: object) -> tuple[str, int]:
    rows = services.pipelines()
    return page(
        "sales/pipelines.html", status=status, pipelines=rows,
        pipeline_form=forms.get("pipeline_form") or PipelineForm(formdata=None),
        stage_form=StageForm(formdata=None), failed=forms,
    )


@bp.get("/pipelines")
@login_required
@require_permission("sales.configure")
def pipelines() -> tuple[str, int]:
    """Every pipeline with its stages, each editable in place."""
    return _settings_page()


@bp.post("/pipelines")
@login_required
@require_permission("sales.configure")
def create_pipeline() -> Response | tuple[str, int]:
    """A new pipeline starts with the standard stages, which can then be edited."""
    form = PipelineForm()
    if not form.validate_on_submit():
        return _settings_page(status=422, pipeline_form=form)
    last = db.session.scalar(select(func.max(Pipeline.position))) or 0
    pipeline = Pipeline(name=form.name.data.strip(), position=last + 1)
    db.session.add(pipeline)
    services.add_default_stages(pipeline)
    db.session.commit()
    flash(f"Pipeline {pipeline.name} was created.", "success")
    return htmx_redirect(_settings_url(pipeline.id))


@bp.post("/pipelines/<int:sales_pipeline_id>/rename")
@login_required
@require_permission("sales.configure")
def rename_pipeline(sales_pipeline_id: int) -> Response:
    """Rename a pipeline."""
    pipeline = services.get_pipeline(sales_pipeline_id)
    form = PipelineForm()
    if not form.validate_on_submit():
        abort(422, "A pipeline needs a name of up to 120 characters.")
    pipeline.name = form.name.data.strip()
    db.session.commit()
    flash("Pipeline renamed.", "success")
    return htmx_redirect(_settings_url(pipeline.id))


@bp.post("/pipelines/<int:sales_pipeline_id>/stages")
@login_required
@require_permission("sales.configure")
def add_stage(sales_pipeline_id: int) -> Response:
    """Add a stage at the end of the pipeline."""
    pipeline = services.get_pipeline(sales_pipeline_id)
    form = StageForm()
    if not form.validate_on_submit():
        abort(422, _stage_error(form))
    db.session.add(
        Stage(
            pipeline_id=pipeline.id, name=form.name.data.strip(), position=len(pipeline.stages),
            probability=form.probability.data, rotting_days=form.rotting_days.data,
        )
    )
    db.session.commit()
    flash(f"Stage {form.name.data.strip()} was added.", "success")
    return htmx_redirect(_settings_url(pipeline.id))


@bp.post("/stages/<int:sales_stage_id>")
@login_required
@require_permission("sales.configure")
def edit_stage(sales_stage_id: int) -> Response:
    """Change a stage's name, probability and rotting days."""
    stage = services.get_stage(sales_stage_id)
    form = StageForm()
    if not form.validate_on_submit():
        abort(422, _stage_error(form))
    stage.name, stage.probability, stage.rotting_days = form.name.data.strip(), form.probability.data, form.rotting_days.data
    db.session.commit()
    flash(f"Stage {stage.name} was saved.", "success")
    return htmx_redirect(_settings_url(stage.pipeline_id))


@bp.post("/stages/<int:sales_stage_id>/up")
@login_required
@require_permission("sales.configure")
def stage_up(sales_stage_id: int) -> Response:
    """Move a stage one place to the left on the board."""
    stage = services.get_stage(sales_stage_id)
    services.move_stage(stage, -1)
    db.session.commit()
    return htmx_redirect(_settings_url(stage.pipeline_id))


@bp.post("/stages/<int:sales_stage_id>/down")
@login_required
@require_permission("sales.configure")
def stage_down(sales_stage_id: int) -> Response:
    """Move a stage one place to the right on the board."""
    stage = services.get_stage(sales_stage_id)
    services.move_stage(stage, 1)
    db.session.commit()
    return htmx_redirect(_settings_url(stage.pipeline_id))


@bp.post("/stages/<int:sales_stage_id>/delete")
@login_required
@require_permission("sales.configure")
def delete_stage(sales_stage_id: int) -> Response:
    """Delete an empty stage (422 while it still holds deals)."""
    stage = services.get_stage(sales_stage_id)
    pipeline_id, name = stage.pipeline_id, stage.name
    try:
        services.delete_stage(stage)
    except services.SalesError as exc:
        abort(422, str(exc))
    db.session.commit()
    flash(f"Stage {name} was deleted.", "success")
    return htmx_redirect(_settings_url(pipeline_id))


def _stage_error(form: StageForm) -> str:
    for name, messages in form.errors.items():
        return f"{getattr(form, name).label.text}: {messages[0]}" if hasattr(form, name) else messages[0]
    return "Check the stage."
