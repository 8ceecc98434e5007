"""The subscription form: URL (checked against the SSRF policy), events, active flag."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from crm_platform.companies.forms import plain_text
from crm_platform.outbound import UnsafeURLError, validate_url


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def safe_url(form: FlaskForm, field: StringField) -> None:
    """Refuse URLs the SSRF policy does not allow (private addresses in any notation, names resolving to them...)."""
    try:
        validate_url((field.data or "").strip(), check_dns=True)
    except UnsafeURLError as exc:
        raise ValidationError(str(exc)) from None


class SubscriptionForm(FlaskForm):
    """Create or change a webhook; the view fills ``events.choices`` with the company's events."""

    url = URLField("Payload URL", validators=[DataRequired(message="Enter the URL to send events to."), Length(max=2048), safe_url])
    description = StringField("Description", validators=[Length(max=200), plain_text])
    events = CheckboxesField("Events", choices=[], validate_choice=True,
                             validators=[DataRequired(message="Choose at least one event.")])
    active = BooleanField("Active (send events to this URL)", default=True)

    def __init__(self, *args: Any, event_choices: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = event_choices or []
        if self.url.data:
            self.url.data = self.url.data.strip()
