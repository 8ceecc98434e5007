"""What every API resource shares: input validation, per-field errors, ETags and keyset pages.

Plugins use these names too (re-exported from :mod:`crm_platform.plugins`):
:class:`ApiListQuery` (base of a resource's list filters), :class:`ApiValidationError`
(a 422 with an error per field) and :func:`api_page` (a keyset page for a list).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from flask import Response, jsonify, make_response, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import InstrumentedAttribute

from crm_platform.contacts.pagination import Page, decode_cursor, keyset_page

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
BODY_FIELD = "_body"


class ApiValidationError(Exception):
    """Invalid input: answered with 422 and ``{"errors": {field: [message, ...]}}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> ApiValidationError:
        """The error for a single field."""
        return cls({field: [message]})


class ApiListQuery(BaseModel):
    """Query parameters every list endpoint takes; a resource's filters subclass it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    cursor: Annotated[str, Field(max_length=1024, description="Opaque cursor from `next_cursor` of the previous page.")] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Rows per page (1-{MAX_LIMIT}).")] = DEFAULT_LIMIT
    q: Annotated[str, Field(max_length=200, description="Search words; each must match.")] | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _clean_text(value)


class ApiInput(BaseModel):
    """Base of request bodies: unknown fields are errors, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _clean_text(value)


def aware(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite returns naive ones)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def field_path(loc: Sequence[Any]) -> str:
    """A pydantic error location as a field name: nested fields dotted, list items indexed (``emails[1].email``)."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def pydantic_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Turn pydantic's errors into ``{field: [messages]}`` (see :func:`field_path`)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        field = field_path(error.get("loc", ())) or BODY_FIELD
        errors.setdefault(field, []).append(error.get("msg", "Invalid value."))
    return errors


def validation_response(errors: dict[str, list[str]]) -> Response:
    """The 422 answer for ``errors``."""
    return make_response(jsonify(errors=errors), 422)


def parse_body(schema: type[BaseModel]) -> BaseModel:
    """Validate the JSON request body with ``schema``; raise :class:`ApiValidationError`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiValidationError.one(BODY_FIELD, "Send a JSON object with Content-Type: application/json.")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ApiValidationError(pydantic_errors(exc)) from exc


def parse_query(schema: type[ApiListQuery]) -> ApiListQuery:
    """Validate the query string with ``schema``; raise :class:`ApiValidationError`."""
    try:
        return schema.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiValidationError(pydantic_errors(exc)) from exc


def _kind(column: InstrumentedAttribute[Any]) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:  # pragma: no cover - every sort column has one
        return str


def api_page(
    stmt: sa.Select[Any], sort: Sequence[InstrumentedAttribute[Any]], query: ApiListQuery, descending: bool = False
) -> Page[Any]:
    """One keyset page of ``stmt`` after ``query.cursor`` (``sort`` must end with the primary key).

    Unlike the HTML lists, a cursor that does not decode is an error (422 on ``cursor``),
    so a client never silently starts over from the first page.
    """
    if query.cursor:
        values = decode_cursor(query.cursor, [_kind(column) for column in sort])
        if values is None or not all(_clean_cursor_value(value) for value in values):
            raise ApiValidationError.one("cursor", "This cursor is not valid for this list.")
    return keyset_page(stmt, sort, query.cursor, query.limit, descending=descending)


def _clean_cursor_value(value: Any) -> bool:
    """False for values no database column holds (NUL, lone surrogates, out-of-range numbers)."""
    if isinstance(value, str):
        try:
            _clean_text(value)
        except ValueError:
            return False
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return False
    if isinstance(value, datetime):
        try:
            _utc(value)
        except ValueError:
            return False
    return True


def serialize(schema: type[BaseModel], row: Any) -> dict[str, Any]:
    """``row`` (an ORM object or a mapping) as the JSON-ready dict described by ``schema``."""
    return schema.model_validate(row, from_attributes=True).model_dump(mode="json")


def etag_of(data: dict[str, Any]) -> str:
    """The strong ETag of a representation: a hash of its JSON (any change changes it)."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def if_match_problem(current: str) -> tuple[int, str] | None:
    """Check ``If-Match`` against the current ETag: ``(428|412, message)`` or None when it matches."""
    header = request.headers.get("If-Match")
    if not header:
        return 428, "Send If-Match with the ETag of the version you read (GET the resource first)."
    wanted = {part.strip().removeprefix("W/") for part in header.split(",")}
    if current in wanted:
        return None
    return 412, "This resource changed since you read it. GET it again, then retry."


# Field types shared by the schemas -------------------------------------------------

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _utc(value: datetime) -> datetime:
    try:
        return aware(value).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("This time is out of range.") from exc


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text may not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("Text must be valid UTF-8.") from exc
    return value


def text(max_length: int, min_length: int = 0, description: str | None = None) -> Any:
    """A trimmed string type with length limits that refuses NUL and invalid UTF-8."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, description=description), AfterValidator(_clean_text)]
