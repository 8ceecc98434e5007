"""Pydantic schemas of the core's API resources: what they return, accept and filter on.

Adding a field to a resource is one line here (and one in the resource's ``apply``):
output schemas read ORM attributes by name, input schemas list what a client may set.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model, field_validator

from crm_platform.api.framework import ApiInput, ApiListQuery, Id, UtcDatetime, text
from crm_platform.contacts.details import MAX_ENTRIES, DetailError, normalise_email, normalise_phone
from crm_platform.contacts.forms import PHONE_PATTERN, normalize_website
from crm_platform.contacts.models import ACTIVITY_KINDS, EMAIL_LABELS, LIFECYCLE_STAGES, PHONE_LABELS

Stage = Literal[LIFECYCLE_STAGES]  # type: ignore[valid-type]
Kind = Literal[ACTIVITY_KINDS]  # type: ignore[valid-type]
EmailLabel = Literal[EMAIL_LABELS]  # type: ignore[valid-type]
PhoneLabel = Literal[PHONE_LABELS]  # type: ignore[valid-type]


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


class EmailAddress(Output):
    """One of a person's email addresses."""

    email: str
    label: str
    is_primary: bool


class PhoneNumber(Output):
    """One of a person's phone numbers (E.164)."""

    number: str
    label: str
    is_primary: bool


class Person(Output):
    """A contact. ``email`` and ``phone`` are the primary ones of ``emails`` and ``phones``."""

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
    street: str
    postal_code: str
    city: str
    region: str
    country: str
    website: str
    source: str
    emails: list[EmailAddress]
    phones: list[PhoneNumber]
    tags: list[str] = Field(description="Tag names.")
    custom_fields: dict[str, Any] = Field(
        validation_alias=AliasChoices("api_custom_fields", "custom_fields"),
        description="Values by custom field key (see /api/v1/custom-fields): text, a list for multi-selects, a boolean for checkboxes.",
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_names(cls, value: Any) -> Any:
        return [getattr(tag, "name", tag) for tag in value or []]


def checked_email(value: str) -> str:
    """An email address as the person form stores it (checked, domain lower-cased); ValueError otherwise."""
    try:
        return normalise_email(value)
    except DetailError as exc:
        raise ValueError("Enter a valid email address.") from exc


def checked_phone(value: str) -> str:
    """A phone number in E.164, read like the person form does (no ``+``: the company's phone region)."""
    import re

    from flask import g, has_app_context

    if not re.fullmatch(PHONE_PATTERN, value):
        raise ValueError("Use digits, spaces and + ( ) - . only.")
    region = (getattr(g.get("company"), "phone_region", "") or "") if has_app_context() else ""
    try:
        return normalise_phone(value, region)
    except DetailError as exc:
        raise ValueError(str(exc)) from exc


PRIMARY_DESCRIPTION = "The primary one (at most one in the list; when none is, the first is). `is_primary`, as in answers, is accepted too."


class EmailAddressInput(ApiInput):
    """One entry of ``emails`` when writing a person (answers use :class:`EmailAddress`)."""

    email: text(254, min_length=1, description="An email address; stored with its domain lower-cased.")
    label: EmailLabel = "work"
    primary: bool = Field(default=False, validation_alias=AliasChoices("primary", "is_primary"), description=PRIMARY_DESCRIPTION)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return checked_email(value)


class PhoneNumberInput(ApiInput):
    """One entry of ``phones`` when writing a person (answers use :class:`PhoneNumber`)."""

    number: text(40, min_length=1, description="Any notation; stored in E.164. Without + and a country code it is read in the company's default phone region.")
    label: PhoneLabel = "mobile"
    primary: bool = Field(default=False, validation_alias=AliasChoices("primary", "is_primary"), description=PRIMARY_DESCRIPTION)

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        return checked_phone(value)


class PersonCreate(ApiInput):
    """A new person: a first or a last name is required.

    ``emails`` and ``phones`` replace the person's whole lists; ``email`` and ``phone``
    (older clients) set only the primary entry. Sending both ``email`` and ``emails``
    (or ``phone`` and ``phones``) is a 422.
    """

    first_name: text(100) = ""
    last_name: text(100) = ""
    email: text(255, description="The primary email address, or empty. Not together with `emails`.") = ""
    phone: text(40, description="The primary phone number (digits, spaces and + ( ) - . only), or empty. Not together with `phones`.") = ""
    emails: list[EmailAddressInput] = Field(
        default_factory=list, max_length=MAX_ENTRIES,
        description="Every email address of the person, replacing the stored ones (an empty list removes them all).")
    phones: list[PhoneNumberInput] = Field(
        default_factory=list, max_length=MAX_ENTRIES,
        description="Every phone number of the person, replacing the stored ones (an empty list removes them all).")
    job_title: text(120) = ""
    lifecycle_stage: Stage = "lead"
    organization_id: Id | None = Field(default=None, description="An organization of the company, or null.")
    owner_id: Id | None = Field(default=None, description="A user of the company, or null.")
    street: text(200) = ""
    postal_code: text(20) = ""
    city: text(120) = ""
    region: text(120) = ""
    country: text(120) = ""
    website: text(255, description="A web address such as example.com, or empty.") = ""
    source: text(60, description="Where the contact came from (web form, fair...).") = ""
    tags: list[text(60, min_length=1)] = Field(default_factory=list, max_length=50, description="Tag names; the person gets exactly these (new ones are created).")
    custom_fields: dict[text(60), Any] = Field(default_factory=dict, description="Values by custom field key; keys left out keep their value.")

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        normalized = normalize_website(value)
        if len(normalized) > 255:
            raise ValueError("Keep the web address under 255 characters.")
        return normalized

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return checked_email(value) if value else value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return checked_phone(value) if value else value


PersonUpdate = partial(PersonCreate, "PersonUpdate")


class PersonQuery(ApiListQuery):
    """Filters of the people list (sorted by last name, first name, id)."""

    lifecycle_stage: Stage | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None
    updated_since: UtcDatetime | None = Field(default=None, description="Only people changed at or after this time.")
    tag: text(60) | None = Field(default=None, description="Only people with this tag (name, any case).")


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


# Tags and custom fields ----------------------------------------------------------


class Tag(Output):
    """A label people carry; names are unique per company (any case)."""

    id: int
    name: str
    created_at: UtcDatetime


class TagCreate(ApiInput):
    """A new tag (an existing name gives 422)."""

    name: text(60, min_length=1)


class TagUpdate(ApiInput):
    """Rename a tag."""

    name: text(60, min_length=1) = None  # type: ignore[assignment]


class TagQuery(ApiListQuery):
    """The tags, by name; ``q`` matches names."""


class CustomField(Output):
    """A field the company added to people or organizations (managed in the company settings)."""

    id: int
    entity: Literal["person", "organization"]
    key: str = Field(description="The key of its value in `custom_fields`.")
    label: str
    field_type: Literal["text", "number", "date", "select", "multiselect", "checkbox", "url"]
    options: list[str]
    required: bool


class CustomFieldQuery(ApiListQuery):
    """Custom field definitions in their order."""

    entity: Literal["person", "organization"] | None = None
