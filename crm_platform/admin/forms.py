"""Forms of the operator (instance administration) area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from crm_platform.companies.forms import plain_text


class CompanyCreateForm(FlaskForm):
    """A new company, and optionally the address of its first owner."""

    name = StringField("Company name", validators=[DataRequired(), Length(max=120), plain_text])
    owner_email = EmailField(
        "First owner's email (optional)",
        validators=[Optional(), Email(check_deliverability=False), Length(max=255)],
    )
