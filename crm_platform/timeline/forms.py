"""The composer form: one form for notes, calls, meetings, logged emails and tasks."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm_platform.contacts.forms import choice, strip
from crm_platform.contacts.services import member_choices
from crm_platform.numbers import is_digits, parse_id

ENTRY_KINDS: tuple[tuple[str, str], ...] = (
    ("note", "Note"), ("call", "Call"), ("meeting", "Meeting"), ("email", "Email"), ("task", "Task"),
)
DIRECTIONS: tuple[tuple[str, str], ...] = (("out", "Sent (outgoing)"), ("in", "Received (incoming)"))
BODY_LABELS = {"note": "Note", "call": "Call notes", "meeting": "Agenda or notes", "email": "Email text", "task": "Task"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class EntryForm(FlaskForm):
    """Add an entry to a timeline; which fields count depends on ``kind``."""

    kind = RadioField("Type", choices=[choice(k, label) for k, label in ENTRY_KINDS], default="note")
    body = TextAreaField(
        "Note", filters=[strip], validators=[DataRequired(message="Write something first."), Length(max=10000)]
    )
    subject = StringField("Subject", filters=[strip], validators=[Length(max=255)])
    direction = SelectField("Direction", choices=[choice(value, label) for value, label in DIRECTIONS], default="out")
    when = DateTimeLocalField("When", format=DATETIME_FORMATS, validators=[Optional()])
    duration = IntegerField("Minutes", default=30, validators=[Optional(), NumberRange(min=1, max=1440, message="1 to 1440 minutes.")])
    assignee = SelectField("Assignee", coerce=str, validate_choice=False)
    files = MultipleFileField("Attachments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = member_choices()
        self.assignee.choices = [choice(str(user_id), name) for user_id, name in self.members]
        if not self.assignee.data and current_user.is_authenticated:
            self.assignee.data = str(current_user.id)

    @property
    def kind_options(self) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` of the entry kinds, for the composer's radio buttons."""
        return ENTRY_KINDS

    @property
    def direction_options(self) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` of a logged email's directions."""
        return DIRECTIONS

    @property
    def is_entry_form(self) -> bool:
        """Lets templates tell this form from the older note form."""
        return True

    def assignee_id(self) -> int | None:
        """The chosen assignee's id, or None."""
        value = (self.assignee.data or "").strip()
        return parse_id(value)

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the rules of the chosen kind (email subject, meeting time, task assignee)."""
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind == "email":
            if not self.subject.data:
                self.subject.errors.append("Give the email's subject.")
                ok = False
            if self.direction.data not in ("in", "out"):
                self.direction.errors.append("Choose sent or received.")
                ok = False
        if kind == "meeting":
            if self.when.data is None and not self.when.errors:
                self.when.errors.append("Give the start date and time.")
                ok = False
            if self.duration.data is None and not self.duration.errors:
                self.duration.errors.append("Give the duration in minutes.")
                ok = False
        if kind == "task":
            value = (self.assignee.data or "").strip()
            if value and (not is_digits(value) or int(value) not in {user_id for user_id, _ in self.members}):
                self.assignee.errors.append("Choose a colleague from this company.")
                ok = False
        if kind != "note" and any(f.filename for f in (self.files.data or []) if f is not None):
            self.files.errors.append("Attach files to notes.")
            ok = False
        return ok
