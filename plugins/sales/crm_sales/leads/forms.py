"""Forms of the leads pages: a lead (manual entry and edit), a scoring rule, the CSV upload."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from crm_sales import services
from crm_sales.forms import choices, optional_int
from crm_sales.leads.fields import clean_lead
from crm_sales.leads.importer import ENCODINGS
from crm_sales.models_leads import RULE_FIELDS, RULE_OPERATORS


class LeadForm(FlaskForm):
    """Enter or edit a lead by hand; the same checks as the web form and the import."""

    name = StringField("Name")
    email = StringField("Email")
    phone = StringField("Phone")
    organization_name = StringField("Organization")
    source = StringField("Source")
    message = TextAreaField("Message")
    owner_id = SelectField("Owner", coerce=optional_int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id.choices = choices([(None, "Nobody"), *services.member_choices()])
        self.cleaned: dict[str, str] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        """The field checks of :func:`clean_lead` on top of CSRF and the owner choice."""
        ok = super().validate(extra_validators)
        self.cleaned, errors = clean_lead({name: getattr(self, name).data for name in
                                           ("name", "email", "phone", "organization_name", "source", "message")})
        for name, message in errors.items():
            getattr(self, name).errors = [*getattr(self, name).errors, message]
        return ok and not errors


class RuleForm(FlaskForm):
    """One scoring rule: field, condition, value and points."""

    field = SelectField("Field", choices=choices(RULE_FIELDS))
    operator = SelectField("Condition", choices=choices(RULE_OPERATORS))
    value = StringField("Value", validators=[Length(max=200)])
    points = IntegerField("Points", validators=[InputRequired(), NumberRange(min=-1000, max=1000)])


class ImportForm(FlaskForm):
    """The CSV upload."""

    file = FileField("CSV file")
    encoding = SelectField("Encoding", choices=choices(ENCODINGS), default="utf-8-sig")
    source = StringField("Source for rows without one", default="import", validators=[Length(max=60)])
