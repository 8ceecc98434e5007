"""Background jobs on Huey: SQLite storage by default, Redis when ``CRM_REDIS_URL`` is set.

Tasks run inside an application context created once per worker process. Plugins
add jobs and schedules with the ``crm_register_jobs`` hook.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

from crm_platform.config import instance_path

log = logging.getLogger(__name__)
_app: Any = None


def make_huey() -> Huey:
    """Build the queue from the environment (same rules as :mod:`crm_platform.config`)."""
    redis_url = os.environ.get("CRM_REDIS_URL")
    immediate = os.environ.get("CRM_JOBS_IMMEDIATE", "").lower() in {"1", "true", "yes"}
    if redis_url:
        return RedisHuey("crm", url=redis_url, immediate=immediate)
    path = os.environ.get("CRM_HUEY_PATH") or str(instance_path() / "jobs.db")
    return SqliteHuey("crm", filename=path, immediate=immediate)


huey: Huey = make_huey()
_plugin_tasks: dict[str, Any] = {}


def bind_app(app: Any) -> None:
    """Use ``app`` for tasks run by this process (worker, tests in immediate mode)."""
    global _app
    _app = app


def _get_app() -> Any:
    global _app
    if _app is None:
        from crm_platform.app import create_app

        _app = create_app()
    return _app


def with_app_context(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` inside the application context (reusing one when already inside)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():
            return func(*args, **kwargs)
        with _get_app().app_context():
            return func(*args, **kwargs)

    return wrapper


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Decorator for a background task that needs the app (database, config)."""

    def decorator(func: Callable[..., Any]) -> Any:
        return huey.task(**options)(with_app_context(func))

    return decorator


def register_plugin_jobs(pm: Any) -> None:
    """Register the jobs and schedules that plugins return from ``crm_register_jobs``."""
    registered = getattr(huey, "_crm_registered", set())
    for batch in pm.hook.crm_register_jobs():
        for job in batch or []:
            if job.name in registered:
                continue
            wrapped = with_app_context(job.func)
            wrapped.__name__ = job.name
            if job.schedule is not None:
                task_ = huey.periodic_task(job.schedule, retries=job.retries, retry_delay=job.retry_delay, name=job.name)(wrapped)
            else:
                task_ = huey.task(retries=job.retries, retry_delay=job.retry_delay, name=job.name)(wrapped)
            _plugin_tasks[job.name] = task_
            registered.add(job.name)
    huey._crm_registered = registered


def enqueue(name: str, *args: Any, **kwargs: Any) -> Any:
    """Queue the plugin job registered as ``name`` (see ``crm_register_jobs``); returns Huey's result handle."""
    try:
        task_ = _plugin_tasks[name]
    except KeyError:
        raise LookupError(f"no background job named {name!r} is registered") from None
    return task_(*args, **kwargs)


def run_worker(app: Any, workers: int = 2) -> None:
    """Run the Huey consumer in this process until interrupted (``crm worker``)."""
    bind_app(app)
    register_plugin_jobs(app.extensions["crm"].pm)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, check_worker_health=True)
    log.info("worker started: %s", type(huey.storage).__name__)
    consumer.run()


# Core schedules -------------------------------------------------------------------


def _purge_people_trash() -> int:
    """Delete for good the people in the trash for more than 30 days (every company)."""
    from crm_platform.contacts.bulk import purge_trash

    return purge_trash()


# Every night at 03:17 (worker time); people stay restorable for at least 30 days.
purge_people_trash = huey.periodic_task(crontab(minute="17", hour="3"), name="crm.purge_people_trash")(
    with_app_context(_purge_people_trash)
)


def _refresh_statistics() -> bool:
    """Refresh the query planner's statistics (SQLite; see :func:`crm_platform.database.refresh_planner_statistics`)."""
    from crm_platform.database import refresh_planner_statistics
    from crm_platform.extensions import db

    return refresh_planner_statistics(db.engine)


# Every night at 03:47, after the trash purge.
refresh_statistics = huey.periodic_task(crontab(minute="47", hour="3"), name="crm.refresh_statistics")(
    with_app_context(_refresh_statistics)
)
