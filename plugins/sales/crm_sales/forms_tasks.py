"""The task form: a title, a due date and time, and an assignee among the company's members."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm_platform.plugins import company_members
from crm_sales.forms import EARLIEST, LATEST, choices, optional_int


class TaskForm(FlaskForm):
    """Add a follow-up task (the due time is read in the company's time zone)."""

    title = StringField("Task", validators=[DataRequired(), Length(max=500)])
    due_date = DateField("Due date", validators=[DataRequired(message="Choose a due date.")])
    due_time = TimeField("Due time", validators=[Optional()])
    assignee_id = SelectField("Assignee", coerce=optional_int, validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fresh = "formdata" in kwargs and kwargs["formdata"] is None
        super().__init__(*args, **kwargs)
        members = [(u.id, u.display_name) for u in company_members()]
        self.assignee_id.choices = choices([(None, "Nobody"), *members])
        if (fresh or not self.is_submitted()) and self.assignee_id.data is None and getattr(current_user, "is_authenticated", False):
            self.assignee_id.data = current_user.id

    def validate_due_date(self, field: Any) -> None:
        """A plausible date."""
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Choose a date between 2000 and 2100.")
