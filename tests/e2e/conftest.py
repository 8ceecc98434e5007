"""Browser tests: a live server on a throwaway SQLite database, driven by headless Chromium.

Run with ``make test-e2e`` (``pytest -m e2e``). Every test in this folder is marked
``e2e``, so ``pytest -m "not e2e"`` never starts a browser. Chromium is Debian's
(/usr/bin/chromium), never a Playwright download. On failure pytest-playwright keeps
a screenshot under ``test-results/``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crm_platform.testing import TEST_PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HERE = Path(__file__).resolve().parent
ADMIN_EMAIL = "ada@acme.test"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def pytest_configure(config: pytest.Config) -> None:
    """Keep a screenshot of failed tests unless the command line asked otherwise."""
    if getattr(config.option, "screenshot", None) == "off":
        config.option.screenshot = "only-on-failure"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything here ``e2e``; skip it all when Chromium is missing."""
    missing = not os.access(CHROMIUM, os.X_OK)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium"))


@dataclass
class LiveServer:
    """The running application: its URL, the Flask app, and the data the tests share."""

    url: str
    app: Any
    ids: dict[str, int] = field(default_factory=dict)

    def run(self, func: Callable[[], Any]) -> Any:
        """Call ``func`` inside an application context (to prepare or inspect data)."""
        with self.app.app_context():
            return func()

    def user(self, email: str, role: str = "admin", name: str = "") -> str:
        """Create a user in the Acme company (password ``TEST_PASSWORD``) and return the email."""
        from crm_platform.companies.models import Company
        from crm_platform.extensions import db

        def create() -> None:
            make_user(db.session.get(Company, self.ids["acme"]), email, role, name=name or email.split("@")[0].title())

        self.run(create)
        return email


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Migrate a fresh SQLite database, create Acme (with demo data) and its admin, serve it."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from crm_platform.app import create_app
    from crm_platform.companies.service import add_member, create_company
    from crm_platform.demo import load_demo_data
    from crm_platform.extensions import db
    from crm_platform.jobs import bind_app, huey

    instance = tmp_path_factory.mktemp("e2e-instance")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    previous = os.environ.get("CRM_INSTANCE_PATH")
    os.environ["CRM_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'crm.db'}",
            "SECRET_KEY": "e2e-secret-key",
            "CRM_BASE_URL": url,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": 1,
        })
    finally:
        if previous is None:
            os.environ.pop("CRM_INSTANCE_PATH", None)
        else:
            os.environ["CRM_INSTANCE_PATH"] = previous
    huey.immediate = True
    bind_app(app)
    server = LiveServer(url=url, app=app)

    def setup() -> None:
        upgrade(revision="heads")  # the core and every plugin branch
        acme = create_company("Acme", slug="acme")
        globex = create_company("Globex", slug="globex")
        admin = make_user(acme, ADMIN_EMAIL, "admin", name="Ada Admin")
        add_member(globex, admin, "member")
        db.session.commit()
        server.ids.update(acme=acme.id, globex=globex.id, admin=admin.id)
        load_demo_data(acme)

    server.run(setup)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in failure reports
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        server.run(lambda: db.engine.dispose())


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright: relative ``page.goto("/people")`` goes to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless, quiet."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop window by default; phone tests set their own viewport."""
    return {**browser_context_args, "viewport": DESKTOP}


@pytest.fixture()
def login(page: Any) -> Callable[..., Any]:
    """``login(email)`` signs in through the real form and waits for the dashboard."""

    def sign_in(email: str = ADMIN_EMAIL, password: str = TEST_PASSWORD) -> Any:
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        return page

    return sign_in


@pytest.fixture(scope="session")
def admin_storage_state(browser: Any, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Sign the admin in once; tests reuse the cookies (a test must not sign this session out)."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        path = tmp_path_factory.mktemp("e2e-state") / "admin.json"
        context.storage_state(path=path)
        return str(path)
    finally:
        context.close()


@pytest.fixture()
def admin_page(new_context: Callable[..., Any], admin_storage_state: str) -> Any:
    """A page signed in as the Acme admin (Ada), on the dashboard."""
    page = new_context(storage_state=admin_storage_state).new_page()
    page.goto("/")
    return page
