"""Reading an uploaded CSV or XLSX file: encoding, delimiter, header row and data rows.

CSV files are UTF-8 (with or without a BOM); a file that is not valid UTF-8 is read as
Windows-1252 (a superset of Latin-1 for printable text) and the import says so. A file
that is neither is refused with a message. Rows come out as lists of strings.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
ENCODING_LABELS = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252 (Latin-1)"}


class FileError(ValueError):
    """The file cannot be read as a table; the message is for the user."""


@dataclass(frozen=True)
class FileInfo:
    """What the upload step learnt about a file."""

    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig`` or ``cp1252``; raises FileError for binary data or undecodable text."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise FileError("This file is not a text CSV file (it contains binary data). Save it as CSV or XLSX.")
    try:
        data.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError as error:
        raise FileError(
            f"The file's text encoding is not UTF-8 nor Windows-1252/Latin-1 (byte {error.start + 1} cannot be read). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or pipe (comma when unsure)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def inspect(path: Path, file_format: str) -> FileInfo:
    """Read enough of the file at ``path`` to know its encoding, delimiter and headers."""
    if file_format == "xlsx":
        rows = iter_xlsx(path)
        headers = next(rows, None)
        if not headers or not any(h.strip() for h in headers):
            raise FileError("The first sheet is empty: put the column names in its first row.")
        return FileInfo("xlsx", "", "", clean_headers(headers))
    data = path.read_bytes()
    if not data.strip():
        raise FileError("The file is empty.")
    encoding = detect_encoding(data)
    sample = data[:SNIFF_BYTES].decode(encoding, errors="ignore")
    delimiter = sniff_delimiter(sample)
    rows = iter_csv(path, encoding, delimiter)
    headers = next(rows, None)
    if not headers or not any(h.strip() for h in headers):
        raise FileError("The first line is empty: put the column names in the first line.")
    return FileInfo("csv", encoding, delimiter, clean_headers(headers))


def clean_headers(headers: list[str]) -> list[str]:
    """Header names trimmed; blank ones become ``Column N``."""
    return [(h or "").strip()[:200] or f"Column {i + 1}" for i, h in enumerate(headers)]


def iter_csv(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Every row of a CSV file (the header first); raises FileError for malformed CSV."""
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            yield from reader
        except csv.Error as error:
            raise FileError(f"The CSV file is malformed near line {reader.line_num}: {error}. "
                            "Check for an unbalanced quote (\").") from None
        except UnicodeDecodeError:
            raise FileError("The file's text encoding changed part way through; save it as “CSV UTF-8”.") from None


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text (dates as ISO, whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def iter_xlsx(path: Path) -> Iterator[list[str]]:
    """Every row of the first sheet of an XLSX file (openpyxl read-only mode)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileError(f"This is not a readable XLSX workbook ({type(error).__name__}).") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in row]
    finally:
        workbook.close()


def iter_rows(path: Path, file_format: str, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of the data rows, blank rows left out; the header is row 1.

    Raises FileError when the file turns out malformed part way through.
    """
    rows = iter_xlsx(path) if file_format == "xlsx" else iter_csv(path, encoding, delimiter)
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        if any(cell.strip() for cell in row):
            yield number, row

