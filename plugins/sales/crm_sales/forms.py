"""Forms of the sales plugin: deals, line items, deal people, pipelines and stages.

Choices (stages, owners, organizations, people) are loaded for the current company, so
a row of another company is never a valid choice: the form answers 422.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from crm_platform.plugins import find_organization, organization_choices
from crm_sales import services
from crm_sales.currencies import CURRENCIES
from crm_sales.models import ROLES, Deal, Pipeline

try:  # WTForms >= 3.3 wants SelectChoice records; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None

MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)


def choices(pairs: Any, optgroup: str | None = None) -> list[Any]:
    """Select choices from ``(value, label)`` pairs, in the form this WTForms wants."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def optional_int(value: Any) -> int | None:
    """``int(value)`` for a select's value, None for the empty choice."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid choice: the select answers "Not a valid choice"


class OrganizationField(SelectField):
    """The core organization picker: a page of choices (plus an htmx search), any of the company's accepted."""

    more_available = False

    def pre_validate(self, form: Any) -> None:
        """Accept no organization, or one of the current company's (a scoped look-up, not the page of choices)."""
        if self.data is None:
            return
        if self.data == -1 or find_organization(self.data) is None:
            raise ValidationError("Choose an organization of this company.")


class DealForm(FlaskForm):
    """Create or edit a deal."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    pipeline_id = SelectField("Pipeline", coerce=int)
    stage_id = SelectField("Stage", coerce=int)
    value = DecimalField("Value", places=2, validators=[Optional(), NumberRange(min=0, max=MAX_MONEY)])
    currency = SelectField("Currency", choices=choices((c, c) for c in CURRENCIES))
    expected_close_date = DateField("Expected close date", validators=[Optional()])
    owner_id = SelectField("Owner", coerce=optional_int)
    organization_id = OrganizationField("Organization", coerce=optional_int)
    person_id = HiddenField()  # a new deal started from a person's page involves them

    def __init__(self, *args: Any, deal: Deal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.pipelines: list[Pipeline] = services.pipelines()
        self.pipeline_id.choices = choices((p.id, p.name) for p in self.pipelines)
        if len(self.pipelines) > 1:
            self.stage_id.choices = [c for p in self.pipelines for c in choices(((s.id, s.name) for s in p.stages), p.name)]
        else:
            self.stage_id.choices = choices((s.id, s.name) for p in self.pipelines for s in p.stages)
        self.owner_id.choices = choices([(None, "Nobody"), *services.member_choices()])
        self.refresh_organization_choices()

    def refresh_organization_choices(self) -> None:
        """A page of organizations for the picker, always including the chosen one."""
        chosen = self.organization_id.data
        pairs, more = organization_choices(chosen if isinstance(chosen, int) and chosen > 0 else None)
        self.organization_id.choices = choices([(None, "— No organization —"), *pairs])
        self.organization_id.more_available = more

    def validate_stage_id(self, field: Any) -> None:
        """The stage must belong to the chosen pipeline."""
        pipeline = next((p for p in self.pipelines if p.id == self.pipeline_id.data), None)
        if pipeline is not None and field.data not in {s.id for s in pipeline.stages}:
            raise ValidationError("Choose a stage of the selected pipeline.")

    def validate_person_id(self, field: Any) -> None:
        """Only a person of the current company can be involved."""
        if field.data and services.find_person(field.data) is None:
            raise ValidationError("Choose a person of this company.")

    def validate_expected_close_date(self, field: Any) -> None:
        """A plausible date."""
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Choose a date between 2000 and 2100.")

    def apply_to(self, deal: Deal) -> None:
        """Copy the validated values onto ``deal`` (the stage change itself is the caller's)."""
        deal.title = self.title.data.strip()
        deal.currency = self.currency.data
        deal.expected_close_date = self.expected_close_date.data
        deal.owner_id = self.owner_id.data
        deal.organization_id = self.organization_id.data
        if self.value.data is not None:
            deal.value = self.value.data.quantize(Decimal("0.01"))


class LineItemForm(FlaskForm):
    """Add a product line to a deal."""

    product = StringField("Product", validators=[DataRequired(), Length(max=200)])
    quantity = DecimalField("Quantity", places=2, validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_MONEY)])
    unit_price = DecimalField("Unit price", places=2, validators=[InputRequired(), NumberRange(min=0, max=MAX_MONEY)])
    discount = DecimalField("Discount %", places=2, default=Decimal("0"), validators=[Optional(), NumberRange(min=0, max=100)])


class DealPersonForm(FlaskForm):
    """Involve a person of the company in a deal, with a role."""

    person_id = SelectField("Person", coerce=optional_int, validators=[InputRequired()])
    role = SelectField("Role", choices=choices(ROLES), default="decision_maker")

    def __init__(self, *args: Any, exclude: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_id.choices = choices([(None, "Choose a person…"), *services.person_choices(exclude or [])])

    def validate_person_id(self, field: Any) -> None:
        """A person must be chosen."""
        if field.data is None:
            raise ValidationError("Choose a person.")


class LostForm(FlaskForm):
    """Mark a deal lost: the reason is required."""

    reason = StringField("Why was it lost?", validators=[DataRequired(), Length(max=500)])


class PipelineForm(FlaskForm):
    """Create or rename a pipeline."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])


class StageForm(FlaskForm):
    """Add or edit a stage."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    probability = IntegerField("Probability %", validators=[InputRequired(), NumberRange(min=0, max=100)])
    rotting_days = IntegerField("Rotting after (days)", validators=[Optional(), NumberRange(min=1, max=3650)])
