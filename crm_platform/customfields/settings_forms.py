"""Forms of the Settings → Custom fields page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm_platform.contacts.forms import choice, strip
from crm_platform.customfields.models import ENTITIES, FIELD_TYPES

TYPE_LABELS: dict[str, str] = {
    "text": "Text", "number": "Number", "date": "Date", "select": "Choice (one)", "multiselect": "Choices (several)",
    "checkbox": "Checkbox (yes/no)", "url": "Web address",
}
ENTITY_LABELS: dict[str, str] = {"person": "People", "organization": "Organizations"}


class FieldEditForm(FlaskForm):
    """Change a field's label, options and whether it is required."""

    label = StringField("Label", filters=[strip], validators=[DataRequired(message="Enter a label."), Length(max=120)])
    options = TextAreaField("Choices", filters=[strip], validators=[Length(max=10000)],
                            description="One choice per line (choice fields only).")
    required = BooleanField("Required")

    def option_list(self) -> list[str]:
        """The choices typed, one per line."""
        return [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]


class FieldCreateForm(FieldEditForm):
    """Add a field: also its record type and field type (fixed afterwards)."""

    entity = SelectField("Record", choices=[choice(e, ENTITY_LABELS[e]) for e in ENTITIES], default="person")
    field_type = SelectField("Type", choices=[choice(t, TYPE_LABELS[t]) for t in FIELD_TYPES], default="text")
