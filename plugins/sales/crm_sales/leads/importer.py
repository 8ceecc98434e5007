"""CSV import of leads: every row is checked; good rows are added, refused rows reported with the reason.

Columns: ``name, email, phone, organization, source, message`` (header row required, any order,
case-insensitive; ``name`` is required). The file is decoded in the encoding the user chose;
bytes that are not valid in it, a missing column, an over-long cell or a broken CSV line are
reported, never a server error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from crm_sales.leads.fields import clean_lead
from crm_sales.leads.scoring import rules
from crm_sales.leads.services import create_lead

COLUMNS: tuple[str, ...] = ("name", "email", "phone", "organization", "source", "message")
ENCODINGS: tuple[tuple[str, str], ...] = (("utf-8-sig", "UTF-8"), ("cp1252", "Windows (Western European)"), ("latin-1", "ISO-8859-1"))
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_CELL = 20000  # beyond the longest accepted value; larger cells are refused by the csv reader
MAX_REPORTED = 200


class ImportRefused(ValueError):
    """The whole file cannot be imported (message for the user, answered with 422)."""


@dataclass
class ImportReport:
    """What happened: how many leads were added, and each refused row with its reasons."""

    added: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    refused_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    stopped: str = ""

    def refuse(self, line: int, reason: str) -> None:
        """Record a refused row (only the first ``MAX_REPORTED`` are kept for the page)."""
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED:
            self.refused.append((line, reason))


def decode(data: bytes, encoding: str) -> str:
    """The file's text; :class:`ImportRefused` when it is empty, too large or not in ``encoding``."""
    if encoding not in dict(ENCODINGS):
        raise ImportRefused("Choose one of the offered encodings.")
    if not data.strip():
        raise ImportRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"The file is not valid {dict(ENCODINGS)[encoding]} text (byte {exc.start + 1}). "
            "Save it as “CSV UTF-8”, or choose the encoding it was saved in."
        ) from None


def import_leads(data: bytes, encoding: str, default_source: str = "", owner_id: int | None = None) -> ImportReport:
    """Import the CSV ``data``; raises :class:`ImportRefused` when the file as a whole is unusable."""
    text = decode(data, encoding)
    if "\x00" in text:
        raise ImportRefused("The file contains binary data (NUL bytes); it is not a CSV file.")
    previous_limit = csv.field_size_limit(MAX_CELL)  # process-wide: restored below
    try:
        return _read(text, default_source, owner_id)
    finally:
        csv.field_size_limit(previous_limit)


def _read(text: str, default_source: str, owner_id: int | None) -> ImportReport:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportRefused("The first line must name the columns: name, email, phone, organization, source, message.") from None
    names = [h.strip().lower() for h in header]
    if "name" not in names:
        raise ImportRefused("The column “name” is missing from the first line (columns: " + ", ".join(COLUMNS) + ").")
    report = ImportReport(ignored_columns=[h for h in names if h and h not in COLUMNS][:10])
    index = {name: names.index(name) for name in COLUMNS if name in names}
    rows, company_rules = 0, rules()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.stopped = f"Line {reader.line_num}: the file could not be read further ({exc}). Rows after it were not imported."
            break
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            report.stopped = f"Only the first {MAX_ROWS} rows are imported at once; split the file for the rest."
            break
        raw = {("organization_name" if k == "organization" else k): (row[i] if i < len(row) else "") for k, i in index.items()}
        if not raw.get("source"):
            raw["source"] = default_source
        values, errors = clean_lead(raw)
        if errors:
            report.refuse(reader.line_num, " ".join(errors.values()))
            continue
        create_lead(values, owner_id=owner_id, company_rules=company_rules)
        report.added += 1
    return report
