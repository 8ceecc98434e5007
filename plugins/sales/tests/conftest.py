"""Fixtures of the sales plugin's tests (the core's come from crm_platform.testing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from crm_platform.testing import make_user


@pytest.fixture()
def sales(app, company, user) -> Any:
    """The default pipeline of Acme (the plugin is enabled by default) and helpers to add deals."""
    from crm_platform import tenancy
    from crm_sales import services
    from crm_sales.models import Deal, Pipeline

    class Kit:
        def __init__(self) -> None:
            with tenancy.company_scope(company.id):
                self.pipeline = services.pipelines()[0]
                self.pipeline_id = self.pipeline.id
                self.stage_ids = [s.id for s in self.pipeline.stages]

        def deal(self, title: str = "Rocket order", stage: int = 0, value: str = "1000", **fields: Any) -> int:
            from crm_platform.extensions import db

            state = fields.pop("state", "open")
            with tenancy.company_scope(company.id):
                row = Deal(
                    title=title, currency=fields.pop("currency", "EUR"), value=Decimal(value),
                    pipeline_id=self.pipeline_id, stage_id=self.stage_ids[stage], owner_id=fields.pop("owner_id", user.id),
                    **fields,
                )
                services.create_deal(row)
                row.state = state
                db.session.commit()
                return row.id

        def get(self, deal_id: int) -> Deal:
            from crm_platform.extensions import db

            db.session.expire_all()
            with tenancy.company_scope(company.id):
                return db.session.scalars(select(Deal).where(Deal.id == deal_id)).first()

        def pipelines(self) -> list[Pipeline]:
            from crm_platform.extensions import db

            db.session.expire_all()
            with tenancy.company_scope(company.id):
                return services.pipelines()

    return Kit()


@pytest.fixture()
def client_as(app, company):
    """``client_as(role)``: a signed-in client of Acme with that role."""

    def build(role: str) -> Any:
        person = make_user(company, f"{role}@acme.test", role, name=role.title())
        test_client = app.test_client()
        assert test_client.login(person.email).status_code == 303
        return test_client

    return build


@pytest.fixture()
def contacts(app, company):
    """A person and an organization of Acme: ``(person_id, organization_id)``."""
    from crm_platform import tenancy
    from crm_platform.contacts.models import Organization, Person
    from crm_platform.extensions import db

    with tenancy.company_scope(company.id):
        org = Organization(name="Initech")
        db.session.add(org)
        db.session.flush()
        person = Person(first_name="Peter", last_name="Gibbons", email="peter@initech.test", organization_id=org.id)
        db.session.add(person)
        db.session.commit()
        return person.id, org.id


TODAY = date.today()


@pytest.fixture()
def webhook_receiver():
    """A real HTTP server on loopback that records the JSON it is POSTed: ``(url, requests, statuses)``."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict[str, Any]] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "headers": dict(self.headers.items()), "json": json.loads(body or b"null")})
            status = statuses.pop(0) if statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received, statuses
    finally:
        server.shutdown()
        server.server_close()
