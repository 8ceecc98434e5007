"""Pydantic schemas of the core's API resources: what they return, accept and filter on.

Adding a field to a resource is one line here (and one in the resource's ``apply``):
output schemas read ORM attributes by name, input schemas list what a client may set.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from crm_platform.api.framework import ApiInput, ApiListQuery, Id, UtcDatetime, text
from crm_platform.contacts.forms import PHONE_PATTERN, normalize_website
from crm_platform.contacts.models import ACTIVITY_KINDS, LIFECYCLE_STAGES

Stage = Literal[LIFECYCLE_STAGES]  # type: ignore[valid-type]
Kind = Literal[ACTIVITY_KINDS]  # type: ignore[valid-type]


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """``model`` with every field optional (for PATCH): only the fields sent are applied."""
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[key] = (info.annotation, optional)
    return create_model(name, __base__=model, **fields)


class Output(BaseModel):
    """Base of response schemas: read from ORM attributes."""

    model_config = ConfigDict(from_attributes=True)


# People --------------------------------------------------------------------------


class Person(Output):
    """A contact."""

    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    job_title: str
    lifecycle_stage: Stage
    organization_id: int | None
    owner_id: int | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class PersonCreate(ApiInput):
    """A new person: a first or a last name is required."""

    first_name: text(100) = ""
    last_name: text(100) = ""
    email: text(255, description="An email address, or empty.") = ""
    phone: text(40, description="Digits, spaces and + ( ) - . only.") = ""
    job_title: text(120) = ""
    lifecycle_stage: Stage = "lead"
    organization_id: Id | None = Field(default=None, description="An organization of the company, or null.")
    owner_id: Id | None = Field(default=None, description="A user of the company, or null.")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            return value
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError("Enter a valid email address.") from exc

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        import re

        if value and not re.fullmatch(PHONE_PATTERN, value):
            raise ValueError("Use digits, spaces and + ( ) - . only.")
        return value


PersonUpdate = partial(PersonCreate, "PersonUpdate")


class PersonQuery(ApiListQuery):
    """Filters of the people list (sorted by last name, first name, id)."""

    lifecycle_stage: Stage | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None
    updated_since: UtcDatetime | None = Field(default=None, description="Only people changed at or after this time.")


# Organizations -------------------------------------------------------------------


class Organization(Output):
    """A business the company deals with."""

    id: int
    name: str
    website: str
    industry: str
    city: str
    country: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class OrganizationCreate(ApiInput):
    """A new organization: the name is required."""

    name: text(200, min_length=1)
    website: text(255, description="A web address such as example.com, or empty.") = ""
    industry: text(120) = ""
    city: text(120) = ""
    country: text(120) = ""

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        normalized = normalize_website(value)
        if len(normalized) > 255:
            raise ValueError("Keep the web address under 255 characters.")
        return normalized


OrganizationUpdate = partial(OrganizationCreate, "OrganizationUpdate")


class OrganizationQuery(ApiListQuery):
    """Filters of the organizations list (sorted by name, id)."""

    updated_since: UtcDatetime | None = Field(default=None, description="Only organizations changed at or after this time.")


# Timeline ------------------------------------------------------------------------


class Activity(Output):
    """A timeline entry about a person and/or an organization."""

    id: int
    kind: str
    body: str
    person_id: int | None
    organization_id: int | None
    author_id: int | None
    created_at: UtcDatetime


class ActivityCreate(ApiInput):
    """A new timeline entry about a person (and their organization) or an organization."""

    kind: Kind = "note"
    body: text(10000, min_length=1)
    person_id: Id | None = None
    organization_id: Id | None = None


class ActivityUpdate(ApiInput):
    """Change the kind or the text of an entry."""

    kind: Kind = None  # type: ignore[assignment]
    body: text(10000, min_length=1) = None  # type: ignore[assignment]


class ActivityQuery(ApiListQuery):
    """Filters of the timeline (newest first)."""

    person_id: Id | None = None
    organization_id: Id | None = None
    author_id: Id | None = None
    kind: text(30) | None = None
    created_since: UtcDatetime | None = Field(default=None, description="Only entries created at or after this time.")


# Users ---------------------------------------------------------------------------


class User(Output):
    """A member of the company (read only)."""

    id: int
    name: str
    email: str
    role: str


class UserQuery(ApiListQuery):
    """Filters of the users list (sorted by id); ``q`` searches names and emails."""

    role: Literal["owner", "admin", "member", "readonly"] | None = None
