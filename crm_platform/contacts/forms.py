"""Forms for people, organizations, activities and the list filters."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from crm_platform.contacts import services
from crm_platform.contacts.models import LIFECYCLE_STAGES, Organization
from crm_platform.numbers import is_digits

try:  # WTForms >= 3.3 wants SelectChoice records; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice as _SelectChoice
except ImportError:  # pragma: no cover - WTForms 3.2
    _SelectChoice = None


def choice(value: str, label: str) -> Any:
    """One option of a select box, in the form the installed WTForms expects."""
    return _SelectChoice(value, label) if _SelectChoice is not None else (value, label)


STAGE_CHOICES: list[Any] = [choice(stage, stage.capitalize()) for stage in LIFECYCLE_STAGES]
PHONE_PATTERN = r"^[0-9+()./#*\s\-xXext]*$"
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+$")


def strip(value: Any) -> Any:
    """WTForms filter: trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


def normalize_website(value: str) -> str:
    """Return ``value`` as an http(s) URL, adding ``https://`` to a bare domain.

    Raises ``ValueError`` for anything else (``javascript:`` and friends included),
    so a stored website is always safe to use as a link.
    """
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    problem = ValueError("Enter a web address such as example.com or https://example.com.")
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise problem from exc
    if parts.scheme.lower() not in ("http", "https") or not _HOST_PATTERN.match(host):
        raise problem
    return value


def _id_choices(pairs: list[tuple[int, str]], empty_label: str) -> list[Any]:
    return [choice("", empty_label)] + [choice(str(key), label) for key, label in pairs]


def id_text(value: Any) -> str:
    """Coerce a row id (int, text or None) to the text a select box uses; None is ``""``."""
    return "" if value is None else str(value)


class IdSelectField(SelectField):
    """A select box of row ids held as text, where ``""`` (and a missing value) means none."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [])
        super().__init__(label, coerce=id_text, default="", **kwargs)

    def process_data(self, value: Any) -> None:
        """Take ``None`` from the model as ``""`` (WTForms leaves ``None`` uncoerced)."""
        self.data = id_text(value)


class OrganizationField(IdSelectField):
    """The organization select box: it lists a page of choices, but accepts any of the company's."""

    more_available = False

    def pre_validate(self, form: Any) -> None:
        """Accept ``""`` or the id of an organization of the current company (scoped look-up)."""
        if not self.data:
            return
        if not is_digits(str(self.data)) or services.find_organization(int(self.data)) is None:
            raise ValidationError("Choose an organization of this company.")


def optional_int(value: str | None) -> int | None:
    """``"12"`` → 12, ``""`` → None (select boxes send ids as text)."""
    return int(value) if value else None


def __getattr__(name: str) -> Any:
    """``PersonForm`` and ``person_form`` moved to :mod:`crm_platform.contacts.person_forms`."""
    if name in ("PersonForm", "person_form"):
        from crm_platform.contacts import person_forms

        return getattr(person_forms, name)
    raise AttributeError(name)


class OrganizationForm(FlaskForm):
    """Create or edit an organization."""

    name = StringField("Name", filters=[strip], validators=[DataRequired(message="Enter a name."), Length(max=200)])
    website = StringField("Website", filters=[strip], validators=[Length(max=255)])
    industry = StringField("Industry", filters=[strip], validators=[Length(max=120)])
    city = StringField("City", filters=[strip], validators=[Length(max=120)])
    country = StringField("Country", filters=[strip], validators=[Length(max=120)])
    version = HiddenField()

    def validate_website(self, field: StringField) -> None:
        """Only http(s) addresses: the website is shown as a link."""
        try:
            field.data = normalize_website(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if len(field.data) > 255:
            raise ValidationError("Use at most 255 characters.")

    def apply_to(self, organization: Organization) -> None:
        """Copy the validated data onto ``organization``."""
        organization.name = self.name.data
        organization.website = self.website.data or ""
        organization.industry = self.industry.data or ""
        organization.city = self.city.data or ""
        organization.country = self.country.data or ""


class PeopleFilterForm(FlaskForm):
    """Search box and filters of the people list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search", filters=[strip], validators=[Length(max=200)])
    stage = SelectField("Stage", choices=[choice("", "All stages"), *STAGE_CHOICES], default="")
    organization = StringField("Organization", validators=[Optional(), Regexp(r"^\d{1,18}$", message="Not an organization.")])
    cursor = StringField("Cursor")


class OrganizationFilterForm(FlaskForm):
    """Search box of the organization list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search", filters=[strip], validators=[Length(max=200)])
    sort = StringField("Sort", filters=[strip])  # an unknown sort is not an error: the list says it used the default
    cursor = StringField("Cursor")
