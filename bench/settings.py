"""Where the bench keeps its data and how the servers under test are configured."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
INSTANCE_DIR = CACHE_DIR / "instance"
LOG_DIR = CACHE_DIR / "logs"
RESULTS_DIR = BENCH_DIR / "results"

# Bump DATASET_VERSION whenever the seeded data changes shape: a new cache file is built.
DATASET_VERSION = "v2"  # v2: emails, phones, memberships, tags, custom fields, search documents
# BENCH_SCALE=0.01 seeds 1 % of the dataset (1,000 people...) to check the bench code quickly.
SCALE = float(os.environ.get("BENCH_SCALE", "1") or 1)
PEOPLE = max(int(100_000 * SCALE), 200)
ORGANIZATIONS = max(int(20_000 * SCALE), 50)
ACTIVITIES = max(int(1_000_000 * SCALE), 4_000)
DEALS = max(int(10_000 * SCALE), 50)  # seeded once a "sales" plugin with a bench seeder exists (see seed.PLUGIN_SEEDERS)
HISTORY_DAYS = 730

COMPANY_NAME = "Bench Co"
COMPANY_SLUG = "bench-co"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-2026"  # a throwaway account on a throwaway database
SECRET_KEY = "bench-secret-key-not-for-production-use-0123456789abcdef"


def dataset_key() -> str:
    """The cache key of the dataset: version and sizes."""
    return f"{DATASET_VERSION}-p{PEOPLE}-o{ORGANIZATIONS}-a{ACTIVITIES}"


def sqlite_path() -> Path:
    """The cached SQLite database of this dataset version."""
    return CACHE_DIR / f"bench-{dataset_key()}.db"


# Read once at import: the bench later rewrites this process's CRM_* variables for the app.
CONFIGURED_URL = os.environ.get("CRM_DATABASE_URL") or None


def database_url() -> str:
    """``CRM_DATABASE_URL`` when set (PostgreSQL, or an SQLite file of yours), else the cached SQLite file."""
    return CONFIGURED_URL or f"sqlite:///{sqlite_path()}"


def uses_cache_file() -> bool:
    """True when the bench runs on its own cached SQLite file (no CRM_DATABASE_URL)."""
    return CONFIGURED_URL is None


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def bundled_plugins() -> list[str]:
    """Entry-point names of the plugins shipped in plugins/ (the test suite's fixture plugins
    that may also be installed in the virtualenv are left out of the measurements)."""
    names: list[str] = []
    for pyproject in sorted((PROJECT_ROOT / "plugins").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        names += list(project.get("entry-points", {}).get("crm_platform.plugins", {}))
    return names


def server_env(url: str, port: int) -> dict[str, str]:
    """The environment of the app under test (and of the in-process seeding app)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    env.update(
        CRM_DATABASE_URL=url,
        CRM_INSTANCE_PATH=str(INSTANCE_DIR),
        CRM_SECRET_KEY=SECRET_KEY,
        CRM_COOKIE_SECURE="0",
        CRM_LOGIN_RATE_LIMIT="100000 per minute",
        CRM_BASE_URL=f"http://127.0.0.1:{port}",
        CRM_HUEY_PATH=str(INSTANCE_DIR / "jobs.db"),
        CRM_REDIS_URL="",  # in-memory rate limits: a .env pointing at Redis must not leak in
    )
    plugins = bundled_plugins()
    if plugins:
        env["CRM_PLUGINS"] = ",".join(plugins)
    else:
        env["CRM_SAFE_MODE"] = "1"  # no bundled plugin: the core alone
    return env
