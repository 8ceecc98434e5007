"""Uploaded import files: stored in the instance folder under random names, never served as static."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from crm_platform.dataio.reader import FileError

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}


def folder(company_id: int) -> Path:
    """The company's upload folder (created when missing, readable by the process only)."""
    path = Path(current_app.instance_path) / "imports" / str(company_id)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def file_format(filename: str) -> str:
    """``csv`` or ``xlsx`` from the file name; raises FileError for anything else."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise FileError("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV.")
    if suffix not in FORMATS:
        raise FileError("Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
    return FORMATS[suffix]


def save(upload: FileStorage, company_id: int) -> tuple[str, str]:
    """Store the upload; returns ``(stored name, format)``. The size limit is ``CRM_MAX_UPLOAD_BYTES``."""
    kind = file_format(upload.filename or "")
    name = f"{secrets.token_hex(16)}.{kind}"
    upload.save(folder(company_id) / name)
    return name, kind


def path_of(company_id: int, stored_name: str) -> Path:
    """Where a stored upload is; raises FileError once the file was deleted."""
    path = folder(company_id) / Path(stored_name).name
    if not stored_name or not path.is_file():
        raise FileError("The uploaded file is no longer available: upload it again.")
    return path


def delete(company_id: int, stored_name: str) -> None:
    """Remove a stored upload (done with it, or discarded)."""
    if stored_name:
        (folder(company_id) / Path(stored_name).name).unlink(missing_ok=True)


def estimate_rows(path: Path, kind: str) -> int:
    """About how many data rows the file has (for the progress bar before the dry run counted them)."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)
