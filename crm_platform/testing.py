"""pytest fixtures for the core and for plugin authors (registered as a pytest plugin).

Fixtures: ``app``, ``make_app``, ``db``, ``company``, ``other_company``, ``user``,
``client``, ``logged_in_client``. The database is migrated once per test session
with Alembic (never ``create_all``) and emptied after each test. Set
``CRM_TEST_DATABASE_URL`` to run against PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

TEST_PASSWORD = "correct horse battery staple"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class CrmClient(FlaskClient):
    """A test client that knows how to sign in and send CSRF tokens.

    Each request runs in its own application context (as in production), even
    when the test itself holds one open: ``g`` and the database session are
    never shared between a test's requests.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # noqa: A003 - FlaskClient API
        """Send the request from a fresh application context."""
        import contextvars

        from flask.globals import _cv_app

        def run() -> Any:
            _cv_app.set(None)  # type: ignore[arg-type]
            return super(CrmClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(run)

    def csrf_token(self, path: str = "/login") -> str:
        """Fetch a page and return the CSRF token from its ``<meta>`` tag."""
        html = self.get(path).get_data(as_text=True)
        match = _CSRF_META.search(html)
        assert match, f"no csrf token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict[str, Any] | None = None, token_from: str = "/login", **kwargs: Any) -> Any:
        """POST a form with a valid CSRF token."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(token_from))
        return self.post(path, data=payload, **kwargs)

    def htmx(self, method: str, path: str, data: dict[str, Any] | None = None, token_from: str = "/", **kwargs: Any) -> Any:
        """Send an htmx-style request with the CSRF token in the X-CSRFToken header."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token(token_from)}
        headers.update(kwargs.pop("headers", {}))
        return self.open(path, method=method.upper(), data=data, headers=headers, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        """Sign in through the real form."""
        return self.post_form("/login", {"email": email, "password": password})


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("CRM_TEST_DATABASE_URL")
    if configured:
        return configured
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def crm_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database URL (SQLite in a temp folder, or ``CRM_TEST_DATABASE_URL``)."""
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def crm_instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway instance folder for the test session."""
    path = tmp_path_factory.mktemp("instance")
    os.environ["CRM_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session")
def make_app(crm_database_url: str, crm_instance_path: Path) -> Callable[..., Flask]:
    """Factory: ``make_app(**config)`` builds an app on the shared, migrated test database."""
    from crm_platform.app import create_app
    from crm_platform.jobs import huey
    from crm_platform.security import use_fast_hashing_for_tests

    huey.immediate = True
    use_fast_hashing_for_tests()

    def factory(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": crm_database_url,
            "SECRET_KEY": "test-secret-key",
            "CRM_BASE_URL": "http://crm.test",
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": 1,
        }
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = CrmClient
        return app

    first = factory()
    with first.app_context():
        from flask_migrate import upgrade

        from crm_platform.extensions import db

        _drop_everything(db)
        upgrade(revision="heads")
    return factory


def _drop_everything(db: Any) -> None:
    """Start the session from an empty database (a previous run may have left tables)."""
    from sqlalchemy import MetaData

    meta = _reflect(db)
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            # Dropping the FTS5 table drops its shadow tables too.
            names = [t.name for t in reversed(meta.sorted_tables) if not t.name.startswith("person_search_fts_")]
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))


def _reflect(db: Any) -> Any:
    """The database's tables (expression indexes, which SQLAlchemy cannot reflect, are skipped quietly)."""
    import warnings

    from sqlalchemy import MetaData
    from sqlalchemy.exc import SAWarning

    meta = MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        meta.reflect(bind=db.engine)
    return meta


def empty_tables(db: Any) -> None:
    """Delete every row of every table except Alembic's version table."""
    from sqlalchemy import MetaData

    meta = _reflect(db)
    from crm_platform.contacts.search_index import SEARCH_INDEX_OBJECTS

    # The FTS5 index follows person_search through its triggers; never touch its tables.
    tables = [t for t in meta.sorted_tables if t.name != "alembic_version" and t.name not in SEARCH_INDEX_OBJECTS]
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture()
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """A fresh app on an empty (migrated) database, inside an app context."""
    from crm_platform.extensions import db, limiter
    from crm_platform.jobs import bind_app

    application = make_app()
    bind_app(application)
    with application.app_context():
        try:
            yield application
        finally:
            empty_tables(db)
            if getattr(limiter, "_storage", None) is not None:
                limiter.reset()


