"""Import pages: upload, map columns with a preview, dry run, run, progress, summary, refused rows."""

from __future__ import annotations

import itertools

from flask import Response, abort, flash, g, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform.customfields.service import fields_for
from crm_platform.dataio import mapping as columns
from crm_platform.dataio import storage
from crm_platform.dataio.blueprint import bp
from crm_platform.dataio.check import row_context
from crm_platform.dataio.downloads import refused_rows_csv
from crm_platform.dataio.forms import MappingForm, RunForm, UploadForm, column_selects, column_targets
from crm_platform.dataio.models import ImportJob, ImportRefusal
from crm_platform.dataio.reader import FileError, inspect, iter_rows
from crm_platform.dataio.rows import parse_row
from crm_platform.dataio.tasks import CHECK_JOB, RUN_JOB
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.jobs import enqueue
from crm_platform.permissions import require_permission
from crm_platform.templating import render

PREVIEW_ROWS = 5
REFUSALS_SHOWN = 50
RECENT_IMPORTS = 10
STOP_POLLING = 286


def get_import(import_job_id: int) -> ImportJob:
    """The import with this id in the current company, else 404."""
    return db.first_or_404(select(ImportJob).where(ImportJob.id == import_job_id))


@bp.get("/people/import")
@login_required
@require_permission("records.edit")
def start() -> tuple[str, int]:
    """The upload form and the company's recent imports."""
    recent = db.session.scalars(select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
                                .limit(RECENT_IMPORTS)).all()
    return render("dataio/import_start.html", form=UploadForm(), recent=recent)


@bp.post("/people/import")
@login_required
@require_permission("records.edit")
def upload() -> Response | tuple[str, int]:
    """Store the file, read its header row and show the mapping step; 422 for a file that cannot be read."""
    form = UploadForm()
    if form.validate_on_submit():
        company_id = g.company.id  # the upload folder is per company
        try:
            stored, kind = storage.save(form.file.data, company_id)
        except FileError as error:
            form.file.errors.append(str(error))
        else:
            path = storage.path_of(company_id, stored)
            try:
                info = inspect(path, kind)
                estimate = storage.estimate_rows(path, kind)
            except FileError as error:
                storage.delete(company_id, stored)
                form.file.errors.append(str(error))
            else:
                job = ImportJob(
                    created_by_id=current_user.id, filename=(form.file.data.filename or "")[:255], stored_name=stored,
                    file_format=kind, encoding=info.encoding, delimiter=info.delimiter, headers=info.headers,
                    mapping=columns.guess(info.headers, fields_for("person")), total_rows=estimate,
                )
                db.session.add(job)
                db.session.commit()
                return htmx_redirect(url_for("dataio.job", import_job_id=job.id))
    recent = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(RECENT_IMPORTS)).all()
    return render("dataio/import_start.html", form=form, recent=recent, status=422)


def page(job: ImportJob, form: MappingForm | None = None, status: int = 200, mapping_error: str = "") -> tuple[str, int]:
    """The import page in the state the import is in."""
    fields = fields_for("person")
    options = columns.choices(fields)
    refusals = db.session.scalars(select(ImportRefusal).where(ImportRefusal.import_job_id == job.id)
                                  .order_by(ImportRefusal.row_number).limit(REFUSALS_SHOWN)).all()
    return render(
        "dataio/import_job.html", block="status", status=status, job=job,
        form=form or MappingForm(phone_region=job.phone_region), run_form=RunForm(policy=job.policy),
        selects=column_selects(job.headers, job.mapping, options), preview=preview_rows(job, job.mapping),
        refusals=refusals, mapping_error=mapping_error, encoding_label=encoding_label(job),
    )


def encoding_label(job: ImportJob) -> str:
    """How the file was read, for the page (``UTF-8``, ``Windows-1252 (Latin-1)``, ``XLSX``)."""
    from crm_platform.dataio.reader import ENCODING_LABELS

    return "XLSX workbook" if job.file_format == "xlsx" else ENCODING_LABELS.get(job.encoding, job.encoding)


