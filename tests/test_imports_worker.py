"""The web process only queues imports: a Huey worker does the dry run and the import."""

from __future__ import annotations

import pytest

from crm_platform.jobs import huey
from tests.imports_helpers import job_id_of, load, mapping_data, upload

ROWS = "".join(f"Person {i},p{i}@example.com\n" for i in range(300))


@pytest.fixture()
def queued():
    """Huey in queue mode (as in production) for the test, then back to immediate."""
    huey.immediate = False
    huey.flush()
    try:
        yield huey
    finally:
        huey.flush()
        huey.immediate = True


def test_requests_queue_the_jobs_and_the_worker_runs_them(logged_in_client, db, company, queued):
    job_id = job_id_of(upload(logged_in_client, "Name,Email\n" + ROWS))
    job = load(db, company, job_id)
    response = logged_in_client.post_form(f"/people/imports/{job_id}/check", mapping_data(job),
                                          token_from="/people/import")
    assert response.status_code == 303
    job = load(db, company, job_id)
    assert (job.status, job.rows_done, queued.pending_count()) == ("checking", 0, 1)  # nothing parsed in the request
    page = logged_in_client.get(f"/people/imports/{job_id}").get_data(as_text=True)
    assert "Waiting for the background worker" in page
    assert logged_in_client.get(f"/people/imports/{job_id}/progress").status_code == 200
    queued.execute(queued.dequeue())  # what `crm worker` does
    assert load(db, company, job_id).status == "checked"
    assert logged_in_client.get(f"/people/imports/{job_id}/progress").status_code == 286
    logged_in_client.post_form(f"/people/imports/{job_id}/run", {"policy": "skip"}, token_from="/people/import")
    assert load(db, company, job_id).status == "running" and queued.pending_count() == 1
    queued.execute(queued.dequeue())
    job = load(db, company, job_id)
    assert (job.status, job.created_count, job.rows_done, job.total_rows) == ("done", 300, 300, 300)
