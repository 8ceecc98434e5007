"""Migration 0016 on an existing SQLite database: search words filled in, the name index widened, and back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

BEFORE = "0015_custom_field_range_indexes"


def _crm(tmp_path: Path, *args: str) -> None:
    env = {"CRM_INSTANCE_PATH": str(tmp_path), "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}", "PATH": ""}
    crm = Path(sys.executable).with_name("crm")
    result = subprocess.run([str(crm), "db", *args], env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def _add_person(conn: sqlite3.Connection, person_id: int, document: str) -> None:
    columns = [row for row in conn.execute("PRAGMA table_info(person)")]
    values = {}
    for _cid, name, type_, notnull, default, _pk in columns:
        if name == "id":
            values[name] = person_id
        elif name == "company_id":
            values[name] = 1
        elif notnull and default is None:
            values[name] = "{}" if name == "social" else (1 if "INT" in type_.upper() else "2026-01-01 00:00:00")
    values.update(first_name="Ada", last_name="Lovelace")
    names = ", ".join(values)
    conn.execute(f"INSERT INTO person ({names}) VALUES ({', '.join('?' for _ in values)})", list(values.values()))
    conn.execute("INSERT INTO person_search (person_id, company_id, document) VALUES (?, 1, ?)", (person_id, document))


def _name_index(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_person_company_name'").fetchone()[0]


def test_upgrade_fills_search_words_and_downgrade_puts_the_index_back(tmp_path):
    _crm(tmp_path, "upgrade", BEFORE)
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        conn.execute("INSERT INTO company (id, name, slug, is_active, phone_region, config_version, created_at, updated_at)"
                     " VALUES (1, 'Acme', 'acme', 1, 'GB', 1, '2026-01-01', '2026-01-01')")
        _add_person(conn, 1, "ada lovelace analytical engines")
    _crm(tmp_path, "upgrade")
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        assert conn.execute("SELECT search_words FROM person WHERE id = 1").fetchone() == (" ada lovelace analytical engines",)
        assert "search_words, deleted_at" in _name_index(conn) and "WHERE deleted_at IS NULL" in _name_index(conn)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'ix_person_live_id'").fetchone()
    _crm(tmp_path, "downgrade", BEFORE)
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(person)")}
        assert "search_words" not in columns and "search_words" not in _name_index(conn)
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'ix_person_live_id'").fetchone()
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'ix_person_company_owner_sort'").fetchone()
