"""Forms of the team, invitation and company settings pages."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from crm_platform.auth.forms import strong_password
from crm_platform.companies.models import ROLE_LABELS, ROLES

try:  # WTForms 3.3+ (tuples are deprecated there)
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms 3.2
    SelectChoice = None


def plain_text(form: FlaskForm, field: StringField) -> None:
    """Refuse control characters (line breaks end up in mail subjects and page titles)."""
    if any(ord(ch) < 32 or ch in "\x7f\u2028\u2029\x85" for ch in field.data or ""):
        raise ValidationError("Use letters, digits and punctuation only (no line breaks).")


def role_choices(roles: tuple[str, ...] | list[str] = ROLES) -> list[Any]:
    """Value and label of each role, for a role select."""
    if SelectChoice is None:  # pragma: no cover
        return [(role, ROLE_LABELS[role]) for role in roles]
    return [SelectChoice(role, ROLE_LABELS[role]) for role in roles]


class RoleForm(FlaskForm):
    """Change one member's role."""

    role = SelectField("Role", choices=role_choices(), validators=[InputRequired()])


class InviteForm(FlaskForm):
    """Invite somebody by email; the view narrows ``role.choices`` to what the actor may grant."""

    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=255)])
    role = SelectField("Role", choices=role_choices(), default="member", validators=[InputRequired()])


def phone_region_choices() -> list[Any]:
    """``""`` (none) and every region phonenumbers supports, as ``DE · +49``."""
    import phonenumbers

    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    pairs = [("", "None: numbers must start with + and the country code")]
    pairs += [(code, f"{code} · +{phonenumbers.country_code_for_region(code)}") for code in regions]
    if SelectChoice is None:  # pragma: no cover
        return pairs
    return [SelectChoice(value, label) for value, label in pairs]


class CompanySettingsForm(FlaskForm):
    """The company's display name and the region used to read phone numbers."""

    name = StringField("Company name", validators=[DataRequired(), Length(max=120), plain_text])
    phone_region = SelectField("Default phone region", choices=phone_region_choices(), default="", validate_choice=False)

    def validate_phone_region(self, field: SelectField) -> None:
        """An ISO 3166 code phonenumbers knows, or empty (upper-cased)."""
        import phonenumbers

        field.data = (field.data or "").strip().upper()
        if field.data and field.data not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError("Choose a country from the list.")


class AcceptInvitationForm(FlaskForm):
    """Accept an invitation as the signed-in user (the CSRF token is the whole form)."""


class AcceptAsNewUserForm(FlaskForm):
    """Accept an invitation by creating the account: name and password."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120), plain_text])
    password = PasswordField("Password", validators=[DataRequired(), strong_password])
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
