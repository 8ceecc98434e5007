"""Background jobs: a real queue that survives a restart, SQLite by default, Redis when set."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from crm_platform import jobs
from tests.jobs_fixtures import append_line


def test_sqlite_queue_is_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("CRM_REDIS_URL", raising=False)
    monkeypatch.setenv("CRM_HUEY_PATH", str(tmp_path / "q.db"))
    assert isinstance(jobs.make_huey(), SqliteHuey)


def test_redis_queue_when_configured(monkeypatch):
    monkeypatch.setenv("CRM_REDIS_URL", "redis://127.0.0.1:6379/15")
    queue = jobs.make_huey()
    assert isinstance(queue, RedisHuey)
    try:
        queue.storage.conn.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis at 127.0.0.1:6379 is not reachable ({exc}); .ci/run starts it")
    queue.flush()
    task = queue.task(name="append_line")(append_line)
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"redis-job-{os.getpid()}.txt"
    out.unlink(missing_ok=True)
    task(str(out), "via redis")
    message = queue.dequeue()
    queue.execute(message)
    assert out.read_text() == "via redis\n"
    out.unlink()


def test_jobs_survive_a_restart(tmp_path):
    """Enqueue in one process's queue object, 'restart', and the job is still there to run."""
    path = str(tmp_path / "jobs.db")
    out = tmp_path / "out.txt"
    before = SqliteHuey("crm", filename=path)
    before.task(name="append_line")(append_line)(str(out), "survived")
    before.storage.close() if hasattr(before.storage, "close") else None
    del before
    after = SqliteHuey("crm", filename=path)
    after.task(name="append_line")(append_line)
    assert after.pending_count() == 1
    after.execute(after.dequeue())
    assert out.read_text() == "survived\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_crm_worker_sends_queued_mail(tmp_path, app):
    """`crm worker` (a real consumer process) picks a queued mail and delivers it over SMTP."""
    from aiosmtpd.controller import Controller

    from crm_platform.testing import _Inbox

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = dict(os.environ)
    env.update(
        CRM_INSTANCE_PATH=str(tmp_path),
        CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        CRM_HUEY_PATH=str(tmp_path / "jobs.db"),
        CRM_MAIL_HOST="127.0.0.1",
        CRM_MAIL_PORT=str(port),
        CRM_JOBS_IMMEDIATE="0",
    )
    env.pop("CRM_REDIS_URL", None)
    enqueue = (
        "from crm_platform.app import create_app\n"
        "from crm_platform.mail import send_mail\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    send_mail('carol@example.com', 'Queued', 'Sent by the worker.')\n"
    )
    subprocess.run([sys.executable, "-c", enqueue], env=env, check=True, timeout=60)
    worker = subprocess.Popen([str(Path(sys.executable).with_name("crm")), "worker", "--workers", "1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
        controller.stop()
    assert inbox.messages, f"no mail delivered; worker said:\n{output}"
    assert inbox.messages[0]["Subject"] == "Queued"


from crm_platform.plugins import hookimpl  # noqa: E402


class JobsPlugin:
    """A plugin offering one queued job and one schedule."""

    def __init__(self, out):
        self.out = out

    @staticmethod
    def nightly():
        return None

    @hookimpl
    def crm_register_jobs(self):
        from huey import crontab

        from crm_platform.plugins import Job

        return [
            Job("test_jobs.append", lambda text: append_line(self.out, text)),
            Job("test_jobs.nightly", self.nightly, schedule=crontab(hour="3", minute="0")),
        ]


def test_plugin_jobs_are_registered_and_enqueued(app, tmp_path):
    from crm_platform.plugins import enqueue

    plugin = JobsPlugin(str(tmp_path / "job.txt"))
    pm = app.extensions["crm"].pm
    pm.register(plugin, name="jobs_plugin")
    try:
        jobs.register_plugin_jobs(pm)
        enqueue("test_jobs.append", "from a plugin")  # tests run the queue in immediate mode
        assert (tmp_path / "job.txt").read_text() == "from a plugin\n"
        periodic = [task.__name__ for task in jobs.huey._registry._periodic_tasks]
        assert "test_jobs.nightly" in periodic
        with pytest.raises(LookupError):
            enqueue("no.such.job")
    finally:
        pm.unregister(plugin)
