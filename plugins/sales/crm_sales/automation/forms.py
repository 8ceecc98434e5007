"""The rule form: a trigger, an optional stage, one action and that action's settings, all validated.

Users are chosen among the company's members and stages among its pipelines' stages, so
another company's ids are never valid. A webhook URL is checked with the core's outbound
rules when the rule is saved (private and loopback targets refused unless the instance allows them).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm_platform.plugins import company_members
from crm_sales import services
from crm_sales.automation.actions import FIELD_CHOICES
from crm_sales.automation.models import ACTIONS, TRIGGERS, AutomationRule
from crm_sales.automation.templating import PLACEHOLDERS, unknown_placeholders
from crm_sales.forms import choices, optional_int


def _who(value: Any) -> Any:
    """``owner`` stays a word; anything else is a user id (or -1, never valid)."""
    if value in ("owner", None, ""):
        return value or None
    return optional_int(value)


class RuleForm(FlaskForm):
    """Create or edit an automation rule."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    enabled = BooleanField("Enabled", default=True)
    trigger = SelectField("When", choices=choices(TRIGGERS))
    stage_id = SelectField("Stage", coerce=optional_int, validators=[Optional()])
    action = SelectField("Then", choices=choices(ACTIONS))
    task_title = StringField("Task title", validators=[Optional(), Length(max=500)])
    task_assignee = SelectField("Assign to", coerce=_who, validators=[Optional()])
    task_due_days = IntegerField("Due in (days)", default=1, validators=[Optional(), NumberRange(min=0, max=365)])
    notify_user = SelectField("Notify", coerce=_who, validators=[Optional()])
    notify_message = StringField("Message", validators=[Optional(), Length(max=500)])
    field_name = SelectField("Field", choices=choices(FIELD_CHOICES), validators=[Optional()])
    field_owner = SelectField("New owner", coerce=optional_int, validators=[Optional()])
    field_days = IntegerField("Days from now", default=30, validators=[Optional(), NumberRange(min=0, max=3650)])
    webhook_url = StringField("Webhook URL", validators=[Optional(), Length(max=500)])

    def __init__(self, *args: Any, rule: AutomationRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "formdata" in kwargs and kwargs["formdata"] is None:
            kwargs.setdefault("data", rule_data(rule))
        super().__init__(*args, **kwargs)
        pipelines = services.pipelines()
        stage_choices: list[Any] = [*choices([(None, "Any stage")])]
        for pipeline in pipelines:
            stage_choices += choices(((s.id, s.name) for s in pipeline.stages), pipeline.name if len(pipelines) > 1 else None)
        self.stage_id.choices = stage_choices
        self.stage_names = {s.id: s.name for p in pipelines for s in p.stages}
        members = [(u.id, u.display_name) for u in company_members()]
        self.member_ids = {uid for uid, _ in members}
        self.task_assignee.choices = choices([("owner", "The deal's owner"), *members])
        self.notify_user.choices = choices([("owner", "The deal's owner"), *members])
        self.field_owner.choices = choices([(None, "Choose a member…"), *members])
        self.placeholders = PLACEHOLDERS

    def validate_stage_id(self, field: Any) -> None:
        """A stage must be one of the company's."""
        if field.data is not None and field.data not in self.stage_names:
            raise ValidationError("Choose a stage of one of your pipelines.")

    def _required(self, field: Any, message: str) -> None:
        if field.data in (None, ""):
            field.errors.append(message)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields of the chosen action are required and checked; the others are ignored."""
        ok = super().validate(extra_validators)
        action = self.action.data
        before = sum(len(f.errors) for f in self)
        if self.trigger.data == "stage_entered" and self.stage_id.data is None and not self.stage_id.errors:
            self.stage_id.errors.append("Choose the stage the deal enters.")
        if action == "create_task":
            self._check_text(self.task_title, "Give the task a title.")
            self._check_person(self.task_assignee)
            self._required(self.task_due_days, "Say in how many days the task is due.")
        elif action == "notify":
            self._check_text(self.notify_message, "Write the message.")
            self._check_person(self.notify_user)
        elif action == "change_field":
            if self.field_name.data == "owner":
                if self.field_owner.data not in self.member_ids:
                    self.field_owner.errors.append("Choose a member of the company.")
            else:
                self._required(self.field_days, "Say how many days from now.")
        elif action == "webhook":
            self._check_url()
        return ok and sum(len(f.errors) for f in self) == before

    def _check_text(self, field: Any, missing: str) -> None:
        text = (field.data or "").strip()
        if not text:
            field.errors.append(missing)
        elif unknown_placeholders(text):
            names = ", ".join("{" + n + "}" for n in unknown_placeholders(text))
            field.errors.append(f"Unknown placeholder {names}. Use {{deal}}, {{stage}}, {{owner}}, {{organization}} or {{value}}.")

    def _check_person(self, field: Any) -> None:
        if field.data != "owner" and field.data not in self.member_ids:
            field.errors.append("Choose the deal's owner or a member of the company.")

    def _check_url(self) -> None:
        from crm_sales.automation.outbound import check_url

        url = (self.webhook_url.data or "").strip()
        if not url:
            self.webhook_url.errors.append("Enter the URL to call.")
            return
        if not url.lower().startswith(("https://", "http://")):
            self.webhook_url.errors.append("Use an http:// or https:// URL.")
            return
        reason = check_url(url)
        if reason:
            self.webhook_url.errors.append(f"This URL cannot be called: {reason}")

    def apply_to(self, rule: AutomationRule) -> None:
        """Copy the validated values onto ``rule`` (only the chosen action's settings are kept)."""
        rule.name = self.name.data.strip()
        rule.enabled = bool(self.enabled.data)
        rule.trigger = self.trigger.data
        rule.stage_id = self.stage_id.data
        rule.action = self.action.data
        if rule.action == "create_task":
            rule.config = {"title": self.task_title.data.strip(), "assignee": self.task_assignee.data, "due_days": self.task_due_days.data}
        elif rule.action == "notify":
            rule.config = {"message": self.notify_message.data.strip(), "user": self.notify_user.data}
        elif rule.action == "change_field":
            if self.field_name.data == "owner":
                rule.config = {"field": "owner", "owner": self.field_owner.data}
            else:
                rule.config = {"field": "expected_close_date", "days": self.field_days.data}
        else:
            rule.config = {"url": self.webhook_url.data.strip()}


def rule_data(rule: AutomationRule) -> dict[str, Any]:
    """The form's initial values for an existing rule."""
    config = rule.config or {}
    data: dict[str, Any] = {"name": rule.name, "enabled": rule.enabled, "trigger": rule.trigger, "stage_id": rule.stage_id, "action": rule.action}
    if rule.action == "create_task":
        data.update(task_title=config.get("title"), task_assignee=config.get("assignee"), task_due_days=config.get("due_days"))
    elif rule.action == "notify":
        data.update(notify_message=config.get("message"), notify_user=config.get("user"))
    elif rule.action == "change_field":
        data.update(field_name=config.get("field"), field_owner=config.get("owner"), field_days=config.get("days"))
    elif rule.action == "webhook":
        data.update(webhook_url=config.get("url"))
    return data
