"""Hook implementations of imports and exports: the blueprint, the jobs, the vCard button."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for

from crm_platform.plugins import Action, Job, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Import pages, export downloads and vCards."""
    from crm_platform.dataio.views import bp

    return [bp]


@hookimpl
def crm_register_jobs() -> list[Job]:
    """The dry run and the import run in the worker (no retries: a run is not repeated blindly)."""
    from crm_platform.dataio import tasks

    return [
        Job(tasks.CHECK_JOB, tasks.check_import, retries=0),
        Job(tasks.RUN_JOB, tasks.run_import, retries=0),
    ]


@hookimpl
def crm_person_actions(person: Any) -> list[Action]:
    """“Download vCard” on every person's page (reading, so read-only users have it too)."""
    return [Action("Download vCard", url_for("dataio.vcard", person_id=person.id), permission="records.view")]
