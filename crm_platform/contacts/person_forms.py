"""The person form: names, several emails, phones and organizations, address, web, tags.

Emails, phones and organizations are lists of rows (``emails-0-email``,
``phones-1-number``, ``organizations-0-organization_id``) with a primary radio per
list (``email_primary`` holds the row's index). Each row shows its own error. The
company's custom fields are read beside the WTForms fields (``cf_<key>``).
"""

from __future__ import annotations

from typing import Any

from flask import g
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from crm_platform.contacts import services
from crm_platform.contacts.details import (
    DetailError,
    EmailEntry,
    MembershipEntry,
    PhoneEntry,
    clean_tag_names,
    normalise_email,
    normalise_phone,
    set_emails,
    set_memberships,
    set_phones,
)
from crm_platform.contacts.forms import (
    STAGE_CHOICES,
    IdSelectField,
    OrganizationField,
    _id_choices,
    choice,
    normalize_website,
    optional_int,
    strip,
)
from crm_platform.contacts.models import EMAIL_LABELS, PHONE_LABELS, Person
from crm_platform.contacts.social import NETWORKS, SocialError, normalise_handle
from crm_platform.numbers import is_digits, parse_id
from flask_wtf import FlaskForm

MAX_ROWS = 20
LEGACY_NAMES = {"email": "emails-0-email", "phone": "phones-0-number",
                "organization_id": "organizations-0-organization_id", "job_title": "organizations-0-role"}


class EmailRow(Form):
    """One email address with its label."""

    email = StringField("Email", filters=[strip], validators=[Length(max=254)])
    label = SelectField("Label", choices=[choice(v, v.capitalize()) for v in EMAIL_LABELS], default="work",
                        validate_choice=False)

    def validate_email(self, field: StringField) -> None:
        """A valid address, normalised (domain lower-cased)."""
        if field.data:
            try:
                field.data = normalise_email(field.data)
            except DetailError as error:
                raise ValidationError("Enter a valid email address.") from error


class PhoneRow(Form):
    """One phone number (checked by the person form, which knows the company's region)."""

    number = StringField("Phone", filters=[strip], validators=[Length(max=40)])
    label = SelectField("Label", choices=[choice(v, v.capitalize()) for v in PHONE_LABELS], default="mobile",
                        validate_choice=False)


class MembershipRow(Form):
    """One organization with the person's role there."""

    organization_id = OrganizationField("Organization")
    role = StringField("Role or title", filters=[strip], validators=[Length(max=120)])


def _social_fields() -> dict[str, StringField]:
    return {f"social_{n.key}": StringField(n.label, filters=[strip], validators=[Length(max=200)]) for n in NETWORKS}


