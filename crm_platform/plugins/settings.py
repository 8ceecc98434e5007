"""Per-company plugin settings: declared as fields, stored as JSON, edited in a generated form."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from crm_platform.extensions import db
from crm_platform.plugins.models import PluginSetting
from crm_platform.plugins.types import SettingField


def fields_of(plugin: str) -> list[SettingField]:
    """The setting fields plugin ``plugin`` declares (empty when it has none)."""
    pm = current_app.extensions["crm"].pm
    module = pm.get_plugin(plugin)
    if module is None or not hasattr(module, "crm_settings_fields"):
        return []
    return [f for f in (module.crm_settings_fields() or []) if isinstance(f, SettingField)]


def stored_values(plugin: str) -> dict[str, Any]:
    """The current company's stored values for ``plugin``."""
    rows = db.session.scalars(select(PluginSetting).where(PluginSetting.plugin == plugin)).all()
    return {row.key: row.value for row in rows}


def get_setting(plugin: str, name: str) -> Any:
    """The current company's value of setting ``name`` of ``plugin``, or its declared default."""
    row = db.session.scalars(
        select(PluginSetting).where(PluginSetting.plugin == plugin, PluginSetting.key == name)
    ).first()
    if row is not None:
        return row.value
    return next((f.default for f in fields_of(plugin) if f.name == name), None)


def _custom(check: Any) -> Any:
    def validator(form: Any, field: Any) -> None:
        if field.data not in (None, ""):
            problem = check(field.data)
            if problem:
                raise ValidationError(problem)

    return validator


def _wtf_field(spec: SettingField) -> Any:
    validators: list[Any] = [DataRequired()] if spec.required and spec.type != "bool" else [Optional()]
    if spec.validate is not None:
        validators.append(_custom(spec.validate))
    if spec.type == "int":
        return IntegerField(spec.label, validators=validators, description=spec.help)
    if spec.type == "bool":
        return BooleanField(spec.label, description=spec.help)
    if spec.type == "choice":
        return SelectField(spec.label, choices=list(spec.choices), validators=validators, description=spec.help)
    if spec.type == "email":
        return EmailField(spec.label, validators=[*validators, Email(check_deliverability=False), Length(max=255)], description=spec.help)
    return StringField(spec.label, validators=[*validators, Length(max=500)], description=spec.help)


def settings_form(plugin: str, formdata: Any = None) -> FlaskForm:
    """Build the settings form for ``plugin``, filled with the stored values."""
    specs = fields_of(plugin)
    form_class = type(f"{plugin.title()}SettingsForm", (FlaskForm,), {s.name: _wtf_field(s) for s in specs})
    values = stored_values(plugin)
    data = {s.name: values.get(s.name, s.default) for s in specs}
    return form_class(formdata=formdata, data=data)


def save_settings(plugin: str, form: FlaskForm) -> None:
    """Store the form's values for the current company (commits)."""
    existing = {row.key: row for row in db.session.scalars(select(PluginSetting).where(PluginSetting.plugin == plugin))}
    for spec in fields_of(plugin):
        value = getattr(form, spec.name).data
        row = existing.get(spec.name)
        if row is None:
            db.session.add(PluginSetting(plugin=plugin, key=spec.name, value=value))
        else:
            row.value = value
    db.session.commit()
