"""The dry run: read every row, refuse the bad ones with a reason, count duplicates. Writes no people."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import delete, select

from crm_platform.companies.models import Membership
from crm_platform.customfields.service import fields_for
from crm_platform.dataio import storage
from crm_platform.dataio.duplicates import existing_people, variants
from crm_platform.dataio.models import ImportJob, ImportRefusal
from crm_platform.dataio.reader import FileError, iter_rows
from crm_platform.dataio.rows import PersonRow, Refusal, RowContext, keys_of, original_cells, parse_row
from crm_platform.extensions import db
from crm_platform.models_base import utcnow

log = logging.getLogger(__name__)
BATCH_SIZE = 500


class TooManyRows(FileError):
    """The file has more rows than ``CRM_IMPORT_MAX_ROWS``."""


def row_context(job: ImportJob) -> RowContext:
    """The company's users (by email), custom fields and limits, for checking rows."""
    from crm_platform.auth.models import User

    stmt = select(User.email, User.id).join(Membership, Membership.user_id == User.id)
    owners = {email.lower(): user_id for email, user_id in db.session.execute(stmt)}
    return RowContext(
        headers=job.headers, mapping=job.mapping, owners=owners, fields=fields_for("person"),
        region=job.phone_region, max_cell=current_app.config.get("CRM_IMPORT_MAX_CELL", 10_000),
    )


def batches(job: ImportJob, ctx: RowContext) -> Iterator[list[tuple[list[str], PersonRow | Refusal]]]:
    """The file's rows, parsed, in lists of ``BATCH_SIZE``; raises TooManyRows past the limit."""
    limit = current_app.config.get("CRM_IMPORT_MAX_ROWS", 200_000)
    path = storage.path_of(job.company_id, job.stored_name)
    batch: list[tuple[list[str], PersonRow | Refusal]] = []
    count = 0
    for number, cells in iter_rows(path, job.file_format, job.encoding, job.delimiter):
        count += 1
        if count > limit:
            raise TooManyRows(f"The file has more than {limit:,} rows: split it into smaller files.")
        batch.append((cells, parse_row(number, cells, ctx)))
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def record_refusals(job: ImportJob, items: list[tuple[list[str], Refusal]]) -> None:
    """Store refused rows with their original cells (bulk insert)."""
    if items:
        width = len(job.headers)
        db.session.add_all([
            ImportRefusal(import_job_id=job.id, row_number=r.row_number, column=r.column[:255], reason=r.reason[:500],
                          cells=original_cells(cells, width))
            for cells, r in items
        ])


def clear_refusals(job: ImportJob) -> None:
    """Forget the refused rows of an earlier pass."""
    db.session.execute(delete(ImportRefusal).where(ImportRefusal.import_job_id == job.id)
                       .execution_options(synchronize_session=False))


def dry_run(job: ImportJob) -> None:
    """Check every row of ``job``'s file; sets the counts and status ``checked`` (or ``failed``). Commits."""
    ctx = row_context(job)
    clear_refusals(job)
    job.rows_done = job.valid_rows = job.duplicates = job.refused_count = 0
    seen: set[tuple[str, str]] = set()
    db.session.commit()
    for batch in batches(job, ctx):
        refused = [(cells, item) for cells, item in batch if isinstance(item, Refusal)]
        rows = [item for _, item in batch if isinstance(item, PersonRow)]
        keys = [key for row in rows for key in keys_of(row)]
        known = existing_people(variants(keys, [e for row in rows for e in row.emails]))
        for row in rows:
            row_keys = keys_of(row)
            if any(key in seen or key in known for key in row_keys):
                job.duplicates += 1
            seen.update(row_keys)
        record_refusals(job, refused)
        job.rows_done += len(batch)
        job.valid_rows += len(rows)
        job.refused_count += len(refused)
        job.total_rows = max(job.total_rows, job.rows_done)
        db.session.commit()
    job.total_rows = job.rows_done
    job.status = "checked"
    job.finished_at = utcnow()
    db.session.commit()