@pytest.fixture()
def db(app: Flask) -> Any:
    """The Flask-SQLAlchemy handle."""
    from crm_platform.extensions import db as handle

    return handle


@pytest.fixture()
def company(app: Flask) -> Any:
    """A company called Acme."""
    from crm_platform.companies.service import create_company

    return create_company("Acme", slug="acme")


@pytest.fixture()
def other_company(app: Flask) -> Any:
    """A second company, Globex, to prove isolation."""
    from crm_platform.companies.service import create_company

    return create_company("Globex", slug="globex")


def make_user(company: Any, email: str, role: str = "admin", **fields: Any) -> Any:
    """Create a user with ``TEST_PASSWORD`` and ``role`` in ``company``."""
    from crm_platform.companies.service import add_member, get_or_create_user
    from crm_platform.extensions import db as handle

    user = get_or_create_user(email, fields.pop("name", ""), TEST_PASSWORD)
    for key, value in fields.items():
        setattr(user, key, value)
    if company is not None:
        add_member(company, user, role)
    handle.session.commit()
    return user


@pytest.fixture()
def user(company: Any) -> Any:
    """An admin of ``company`` with password ``TEST_PASSWORD``."""
    return make_user(company, "ada@acme.test", "admin", name="Ada Admin")


@pytest.fixture()
def client(app: Flask) -> CrmClient:
    """A test client (not signed in)."""
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture()
def logged_in_client(app: Flask, user: Any) -> CrmClient:
    """A test client signed in as ``user``."""
    test_client: CrmClient = app.test_client()  # type: ignore[assignment]
    response = test_client.login(user.email)
    assert response.status_code == 303, response.get_data(as_text=True)
    return test_client


class _Inbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def body(self, index: int = -1) -> str:
        """The plain-text body of a received message."""
        message = self.messages[index]
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


@pytest.fixture()
def smtp_server(app: Flask) -> Iterator[_Inbox]:
    """A real SMTP server (aiosmtpd) on loopback; the app's mail settings point at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture()
def api(client: Any, company: Any, user: Any) -> Callable[..., Any]:
    """``api(method, path, json=None, **headers)`` as Acme's admin with a read-write token."""
    secret = make_api_token(company, user)

    def call(method: str, path: str, json: Any = None, **headers: str) -> Any:
        return client.open(path, method=method, json=json, headers=bearer(secret, **headers))

    return call


def purge_trashed_now(company_id: int) -> int:
    """Age every trashed person of the company past the 30 days and run the purge job's code.

    For tests of what a real delete does (files removed, plugin rows detached): deleting
    from the UI only moves people to the trash.
    """
    from datetime import timedelta

    from sqlalchemy import select

    from crm_platform.contacts import bulk, trash
    from crm_platform.contacts.models import Person
    from crm_platform.extensions import db as handle
    from crm_platform.tenancy import company_scope

    with company_scope(company_id):
        stmt = trash.including_trashed(select(Person).where(Person.deleted_at.is_not(None)))
        stmt = stmt.execution_options(populate_existing=True)  # objects the test holds may be stale
        for person in handle.session.scalars(stmt).unique():
            person.deleted_at = person.deleted_at - trash.RETENTION - timedelta(days=1)
        handle.session.commit()
    return bulk.purge_trash([company_id])


def make_api_token(company: Any, user: Any, scope: str = "write", name: str = "test token") -> str:
    """Create a personal API token of ``user`` in ``company``; returns its secret."""
    from crm_platform import tenancy
    from crm_platform.api.tokens import create_token
    from crm_platform.extensions import db as handle

    with tenancy.company_scope(company.id):
        _row, secret = create_token(user.id, name, scope)
        handle.session.commit()
    return secret


def bearer(secret: str, **headers: str) -> dict[str, str]:
    """Request headers authenticating with the API token ``secret`` (plus ``headers``)."""
    return {"Authorization": f"Bearer {secret}", **headers}
