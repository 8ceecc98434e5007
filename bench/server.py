"""Start gunicorn on 127.0.0.1 (a free port) and stop it again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from bench import settings as S

WORKERS = 2
ACCESS_FORMAT = "%(m)s %(U)s %(q)s %(s)s %(D)s"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen


def _wait_healthy(url: str, process: subprocess.Popen, log_path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {log_path}")


@contextlib.contextmanager
def gunicorn(name: str, app: str, env: dict[str, str] | None = None, port: int | None = None,
             workers: int = WORKERS, access_log: str | None = None) -> Iterator[Server]:
    """Serve ``app`` (``module:variable``) with ``workers`` sync workers on 127.0.0.1.

    ``access_log``: a file for one line per request: method, path, query, status, microseconds.
    """
    port = port or free_port()
    S.LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = S.LOG_DIR / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--chdir", str(S.PROJECT_ROOT), "--timeout", "60", "--log-level", "warning", app,
    ]
    if access_log:
        command[-1:-1] = ["--access-logfile", access_log, "--access-logformat", ACCESS_FORMAT]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env or dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process, str(log_path))
        yield Server(name=name, base=f"http://127.0.0.1:{port}", process=process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop (it ends its own workers)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def crm_server(url: str, access_log: str | None = None) -> contextlib.AbstractContextManager[Server]:
    """The CRM (``wsgi:app``) on the bench database."""
    port = free_port()
    return gunicorn("crm", "wsgi:app", S.server_env(url, port), port=port, access_log=access_log)


def hello_server() -> contextlib.AbstractContextManager[Server]:
    """The floor: bench/hello_app.py under the same gunicorn settings."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return gunicorn("hello", "bench.hello_app:app", env, port=port)
