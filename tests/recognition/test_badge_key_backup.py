"""A backup of a Trellis that issued credentials keeps the fingerprint of the key that signed them,
and a restore refuses a missing or different key (the credentials would stop verifying)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from trellis.core.backup import BackupError, Database, backup_write, restore_read


def _database(path: Path) -> Database:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    return Database("sqlite", {"NAME": str(path)})


def test_restore_needs_the_key_that_signed_the_credentials(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    backup = tmp_path / "backup"
    manifest = backup_write(target=backup, database=_database(tmp_path / "db.sqlite3"), data_dir=data,
                            pseudonym_key="p", badge_key="the badge key")
    assert manifest["badge_key_fingerprint"] and "the badge key" not in (backup / "manifest.json").read_text()
    for key in (None, "another key"):
        home = tmp_path / f"home-{key}"
        with pytest.raises(BackupError, match="key that signed them is not present"):
            restore_read(source=backup, home=home, database=Database("sqlite", {"NAME": str(home / "db")}),
                         pseudonym_key="p", badge_key=key)
        assert not home.exists()
    home = tmp_path / "home"
    restore_read(source=backup, home=home, database=Database("sqlite", {"NAME": str(home / "db.sqlite3")}),
                 pseudonym_key="p", badge_key="the badge key")
    assert (home / "db.sqlite3").exists()


def test_a_backup_without_credentials_restores_without_the_key(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    backup = tmp_path / "backup"
    manifest = backup_write(target=backup, database=_database(tmp_path / "db.sqlite3"), data_dir=data,
                            pseudonym_key="p")
    assert "badge_key_fingerprint" not in manifest
    home = tmp_path / "home"
    restore_read(source=backup, home=home, database=Database("sqlite", {"NAME": str(home / "db.sqlite3")}),
                 pseudonym_key="p")
