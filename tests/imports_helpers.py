"""Helpers shared by the import tests: upload a file, map it, run the dry run and the import."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.dataio.models import ImportJob

_JOB_URL = re.compile(r"/people/imports/(\d+)")


def upload(client: Any, content: bytes | str, filename: str = "people.csv") -> Any:
    """POST a file to the upload form; returns the response (303 to the import page when accepted)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post_form("/people/import", {"file": (io.BytesIO(data), filename)}, token_from="/people/import",
                            content_type="multipart/form-data")


def job_id_of(response: Any) -> int:
    """The import id from the redirect after an upload."""
    match = _JOB_URL.search(response.headers.get("Location", "") or response.headers.get("HX-Redirect", ""))
    assert match, (response.status_code, response.get_data(as_text=True)[:500])
    return int(match.group(1))


def load(db: Any, company: Any, job_id: int) -> ImportJob:
    """The import row as stored now."""
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return db.session.scalars(select(ImportJob).where(ImportJob.id == job_id)).one()


def mapping_data(job: ImportJob, overrides: dict[str, str] | None = None, region: str = "") -> dict[str, str]:
    """The mapping form as the page proposes it (guesses), with ``{header: target}`` overrides."""
    data = {f"col-{i}": target for i, target in enumerate(job.mapping)}
    for header, target in (overrides or {}).items():
        data[f"col-{job.headers.index(header)}"] = target
    data["phone_region"] = region
    return data


def dry_run(client: Any, db: Any, company: Any, job_id: int, overrides: dict[str, str] | None = None,
            region: str = "") -> Any:
    """Submit the mapping (the dry-run job runs at once in tests); returns the response."""
    job = load(db, company, job_id)
    return client.post_form(f"/people/imports/{job_id}/check", mapping_data(job, overrides, region),
                            token_from=f"/people/imports/{job_id}")


def run(client: Any, job_id: int, policy: str = "skip") -> Any:
    """Start the import with a duplicate policy; returns the response."""
    return client.post_form(f"/people/imports/{job_id}/run", {"policy": policy}, token_from=f"/people/imports/{job_id}")


def import_file(client: Any, db: Any, company: Any, content: bytes | str, filename: str = "people.csv",
                policy: str = "skip", overrides: dict[str, str] | None = None, region: str = "") -> ImportJob:
    """Upload, dry-run and import a file; returns the finished import."""
    job_id = job_id_of(upload(client, content, filename))
    assert dry_run(client, db, company, job_id, overrides, region).status_code == 303
    assert load(db, company, job_id).status == "checked", load(db, company, job_id).error
    assert run(client, job_id, policy).status_code == 303
    return load(db, company, job_id)
