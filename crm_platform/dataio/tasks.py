"""The background jobs of imports (``dataio.check`` and ``dataio.run``), run by ``crm worker``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.dataio.models import ImportJob
from crm_platform.dataio.reader import FileError
from crm_platform.extensions import db
from crm_platform.models_base import utcnow

log = logging.getLogger(__name__)
CHECK_JOB = "dataio.check"
RUN_JOB = "dataio.run"


def _run_phase(import_job_id: int, company_id: int, phase: Callable[[ImportJob], None]) -> None:
    """Run ``phase`` on the import as its company; a failure marks the import ``failed`` with a message."""
    with tenancy.company_scope(company_id):
        job = db.session.scalars(select(ImportJob).where(ImportJob.id == import_job_id)).first()
        if job is None:
            log.warning("import %s of company %s is gone", import_job_id, company_id)
            return
        try:
            phase(job)
        except FileError as error:
            db.session.rollback()
            _fail(import_job_id, str(error))
        except Exception:
            log.exception("import %s failed", import_job_id)
            db.session.rollback()
            _fail(import_job_id, "The import stopped on an unexpected error (it was logged). "
                                 "Rows of finished batches were kept.")


def _fail(import_job_id: int, message: str) -> None:
    job = db.session.scalars(select(ImportJob).where(ImportJob.id == import_job_id)).one()
    job.status = "failed"
    job.error = message[:500]
    job.finished_at = utcnow()
    db.session.commit()


def check_import(import_job_id: int, company_id: int) -> None:
    """Job: the dry run of an import."""
    from crm_platform.dataio.check import dry_run

    _run_phase(import_job_id, company_id, dry_run)


def run_import(import_job_id: int, company_id: int) -> None:
    """Job: the import itself."""
    from crm_platform.dataio.importer import run_import as run

    _run_phase(import_job_id, company_id, run)
