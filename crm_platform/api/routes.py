"""The ``api`` blueprint: five generic views per :class:`ApiResource`, built once per app.

Each view checks the plugin's activation for the company, the permission (and, for
writes, the token's scope), finds rows through the scoped session (404 otherwise),
validates input (422 with an error per field) and protects updates with ETag/If-Match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, make_response, url_for
from sqlalchemy import select

from crm_platform.api import auth
from crm_platform.api.framework import (
    ApiListQuery,
    ApiValidationError,
    etag_of,
    if_match_problem,
    parse_body,
    parse_query,
    serialize,
    validation_response,
)
from crm_platform.errors import error_response
from crm_platform.extensions import db
from crm_platform.plugins.types import ApiResource

MAX_ID = 2**31 - 1


def id_argument(resource: ApiResource) -> str:
    """The URL argument naming a row: ``<TABLENAME>_id`` (what the route walker expects)."""
    return f"{resource.model.__tablename__}_id"


def find_row(resource: ApiResource, row_id: int) -> Any:
    """The row ``row_id`` of the current company, else abort with 404."""
    if row_id > MAX_ID:
        abort(404)
    if resource.get is not None:
        row = resource.get(row_id)
    else:
        key = sa.inspect(resource.model).primary_key[0]
        row = db.session.scalars(select(resource.model).where(key == row_id)).first()
    if row is None:
        abort(404)
    return row


def _gate(resource: ApiResource, write: bool) -> None:
    from crm_platform.plugins.runtime import is_enabled

    if resource.plugin and not is_enabled(resource.plugin):
        abort(404)
    problem = auth.read_problem(resource.view_permission)
    if problem is None and write:
        problem = auth.write_problem(resource.edit_permission)
    if problem is not None:
        abort(error_response(403, problem))


def represent(resource: ApiResource, rows: list[Any]) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts (after the resource's ``prepare``)."""
    if resource.prepare is not None and rows:
        resource.prepare(rows)
    return [serialize(resource.schema, row) for row in rows]


def one(resource: ApiResource, row: Any, status: int = 200) -> Response:
    """A single row as JSON with its ETag."""
    [data] = represent(resource, [row])
    response = make_response(jsonify(data), status)
    response.headers["ETag"] = etag_of(data)
    return response


def _check_version(resource: ApiResource, row: Any) -> None:
    problem = if_match_problem(etag_of(represent(resource, [row])[0]))
    if problem is not None:
        abort(error_response(*problem))


def _views(resource: ApiResource) -> dict[str, Callable[..., Response]]:
    arg = id_argument(resource)

    def list_view() -> Response:
        _gate(resource, write=False)
        query = parse_query(resource.query_schema or ApiListQuery)
        page = resource.list(query)  # type: ignore[misc]
        return jsonify(data=represent(resource, list(page.items)), next_cursor=page.next_cursor)

    def create_view() -> Response:
        _gate(resource, write=True)
        data = parse_body(resource.create_schema)  # type: ignore[arg-type]
        row = resource.create(data)  # type: ignore[misc]
        db.session.flush()
        db.session.commit()
        response = one(resource, row, 201)
        response.headers["Location"] = url_for(f"api.{resource.name}_read", **{arg: row.id})
        return response

    def read_view(**kwargs: int) -> Response:
        row = find_row(resource, kwargs[arg])
        _gate(resource, write=False)
        return one(resource, row)

    def update_view(**kwargs: int) -> Response:
        row = find_row(resource, kwargs[arg])
        _gate(resource, write=True)
        _check_version(resource, row)
        data = parse_body(resource.update_schema)  # type: ignore[arg-type]
        resource.update(row, data)  # type: ignore[misc]
        db.session.flush()
        db.session.commit()
        return one(resource, row)

    def delete_view(**kwargs: int) -> Response:
        row = find_row(resource, kwargs[arg])
        _gate(resource, write=True)
        _check_version(resource, row)
        resource.delete(row)  # type: ignore[misc]
        db.session.commit()
        return make_response("", 204)

    views: dict[str, Callable[..., Response]] = {"read": read_view}
    if resource.list is not None:
        views["list"] = list_view
    if resource.create is not None and resource.create_schema is not None:
        views["create"] = create_view
    if resource.update is not None and resource.update_schema is not None:
        views["update"] = update_view
    if resource.delete is not None:
        views["delete"] = delete_view
    return views


OPERATIONS: dict[str, tuple[str, bool]] = {
    "list": ("GET", False),
    "create": ("POST", False),
    "read": ("GET", True),
    "update": ("PATCH", True),
    "delete": ("DELETE", True),
}


def operations(resource: ApiResource) -> list[str]:
    """The operations a resource offers, in document order."""
    return [name for name in OPERATIONS if name in _views(resource)]


def add_resource(bp: Blueprint, resource: ApiResource) -> None:
    """Register the routes of ``resource`` on the API blueprint."""
    for name, view in _views(resource).items():
        method, with_id = OPERATIONS[name]
        rule = f"/{resource.name}/<int:{id_argument(resource)}>" if with_id else f"/{resource.name}"
        bp.add_url_rule(rule, f"{resource.name}_{name}", view, methods=[method])


def _validation_error(exc: ApiValidationError) -> Response:
    db.session.rollback()
    return validation_response(exc.errors)


def build_blueprint(resources: list[ApiResource]) -> Blueprint:
    """A fresh ``api`` blueprint for one application, with every resource and the docs."""
    from crm_platform.api import docs

    bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")
    bp.before_request(auth.authenticate)
    bp.after_request(auth.add_rate_headers)
    bp.register_error_handler(ApiValidationError, _validation_error)
    bp.add_url_rule("/openapi.json", "openapi", docs.openapi_json, methods=["GET"])
    bp.add_url_rule("/docs", "docs", docs.docs_page, methods=["GET"])
    for resource in resources:
        add_resource(bp, resource)
    return bp
