"""The OpenAPI 3.1 document, generated from the registered resources and their pydantic schemas.

Pydantic's JSON Schema (draft 2020-12) is what OpenAPI 3.1 uses, so component schemas
are pydantic's output with ``$ref`` pointing at ``#/components/schemas``. Nothing here
is written by hand per resource: a new resource (core or plugin) appears by itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, create_model
from pydantic.json_schema import models_json_schema

from crm_platform.api.framework import ApiListQuery
from crm_platform.api.routes import id_argument, operations
from crm_platform.plugins.types import ApiResource

REF = "#/components/schemas/{model}"
ERROR = {"$ref": "#/components/schemas/Error"}
RATE_HEADERS = {
    "X-RateLimit-Limit": {"description": "Requests allowed per window for this token.", "schema": {"type": "string"}},
    "X-RateLimit-Remaining": {"description": "Requests left in this window.", "schema": {"type": "string"}},
}
ETAG_HEADER = {"ETag": {"description": "Version of the resource; send it back in If-Match.", "schema": {"type": "string"}}}
ERROR_RESPONSES = {
    "401": "Missing, unknown or revoked token.",
    "403": "The token's scope or the user's role does not allow this.",
    "404": "No such resource in the token's company.",
    "409": "Somebody changed the resource at the same moment: read it again and retry.",
    "412": "If-Match does not match the current ETag: the resource changed.",
    "422": "Invalid input: an error per field.",
    "428": "If-Match is required.",
    "429": "Rate limit of the token exceeded.",
}
INFO_DESCRIPTION = (
    "JSON API of the CRM. Authenticate with a personal API token (Account → API tokens): "
    "`Authorization: Bearer <token>`. Lists use keyset pagination: pass `next_cursor` as `cursor`. "
    "Single resources carry an `ETag`; PATCH and DELETE require `If-Match` with it."
)


class Error(BaseModel):
    """An error answer."""

    class Detail(BaseModel):
        status: int
        title: str
        message: str

    error: Detail


class ValidationErrors(BaseModel):
    """Invalid input: messages per field (``_body`` for the body as a whole)."""

    errors: dict[str, list[str]]


def _list_model(resource: ApiResource) -> type[BaseModel]:
    return _list_model_of(resource.schema)


@lru_cache(maxsize=None)
def _list_model_of(schema: type[BaseModel]) -> type[BaseModel]:
    """The page envelope of a schema: ``{"data": [...], "next_cursor": str | null}``."""
    return create_model(f"{schema.__name__}List", data=(list[schema], ...), next_cursor=(str | None, ...))  # type: ignore[valid-type]


def _strip_null_defaults(node: Any) -> Any:
    """Drop ``default: null`` (PATCH fields are optional, not nullable)."""
    if isinstance(node, dict):
        return {k: _strip_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)}
    if isinstance(node, list):
        return [_strip_null_defaults(v) for v in node]
    return node


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter cannot be null: ``anyOf [X, null]`` becomes ``X``."""
    options = schema.get("anyOf")
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            merged.update(kept[0])
            return merged
    return schema


def query_parameters(model: type[ApiListQuery]) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of a list's query schema."""
    schema = model.model_json_schema(ref_template=REF)
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(_strip_null_defaults(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _errors(*codes: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for code in codes:
        ref = {"$ref": "#/components/schemas/ValidationErrors"} if code == "422" else ERROR
        responses[code] = {"description": ERROR_RESPONSES[code], "content": {"application/json": {"schema": ref}}}
    return responses


def _json(ref: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}
    if headers:
        out["headers"] = headers
    return out


def _operation(resource: ApiResource, op: str, refs: dict[Any, str]) -> dict[str, Any]:
    tag = resource.title or resource.name
    one = refs[(resource.schema, "serialization")]
    noun = resource.schema.__name__.lower()
    a_noun = ("an " if noun[:1] in "aeio" else "a ") + noun
    base = {"tags": [tag], "operationId": f"{resource.name}_{op}"}
    if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}, "description": "The ETag you read."}
    if op == "list":
        return base | {
            "summary": f"List {tag.lower()}",
            "parameters": query_parameters(resource.query_schema),  # type: ignore[arg-type]
            "responses": {"200": _json(refs[(_list_model(resource), "serialization")], "One page.", RATE_HEADERS)}
            | _errors("401", "403", "404", "422", "429"),
        }
    if op == "create":
        return base | {
            "summary": f"Create {a_noun}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": refs[(resource.create_schema, "validation")]}}}},
            "responses": {"201": _json(one, "Created.", ETAG_HEADER | {"Location": {"schema": {"type": "string"}}})}
            | _errors("401", "403", "404", "422", "429"),
        }
    if op == "read":
        return base | {"summary": f"Read {a_noun}", "responses": {"200": _json(one, "The resource.", ETAG_HEADER)} | _errors("401", "403", "404", "429")}
    if op == "update":
        return base | {
            "summary": f"Update {a_noun} (only the fields sent change)",
            "parameters": [if_match],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": refs[(resource.update_schema, "validation")]}}}},
            "responses": {"200": _json(one, "Updated.", ETAG_HEADER)} | _errors("401", "403", "404", "409", "412", "422", "428", "429"),
        }
    return base | {
        "summary": f"Delete {a_noun}",
        "parameters": [if_match],
        "responses": {"204": {"description": "Deleted."}} | _errors("401", "403", "404", "409", "412", "428", "429"),
    }


def build_spec(resources: list[ApiResource], version: str = "1.0.0") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for ``resources``."""
    wanted: list[tuple[type[BaseModel], str]] = [(Error, "serialization"), (ValidationErrors, "serialization")]
    for resource in resources:
        wanted.append((resource.schema, "serialization"))
        if resource.list is not None:
            wanted.append((_list_model(resource), "serialization"))
        if resource.create_schema is not None:
            wanted.append((resource.create_schema, "validation"))
        if resource.update_schema is not None:
            wanted.append((resource.update_schema, "validation"))
    keys, defs = models_json_schema(wanted, ref_template=REF)  # type: ignore[arg-type]
    refs = {key: value["$ref"] for key, value in keys.items()}
    paths: dict[str, Any] = {}
    tags = []
    for resource in resources:
        tags.append({"name": resource.title or resource.name, "description": resource.description})
        arg = id_argument(resource)
        id_param = {"name": arg, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
        for op in operations(resource):
            with_id = op in ("read", "update", "delete")
            path = f"/api/v1/{resource.name}/{{{arg}}}" if with_id else f"/api/v1/{resource.name}"
            entry = paths.setdefault(path, {"parameters": [id_param]} if with_id else {})
            method = {"list": "get", "create": "post", "read": "get", "update": "patch", "delete": "delete"}[op]
            entry[method] = _operation(resource, op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "CRM API", "version": version, "description": INFO_DESCRIPTION},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": _strip_null_defaults(defs.get("$defs", {})),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal API token."}},
        },
    }
