"""Settings from ``CRM_*`` environment variables (and an optional ``.env`` file).

Every setting the operator can change lives here, with its default. The README's
"Configuration" section documents the same list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    """Return the instance folder (``CRM_INSTANCE_PATH``, default ``./instance``), created if missing."""
    path = Path(os.environ.get("CRM_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """Return ``CRM_SECRET_KEY`` or a key generated once and kept in the instance folder."""
    configured = os.environ.get("CRM_SECRET_KEY")
    if configured:
        return configured
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    env = os.environ.get
    folder = instance_path()
    base_url = (env("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    base = urlsplit(base_url)
    local_http = base.scheme == "http" and base.hostname in LOOPBACK_HOSTS
    database_url = env("CRM_DATABASE_URL") or f"sqlite:///{folder / 'crm.db'}"
    redis_url = env("CRM_REDIS_URL") or None
    settings: dict[str, Any] = {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": secret_key(folder),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CRM_BASE_URL": base_url,
        "CRM_REDIS_URL": redis_url,
        "CRM_HUEY_PATH": env("CRM_HUEY_PATH") or str(folder / "jobs.db"),
        "CRM_JOBS_IMMEDIATE": _bool(env("CRM_JOBS_IMMEDIATE"), False),
        "CRM_PLUGINS": [p.strip() for p in env("CRM_PLUGINS", "").split(",") if p.strip()] or None,
        "CRM_SAFE_MODE": _bool(env("CRM_SAFE_MODE"), False),
        "CRM_DEFAULT_THEME": env("CRM_DEFAULT_THEME") or "default",
        "CRM_THEMES_PATH": env("CRM_THEMES_PATH") or str(PROJECT_ROOT / "themes"),
        "CRM_LOGIN_RATE_LIMIT": env("CRM_LOGIN_RATE_LIMIT") or "10 per minute",
        "CRM_API_RATE_LIMIT": env("CRM_API_RATE_LIMIT") or "600 per minute",
        "CRM_TOKEN_MAX_AGE_RESET": int(env("CRM_TOKEN_MAX_AGE_RESET") or 3600),
        "CRM_TOKEN_MAX_AGE_INVITE": int(env("CRM_TOKEN_MAX_AGE_INVITE") or 7 * 24 * 3600),
        "MAIL_HOST": env("CRM_MAIL_HOST") or "localhost",
        "MAIL_PORT": int(env("CRM_MAIL_PORT") or 25),
        "MAIL_USERNAME": env("CRM_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("CRM_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env("CRM_MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env("CRM_MAIL_USE_SSL"), False),
        "MAIL_FROM": env("CRM_MAIL_FROM") or f"CRM <no-reply@{base.hostname or 'localhost'}>",
        "SESSION_COOKIE_NAME": "crm_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("CRM_COOKIE_SECURE"), not local_http),
        "PERMANENT_SESSION_LIFETIME": int(env("CRM_SESSION_LIFETIME") or 14 * 24 * 3600),
        # The cookie is re-issued when the session changes and, for activity, when the sign-in
        # session's last_seen_at is touched (auth/sessions.py, every few minutes), not on every
        # response: signing and parsing it is a cost of each page.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": int(env("CRM_MAX_UPLOAD_BYTES") or 25 * 1024 * 1024),
        "CRM_ATTACHMENT_MAX_BYTES": int(env("CRM_ATTACHMENT_MAX_BYTES") or 10 * 1024 * 1024),
        "CRM_IMPORT_MAX_ROWS": int(env("CRM_IMPORT_MAX_ROWS") or 200_000),
        "CRM_IMPORT_MAX_CELL": int(env("CRM_IMPORT_MAX_CELL") or 10_000),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "PREFERRED_URL_SCHEME": base.scheme or "http",
        "OUTBOUND_ALLOW_PRIVATE": _bool(env("CRM_OUTBOUND_ALLOW_PRIVATE"), False),
        "OUTBOUND_ALLOW_NETWORKS": env("CRM_OUTBOUND_ALLOW_NETWORKS") or "",
    }
    if overrides:
        settings.update(overrides)
    return settings