class PersonForm(FlaskForm):
    """Create or edit a person. Build it with :func:`person_form` (it fills the select boxes)."""

    first_name = StringField("First name", filters=[strip], validators=[Length(max=100)])
    last_name = StringField("Last name", filters=[strip], validators=[Length(max=100)])
    emails = FieldList(FormField(EmailRow), min_entries=1, max_entries=MAX_ROWS)
    phones = FieldList(FormField(PhoneRow), min_entries=1, max_entries=MAX_ROWS)
    organizations = FieldList(FormField(MembershipRow), min_entries=1, max_entries=MAX_ROWS)
    email_primary = HiddenField()
    phone_primary = HiddenField()
    organization_primary = HiddenField()
    street = StringField("Street", filters=[strip], validators=[Length(max=200)])
    postal_code = StringField("Postal code", filters=[strip], validators=[Length(max=20)])
    city = StringField("City", filters=[strip], validators=[Length(max=120)])
    region = StringField("Region or state", filters=[strip], validators=[Length(max=120)])
    country = StringField("Country", filters=[strip], validators=[Length(max=120)])
    website = StringField("Website", filters=[strip], validators=[Length(max=255)])
    lifecycle_stage = SelectField("Lifecycle stage", choices=STAGE_CHOICES, default="lead")
    owner_id = IdSelectField("Owner")
    source = StringField("Source", filters=[strip], validators=[Length(max=60)])
    tags = StringField("Tags", filters=[strip], validators=[Length(max=1000)])
    version = HiddenField()

    phone_region: str = ""

    def validate_website(self, field: StringField) -> None:
        """Only http(s) addresses: the website is shown as a link."""
        try:
            field.data = normalize_website(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then names, phone numbers, duplicates and social handles."""
        valid = super().validate(extra_validators)
        if not (self.first_name.data or self.last_name.data):
            self.first_name.errors = [*self.first_name.errors, "Enter a first or a last name."]
            valid = False
        seen: set[str] = set()
        for row in self.emails:
            address = (row.form.email.data or "").lower()
            if address and not row.form.email.errors:
                if address in seen:
                    row.form.email.errors = [*row.form.email.errors, "This address is listed twice."]
                    valid = False
                seen.add(address)
        numbers: set[str] = set()
        for row in self.phones:
            field = row.form.number
            if not field.data or field.errors:
                continue
            try:
                field.data = normalise_phone(field.data, self.phone_region)
            except DetailError as error:
                field.errors = [*field.errors, str(error)]
                valid = False
                continue
            if field.data in numbers:
                field.errors = [*field.errors, "This number is listed twice."]
                valid = False
            numbers.add(field.data)
        organizations: set[str] = set()
        for row in self.organizations:
            org = row.form.organization_id.data
            if org and org in organizations:
                row.form.organization_id.errors = [*row.form.organization_id.errors, "This organization is listed twice."]
                valid = False
            organizations.add(org)
        for network in NETWORKS:
            field = getattr(self, f"social_{network.key}")
            try:
                field.data = normalise_handle(network, field.data or "")
            except SocialError as error:
                field.errors = [*field.errors, str(error)]
                valid = False
        return valid

    def social_fields(self) -> list[StringField]:
        """The handle inputs, in network order."""
        return [getattr(self, f"social_{n.key}") for n in NETWORKS]

    def tag_names(self) -> list[str]:
        """The tags typed, cleaned (comma-separated)."""
        return clean_tag_names((self.tags.data or "").split(","))

    def apply_to(self, person: Person) -> None:
        """Copy the validated data onto ``person`` (tags and custom fields are the view's job)."""
        person.first_name = self.first_name.data or ""
        person.last_name = self.last_name.data or ""
        emails = [(r.form.email.data, r.form.label.data, r.name) for r in self.emails if r.form.email.data]
        set_emails(person, [EmailEntry(e, l) for e, l, _ in emails], _primary(emails, self.email_primary.data))
        phones = [(r.form.number.data, r.form.label.data, r.name) for r in self.phones if r.form.number.data]
        set_phones(person, [PhoneEntry(n, l) for n, l, _ in phones], _primary(phones, self.phone_primary.data))
        orgs = [(int(r.form.organization_id.data), r.form.role.data or "", r.name)
                for r in self.organizations if r.form.organization_id.data]
        set_memberships(person, [MembershipEntry(o, role) for o, role, _ in orgs],
                        _primary(orgs, self.organization_primary.data))
        for name in ("street", "postal_code", "city", "region", "country", "website", "source"):
            setattr(person, name, getattr(self, name).data or "")
        person.lifecycle_stage = self.lifecycle_stage.data
        person.owner_id = optional_int(self.owner_id.data)
        person.social = {n.key: getattr(self, f"social_{n.key}").data for n in NETWORKS
                         if getattr(self, f"social_{n.key}").data}


for _name, _field in _social_fields().items():
    setattr(PersonForm, _name, _field)  # one handle input per network (WTForms' FormMeta picks them up)


def _primary(rows: list[tuple[Any, Any, str]], chosen: str | None) -> int:
    """The position of the row whose index (``emails-3`` → ``3``) was chosen as primary."""
    for position, (_, _, name) in enumerate(rows):
        if name.rsplit("-", 1)[-1] == (chosen or ""):
            return position
    return 0


def row_index(entry: Any) -> str:
    """The index in a row's input names (``emails-3`` → ``"3"``), for the primary radio."""
    return entry.name.rsplit("-", 1)[-1]


def legacy_formdata(formdata: MultiDict) -> MultiDict:
    """Accept the old single-value names (``email``, ``phone``, ``organization_id``, ``job_title``)."""
    if not any(name in formdata for name in LEGACY_NAMES):
        return formdata
    data = MultiDict(formdata)
    for old, new in LEGACY_NAMES.items():
        if old in data and new not in data:
            data[new] = data[old]
    return data


def _renumbered(formdata: MultiDict, list_name: str, chosen: str | None) -> str:
    """The primary radio's row index after WTForms renumbered the rows 0, 1, 2… (rows may have gaps)."""
    prefix = list_name + "-"
    indices = sorted({int(key[len(prefix):].split("-", 1)[0]) for key in formdata
                      if key.startswith(prefix) and is_digits(key[len(prefix):].split("-", 1)[0])})
    try:
        return str(indices.index(int(chosen or "")))
    except ValueError:
        return "0"


def _primary_index(items: list[Any]) -> str:
    for index, item in enumerate(items):
        if item.is_primary:
            return str(index)
    return "0"


def initial_data(person: Person) -> dict[str, Any]:
    """The form's values for an existing person (lists fall back to the mirror columns)."""
    data: dict[str, Any] = {name: getattr(person, name) for name in (
        "first_name", "last_name", "street", "postal_code", "city", "region", "country", "website",
        "lifecycle_stage", "owner_id", "source", "version")}
    data["version"] = str(person.version)
    data["emails"] = [{"email": e.email, "label": e.label} for e in person.emails] or (
        [{"email": person.email, "label": "work"}] if person.email else [])
    data["phones"] = [{"number": p.number, "label": p.label} for p in person.phones] or (
        [{"number": person.phone, "label": "mobile"}] if person.phone else [])
    data["organizations"] = [{"organization_id": m.organization_id, "role": m.role} for m in person.memberships] or (
        [{"organization_id": person.organization_id, "role": person.job_title}] if person.organization_id else [])
    data["tags"] = ", ".join(tag.name for tag in person.tags)
    data["email_primary"] = _primary_index(person.emails)
    data["phone_primary"] = _primary_index(person.phones)
    data["organization_primary"] = _primary_index(person.memberships)
    for network in NETWORKS:
        data[f"social_{network.key}"] = (person.social or {}).get(network.key, "")
    return data


def person_form(person: Person | None = None, formdata: MultiDict | None = None, **kwargs: Any) -> PersonForm:
    """A :class:`PersonForm` whose choices are the current company's organizations and members.

    Without ``formdata`` it shows ``person``'s values (or ``kwargs`` for a new person).
    """
    data = initial_data(person) if person is not None else None
    if formdata is not None:
        formdata = legacy_formdata(formdata)
    form = PersonForm(formdata=formdata, data=data, **kwargs) if formdata is not None else PersonForm(data=data, **kwargs)
    if formdata is not None:
        for list_name, primary in (("emails", "email_primary"), ("phones", "phone_primary"),
                                   ("organizations", "organization_primary")):
            getattr(form, primary).data = _renumbered(formdata, list_name, getattr(form, primary).data)
    form.phone_region = getattr(g.get("company"), "phone_region", "") or ""
    for row in form.organizations:
        fill_organization_choices(row.form.organization_id)
    members = services.member_choices()
    if person is not None and person.owner is not None and all(key != person.owner_id for key, _ in members):
        members.append((person.owner_id, f"{person.owner.display_name} (no longer a member)"))
    form.owner_id.choices = _id_choices(members, "— Nobody —")
    return form


def fill_organization_choices(field: OrganizationField) -> None:
    """A page of organizations (always with the selected one) for one organization row."""
    selected = field.data
    pairs, more = services.organization_choices(parse_id(str(selected or "")))
    field.choices = _id_choices(pairs, "— No organization —")
    field.more_available = more


def blank_rows(form: PersonForm) -> dict[str, Any]:
    """Empty rows (index ``__index__``) that the page's script clones for "Add email" etc."""
    template = PersonForm(formdata=None, meta={"csrf": False})
    rows = {}
    for name in ("emails", "phones", "organizations"):
        field = getattr(template, name)
        entry = field.entries[0]
        entry.name = entry.id = f"{name}-__index__"
        for sub in entry.form:
            sub.name = sub.id = f"{name}-__index__-{sub.short_name}"
        rows[name] = entry
    picker = rows["organizations"].form.organization_id
    fill_organization_choices(picker)
    if picker.more_available:  # a big company: the added row starts empty, its search box fills it
        picker.choices = picker.choices[:1]
    return rows
