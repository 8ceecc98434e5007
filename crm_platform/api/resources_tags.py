"""Tags and custom field definitions through the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from crm_platform.api import schemas
from crm_platform.api.framework import ApiValidationError, api_page
from crm_platform.contacts import services
from crm_platform.contacts.models import Tag
from crm_platform.contacts.pagination import Page
from crm_platform.customfields.models import CustomField
from crm_platform.extensions import db
from crm_platform.plugins.types import ApiResource


def list_tags(query: schemas.TagQuery) -> Page[Tag]:
    """Tags by name (``q`` matches names)."""
    stmt = select(Tag)
    for term in services.search_terms(query.q):
        stmt = stmt.where(Tag.name.ilike(services.like_pattern(term), escape="\\"))
    return api_page(stmt, (Tag.name, Tag.id), query)


def _unique(name: str, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    stmt = select(Tag.id).where(func.lower(Tag.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(Tag.id != exclude)
    if db.session.scalars(stmt).first() is not None:
        raise ApiValidationError.one("name", "A tag with this name exists.")
    return name


def create_tag(data: schemas.TagCreate) -> Tag:
    """A new tag."""
    tag = Tag(name=_unique(data.name))
    db.session.add(tag)
    db.session.flush()
    return tag


def update_tag(tag: Tag, data: Any) -> None:
    """Rename a tag (its people keep it)."""
    if "name" in data.model_fields_set:
        if data.name is None:
            raise ApiValidationError.one("name", "This field may not be null.")
        tag.name = _unique(data.name, exclude=tag.id)


def delete_tag(tag: Tag) -> None:
    """Delete a tag; it is taken off every person."""
    db.session.delete(tag)


def list_custom_fields(query: schemas.CustomFieldQuery) -> Page[CustomField]:
    """Custom field definitions by id, optionally for one entity."""
    stmt = select(CustomField)
    if query.entity:
        stmt = stmt.where(CustomField.entity == query.entity)
    for term in services.search_terms(query.q):
        stmt = stmt.where(CustomField.label.ilike(services.like_pattern(term), escape="\\"))
    return api_page(stmt, (CustomField.id,), query)


RESOURCES: list[ApiResource] = [
    ApiResource(
        name="tags", model=Tag, schema=schemas.Tag, title="Tags",
        description="Labels on people. Set a person's tags with `tags` on the person.",
        list=list_tags, query_schema=schemas.TagQuery,
        create=create_tag, create_schema=schemas.TagCreate,
        update=update_tag, update_schema=schemas.TagUpdate, delete=delete_tag,
    ),
    ApiResource(
        name="custom-fields", model=CustomField, schema=schemas.CustomField, title="Custom fields",
        description="The company's custom fields (read only; admins manage them in the settings). "
        "Values are in `custom_fields` of people, by `key`.",
        list=list_custom_fields, query_schema=schemas.CustomFieldQuery,
    ),
]
