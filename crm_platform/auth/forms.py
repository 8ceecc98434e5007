"""Forms for signing in, resetting passwords, two-factor codes and account settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from crm_platform.security import password_problem


def _strip(value: str | None) -> str | None:
    """Filter: drop surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def strong_password(form: FlaskForm, field: PasswordField) -> None:
    """WTForms validator wrapping :func:`crm_platform.security.password_problem`."""
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class TotpForm(FlaskForm):
    """A 6-digit code from an authenticator app."""

    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the 6-digit code from your app.")],
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link."""

    # Deliberately loose: any address an account could have (``.local``, ``.test``, intranet
    # domains) is accepted, and the answer is the same whether the account exists or not.
    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[DataRequired(), Length(max=255), Regexp(r"^[^@\s]+@[^@\s]+$", message="Enter an email address.")],
    )


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField("New password", validators=[DataRequired(), strong_password])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class ChangePasswordForm(NewPasswordForm):
    """Change the password while signed in: the current one is asked for first."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])


class ProfileForm(FlaskForm):
    """The account page's profile section: the display name."""

    name = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=120)])


class EnableTotpForm(TotpForm):
    """Confirm a new authenticator app with its first code."""


class DisableTotpForm(FlaskForm):
    """Turning two-factor authentication off asks for the password again."""

    # Its own id: the change-password form on the same page has a field called "current" too.
    current = PasswordField("Current password", id="disable_current", validators=[DataRequired(), Length(max=1024)])
