"""Testing kit: walk every route of an app with another company's ids.

Used by the core's test suite and available to plugin authors: any route taking
``<int:TABLENAME_id>`` must answer 404 to a user of another company and change nothing.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from crm_platform import tenancy
from crm_platform.extensions import db as handle
from crm_platform.tenancy import CompanyOwned
from crm_platform.testing import make_user

_counter = itertools.count(1)


def company_owned_tables() -> dict[str, Any]:
    """Map table name → mapped class for every company-owned model (core and plugins)."""
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in handle.Model.registry.mappers
        if issubclass(mapper.class_, CompanyOwned)
    }


def user_owned_tables() -> dict[str, Any]:
    """Map table name → mapped class for rows that belong to one user (sign-in sessions...)."""
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in handle.Model.registry.mappers
        if not issubclass(mapper.class_, CompanyOwned) and "user_id" in mapper.class_.__table__.columns
    }


def build_row(model: Any, company_id: int, user_id: int, made: dict[str, Any]) -> Any:
    """Create one row of ``model`` in the current company, filling required columns generically."""
    if model.__tablename__ in made:
        return made[model.__tablename__]
    query = select(model).limit(1)
    if not issubclass(model, CompanyOwned):
        query = query.where(model.user_id == user_id)
    existing = handle.session.scalars(query).first()
    if existing is not None:
        made[model.__tablename__] = existing
        return existing
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.primary_key or column.name == "company_id":
            continue
        if column.name == "user_id":
            values[column.name] = user_id
            continue
        fks = list(column.foreign_keys)
        if fks:
            target = fks[0].column.table.name
            if target == "user":
                values[column.name] = user_id
            elif target == "company":
                values[column.name] = company_id
            else:
                owner = company_owned_tables().get(target)
                if owner is not None:
                    values[column.name] = build_row(owner, company_id, user_id, made).id
            continue
        if column.nullable or column.default is not None or column.server_default is not None:
            continue
        n = next(_counter)
        kind = column.type
        if isinstance(kind, sa.Boolean):
            values[column.name] = False
        elif isinstance(kind, (sa.Integer, sa.Numeric, sa.Float)):
            values[column.name] = 1
        elif isinstance(kind, sa.DateTime):
            values[column.name] = datetime.now(UTC)
        elif isinstance(kind, sa.Date):
            values[column.name] = datetime.now(UTC).date()
        elif isinstance(kind, sa.JSON):
            values[column.name] = {}
        else:
            length = getattr(kind, "length", None) or 40
            values[column.name] = f"b{n}"[:length]
    row = model(**values)
    handle.session.add(row)
    handle.session.flush()
    made[model.__tablename__] = row
    return row


def snapshot(company_id: int, user_id: int) -> dict[str, list[tuple]]:
    """Every row of company B (company-owned tables, its company row) and of its user."""
    data: dict[str, list[tuple]] = {}
    with handle.engine.connect() as conn:
        for name, model in sorted(user_owned_tables().items()):
            table = model.__table__
            data[name] = [tuple(r) for r in conn.execute(select(table).where(table.c.user_id == user_id).order_by(*table.primary_key.columns))]
        for name, model in sorted(company_owned_tables().items()):
            table = model.__table__
            data[name] = [tuple(r) for r in conn.execute(select(table).where(table.c.company_id == company_id).order_by(*table.primary_key.columns))]
        company = handle.metadata.tables["company"]
        data["company"] = [tuple(r) for r in conn.execute(select(company).where(company.c.id == company_id))]
    return data


def id_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(rule, method, id arguments) for every route taking an integer row id."""
    routes = []
    for rule in app.url_map.iter_rules():
        int_args = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not int_args:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, int_args))
    return routes


def _api_token_headers(company_id: int, user_id: int) -> dict[str, str]:
    """An ``Authorization`` header with a new read-write API token of ``user_id`` in ``company_id``."""
    from crm_platform.api.tokens import create_token

    with tenancy.company_scope(company_id):
        _row, secret = create_token(user_id, "route walker", "write")
        handle.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def assert_foreign_ids_are_404(walk_app: Any) -> None:
    """As an owner of company A, call every id route with company B's ids: 404, nothing changed."""
    from crm_platform.companies.service import create_company

    a = create_company("Company A", slug="company-a")
    b = create_company("Company B", slug="company-b")
    owner_a = make_user(a, "owner@a.test", "owner")
    user_b = make_user(b, "owner@b.test", "owner")
    made: dict[str, Any] = {}
    with tenancy.company_scope(b.id):
        for model in company_owned_tables().values():
            build_row(model, b.id, user_b.id, made)
        for model in user_owned_tables().values():
            build_row(model, b.id, user_b.id, made)
        handle.session.commit()
    ids = {name: row.id for name, row in made.items() if hasattr(row, "id")}
    ids["company"] = b.id
    ids["user"] = user_b.id  # the API's users of company A must not include company B's
    before = snapshot(b.id, user_b.id)

    routes = id_routes(walk_app)
    assert routes, "no routes with ids were found"
    client = walk_app.test_client()
    assert client.login(owner_a.email).status_code == 303
    api_headers = _api_token_headers(a.id, owner_a.id)
    failures = []
    for rule, method, args in routes:
        values = {}
        for arg in args:
            table = arg.removesuffix("_id")
            assert arg.endswith("_id") and table in ids, (
                f"{rule}: the argument <{arg}> must be <int:TABLENAME_id> naming a company- or user-owned table"
            )
            values[arg] = ids[table]
        url = rule
        for arg, value in values.items():
            url = url.replace(f"<int:{arg}>", str(value))
        variants = ({}, {"HX-Request": "true"})
        if rule.startswith("/api/"):  # the API ignores cookies: walk it with company A's read-write token
            variants = (api_headers, api_headers | {"If-Match": "*"})
        for headers in variants:
            response = client.open(url, method=method, data={"name": "x", "role": "member"}, headers=headers)
            if response.status_code != 404:
                failures.append(f"{method} {url} {headers or ''} -> {response.status_code}")
    assert not failures, "routes that did not answer 404:\n" + "\n".join(failures)
    handle.session.expire_all()
    assert snapshot(b.id, user_b.id) == before, "a request from company A changed company B's rows"
