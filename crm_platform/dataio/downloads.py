"""Writing tables for download: formula-safe cells, streamed CSV, write-only XLSX."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, current_app, send_file
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.dataio.models import ImportJob, ImportRefusal
from crm_platform.extensions import db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> str:
    """A cell as text that a spreadsheet will not run: ``=``, ``+``, ``-``, ``@``, tab or CR get a leading ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def attachment_headers(filename: str) -> dict[str, str]:
    """Headers of a download: an attachment that is never sniffed or cached."""
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text chunk by chunk (UTF-8 BOM first, so Excel reads accents right), every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([safe_cell(h) for h in header])
    for index, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def scoped(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """Iterate ``rows`` after the view returned (a streamed body): in an application context of
    its own (its own database session) and as the current company."""
    company_id = tenancy.current_company_id()
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[Sequence[Any]]:
        if company_id is None:
            return
        with app.app_context(), tenancy.company_scope(company_id):
            yield from rows

    return generate()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A streamed CSV download; ``rows`` is iterated while the body is sent (see :func:`scoped`)."""
    return Response(csv_stream(header, scoped(rows)), mimetype="text/csv", headers=attachment_headers(filename))


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """An XLSX download written with openpyxl's write-only mode (rows never all in memory)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused_rows_csv(job: ImportJob) -> Response:
    """The rows an import (or its dry run) refused: row number, the original columns, the reason."""
    header = ["row", *job.headers, "reason"]
    job_id = job.id

    def rows() -> Iterator[list[Any]]:
        last = 0
        while True:
            batch = db.session.scalars(
                select(ImportRefusal).where(ImportRefusal.import_job_id == job_id, ImportRefusal.id > last)
                .order_by(ImportRefusal.id).limit(1000)
            ).all()
            if not batch:
                return
            for refusal in batch:
                where = f"{refusal.column}: " if refusal.column else ""
                yield [refusal.row_number, *refusal.cells, where + refusal.reason]
            last = batch[-1].id

    stem = (job.filename.rsplit(".", 1)[0] or "import")[:60]
    safe_stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    return csv_response(f"{safe_stem}-refused-rows.csv", header, rows())