def preview_rows(job: ImportJob, mapping: list[str]) -> list:
    """The first rows as they would be imported with ``mapping`` (a person's values or a refusal)."""
    if job.status not in ("uploaded", "checked", "failed") or not job.stored_name:
        return []
    try:
        path = storage.path_of(job.company_id, job.stored_name)
        ctx = row_context(job)
        known = {key for key, _ in columns.choices(ctx.fields)}
        ctx.mapping = [target if target in known else "" for target in mapping]
        return [parse_row(number, cells, ctx) for number, cells in
                itertools.islice(iter_rows(path, job.file_format, job.encoding, job.delimiter), PREVIEW_ROWS)]
    except FileError:
        return []


@bp.get("/people/imports/<int:import_job_id>")
@login_required
@require_permission("records.edit")
def job(import_job_id: int) -> tuple[str, int]:
    """One import: the mapping step, the progress, the dry-run report or the summary."""
    return page(get_import(import_job_id))


@bp.post("/people/imports/<int:import_job_id>/preview")
@login_required
@require_permission("records.edit")
def preview(import_job_id: int) -> tuple[str, int]:
    """The preview table for the mapping being edited (htmx, on every change; saves nothing)."""
    row = get_import(import_job_id)
    mapping = column_targets(request.form, len(row.headers))
    return render("dataio/_preview.html", job=row, preview=preview_rows(row, mapping))


@bp.post("/people/imports/<int:import_job_id>/check")
@login_required
@require_permission("records.edit")
def check(import_job_id: int) -> Response | tuple[str, int]:
    """Save the mapping and start the dry run (a background job); 422 when the mapping is incomplete."""
    row = get_import(import_job_id)
    if row.busy or row.status == "done":
        abort(409)
    form = MappingForm()
    mapping = column_targets(request.form, len(row.headers))
    try:
        mapping = columns.check(mapping, row.headers, fields_for("person"))
    except columns.MappingError as error:
        row.mapping = mapping  # shown again as chosen; not committed
        return page(row, form, 422, str(error))
    if not form.validate_on_submit():
        row.mapping = mapping
        return page(row, form, 422)
    row.mapping = mapping
    row.phone_region = (form.phone_region.data or "").upper()
    row.status = "checking"
    row.error = ""
    db.session.commit()
    enqueue(CHECK_JOB, import_job_id=row.id, company_id=row.company_id)
    return htmx_redirect(url_for("dataio.job", import_job_id=row.id))


@bp.post("/people/imports/<int:import_job_id>/run")
@login_required
@require_permission("records.edit")
def run(import_job_id: int) -> Response | tuple[str, int]:
    """Start the import with the chosen duplicate policy (only after a dry run)."""
    row = get_import(import_job_id)
    if row.status != "checked":
        abort(409)
    form = RunForm()
    if not form.validate_on_submit():
        return page(row, status=422)
    row.policy = form.policy.data
    row.status = "running"
    row.rows_done = 0
    db.session.commit()
    enqueue(RUN_JOB, import_job_id=row.id, company_id=row.company_id)
    return htmx_redirect(url_for("dataio.job", import_job_id=row.id))


@bp.get("/people/imports/<int:import_job_id>/progress")
@login_required
@require_permission("records.edit")
def progress(import_job_id: int) -> tuple[str, int]:
    """The import's status block, polled every second by the progress bar; 286 once the job finished,
    so htmx swaps in the result and stops polling."""
    row = get_import(import_job_id)
    html, _status = page(row)
    return html, (200 if row.busy else STOP_POLLING)


@bp.get("/people/imports/<int:import_job_id>/refused.csv")
@login_required
@require_permission("records.edit")
def refused(import_job_id: int) -> Response:
    """The refused rows: the original columns plus ``row`` and ``reason`` (formula-safe CSV)."""
    return refused_rows_csv(get_import(import_job_id))


@bp.post("/people/imports/<int:import_job_id>/delete")
@login_required
@require_permission("records.edit")
def discard(import_job_id: int) -> Response:
    """Forget an import that is not running: its file and its report (imported people stay)."""
    row = get_import(import_job_id)
    if row.busy:
        abort(409)
    storage.delete(row.company_id, row.stored_name)
    db.session.delete(row)
    db.session.commit()
    flash("The import was removed.", "success")
    return htmx_redirect(url_for("dataio.start"))
