"""Forms of the import pages: the upload, the column mapping, the duplicate policy."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField
from wtforms.validators import Optional, Regexp

from crm_platform.dataio.models import DUPLICATE_POLICIES

POLICY_LABELS = {
    "skip": "Skip the row (keep the existing person as is)",
    "update": "Update the existing person with the row's values",
    "create": "Create a new person anyway",
}


class UploadForm(FlaskForm):
    """A CSV or XLSX file."""

    file = FileField("File", validators=[FileRequired("Choose a CSV or XLSX file.")])


class MappingForm(FlaskForm):
    """Options of the mapping step; the per-column selects are read by :func:`column_targets`."""

    phone_region = StringField(
        "Country of phone numbers without +", validators=[Optional(), Regexp(r"^[A-Za-z]{2}$", message="Use a two-letter country code, e.g. GB.")],
        description="Two letters (US, GB, DE…); numbers starting with + are read as written.",
    )


class RunForm(FlaskForm):
    """The duplicate policy chosen after the dry run."""

    policy = RadioField("When a row matches an existing person (same email or phone)",
                        choices=[(p, POLICY_LABELS[p]) for p in DUPLICATE_POLICIES], default="skip")


def column_targets(form_data: dict, count: int) -> list[str]:
    """The target chosen for each of ``count`` columns (fields ``col-0``, ``col-1``…)."""
    return [str(form_data.get(f"col-{index}", "")) for index in range(count)]


def column_selects(headers: Sequence[str], mapping: Sequence[str],
                   options: list[tuple[str, str]]) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """``(field name, header, chosen target, options)`` per column, for the mapping table."""
    return [(f"col-{i}", header, mapping[i] if i < len(mapping) else "", options) for i, header in enumerate(headers)]
