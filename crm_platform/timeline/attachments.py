"""Files attached to timeline notes: checked, stored outside static paths, removed with their entry.

Files live in ``<instance>/uploads/<company id>/<random name>``; the database row keeps
the sanitised original name, a sniffed content type, the size and the SHA-256. They are
served only by :func:`crm_platform.timeline.attachment_views.download`, which checks the
company (tenancy) and the membership.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from crm_platform.contacts.models import Activity
from crm_platform.extensions import db
from crm_platform.tenancy import current_company_id
from crm_platform.timeline.aftercommit import on_commit, on_rollback
from crm_platform.timeline.models import Attachment

log = logging.getLogger(__name__)

PER_FILE_LIMIT = 10 * 1024 * 1024
MAX_FILES = 10
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()\-]+")
STORAGE_NAME = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")
# Content types the download view may declare; anything else is served as octet-stream.
INLINE_SAFE_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv",
    "application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
})
_OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class AttachmentError(ValueError):
    """An upload was refused (too large, too many, empty); the message is for the user."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload read into memory and checked, ready to be stored."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def per_file_limit() -> int:
    """The largest single file accepted: 10 MB, or less when ``CRM_MAX_UPLOAD_BYTES`` is smaller."""
    return min(PER_FILE_LIMIT, int(current_app.config.get("MAX_CONTENT_LENGTH") or PER_FILE_LIMIT))


def clean_filename(name: str | None) -> str:
    """A display name without paths, control characters or odd symbols (never empty)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = SAFE_NAME.sub("_", base).strip(" ._")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 110] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:120]
    return base or "file"


def sniff_type(data: bytes, filename: str) -> str:
    """The content type from the file's first bytes (never from the browser's claim)."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _OOXML.get(Path(filename).suffix.lower(), "application/zip")
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    if "\x00" in text:
        return "application/octet-stream"
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def check_uploads(files: list[FileStorage]) -> list[CheckedFile]:
    """Read and check the uploaded files (empty file inputs are skipped); raises :class:`AttachmentError`."""
    files = [f for f in files if f is not None and (f.filename or "")]
    if len(files) > MAX_FILES:
        raise AttachmentError(f"Attach at most {MAX_FILES} files to one note.")
    limit = per_file_limit()
    checked = []
    for upload in files:
        data = upload.stream.read(limit + 1)
        name = clean_filename(upload.filename)
        if len(data) > limit:
            raise AttachmentError(f"{name} is larger than {limit // (1024 * 1024) or 1} MB.")
        if not data:
            raise AttachmentError(f"{name} is empty.")
        checked.append(CheckedFile(name, sniff_type(data, name), data, hashlib.sha256(data).hexdigest()))
    return checked


def company_folder(company_id: int) -> Path:
    """``<instance>/uploads/<company id>`` (created on demand)."""
    folder = Path(current_app.instance_path) / "uploads" / str(int(company_id))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_path(attachment: Attachment) -> Path:
    """Where the attachment's bytes are on disk."""
    if not STORAGE_NAME.match(attachment.storage_name):
        raise AttachmentError("bad storage name")
    return company_folder(attachment.company_id) / attachment.storage_name


def store(activity: Activity, files: list[CheckedFile], uploaded_by_id: int | None) -> list[Attachment]:
    """Write ``files`` under random names and add their rows to ``activity``.

    Files written for a transaction that rolls back are removed again. The caller commits.
    """
    company_id = current_company_id()
    if company_id is None:
        raise AttachmentError("no current company")
    folder = company_folder(company_id)
    rows = []
    written: list[Path] = []
    try:
        for item in files:
            name = secrets.token_urlsafe(24)
            path = folder / name
            path.write_bytes(item.data)
            written.append(path)
            row = Attachment(
                activity=activity, filename=item.filename, content_type=item.content_type, size=len(item.data),
                storage_name=name, sha256=item.sha256, uploaded_by_id=uploaded_by_id,
            )
            db.session.add(row)
            rows.append(row)
        db.session.flush()
    except Exception:
        _unlink(written)
        raise
    on_rollback(lambda: _unlink(written))
    return rows


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove %s", path)


def forget_files_where(*criteria: Any) -> None:
    """Remove, once the transaction commits, the files of attachments whose activity matches ``criteria``."""
    stmt = select(Attachment.company_id, Attachment.storage_name).join(Activity, Activity.id == Attachment.activity_id).where(*criteria)
    forget_files([(company_id, name) for company_id, name in db.session.execute(stmt)])


def forget_files(items: list[tuple[int, str]]) -> None:
    """Remove the given ``(company id, storage name)`` files after the commit."""
    paths = [company_folder(company_id) / name for company_id, name in items if STORAGE_NAME.match(name)]
    if paths:
        on_commit(lambda: _unlink(paths))


@event.listens_for(Session, "before_flush")
def forget_files_of_deleted_activities(session: Any, flush_context: Any = None, instances: Any = None) -> None:
    """``before_flush``: an activity deleted through the ORM takes its files with it (after the commit)."""
    ids = [obj.id for obj in session.deleted if isinstance(obj, Activity) and obj.id is not None]
    if ids:
        with session.no_autoflush:
            forget_files_where(Activity.id.in_(ids))
