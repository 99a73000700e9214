"""`trellis backup` then `trellis restore` into an empty home gives back the same rows and the same
data files; a damaged backup, a home in use and a missing or wrong pseudonym key are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.service.home import Home, fresh_home
from trellis.engine.synth.roster import generate_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, str], str]:
    """A home with a small state imported, its backup, what it held and its pseudonym key."""
    folder = tmp_path_factory.mktemp("backup")
    generate_state("small", seed=4, out_dir=folder / "roster")
    with fresh_home(folder / "home") as home:
        home.trellis("migrate")
        home.trellis("import", "oneroster", str(folder / "roster"))
        done = home.trellis("backup", str(folder / "backup"))
        assert "Backed up the database" in done.stdout
        rows, files = home.database_rows(skip=set()), home.data_files()
        key = (home.path / "secrets" / "pseudonym_key").read_text().strip()
    return folder / "backup", rows, files, key


def _with_key(home: Home, key: str) -> None:
    (home.path / "secrets").mkdir(parents=True, mode=0o700)
    (home.path / "secrets" / "pseudonym_key").write_text(key)


def test_restore_gives_back_the_same_rows_and_files(backed_up, tmp_path):
    backup, rows, files, key = backed_up
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["student_data"] is True and key not in (backup / "manifest.json").read_text()
    assert not list(backup.rglob("pseudonym_key")) and not list(backup.rglob("secret_key"))
    with fresh_home(tmp_path / "restored") as home:
        _with_key(home, key)
        done = home.trellis("restore", str(backup))
        assert "Restored the backup" in done.stdout
        assert home.database_rows(skip=set()) == rows
        assert home.data_files() == files
        assert any(name.startswith("roster/") for name in files)


@pytest.mark.parametrize("damage", ["flip a data byte", "drop a file", "add a file", "flip a database byte"])
def test_a_damaged_backup_is_refused_and_nothing_is_written(backed_up, tmp_path, damage):
    backup, _rows, _files, key = backed_up
    broken = tmp_path / "broken"
    shutil.copytree(backup, broken)
    parquet = next(p for p in sorted(broken.rglob("*.parquet")))
    if damage == "flip a data byte":
        content = bytearray(parquet.read_bytes())
        content[len(content) // 2] ^= 0xFF
        parquet.write_bytes(bytes(content))
    elif damage == "drop a file":
        parquet.unlink()
    elif damage == "add a file":
        (broken / "data" / "extra.txt").write_text("not from the backup")
    else:
        database = next(broken.glob("database.*"))
        content = bytearray(database.read_bytes())
        content[-10] ^= 0xFF
        database.write_bytes(bytes(content))
    with fresh_home(tmp_path / "restored") as home:
        _with_key(home, key)
        done = home.trellis("restore", str(broken), check=False)
        assert done.returncode == 2 and "is damaged" in " ".join(done.stdout.split()), done.stdout + done.stderr
        assert sorted(p.name for p in home.path.iterdir()) == ["secrets"]
        assert home.python("from django.db import connection\nout = connection.introspection.table_names()") == []


def test_restore_refuses_a_home_in_use(backed_up, tmp_path):
    backup, _rows, _files, key = backed_up
    with fresh_home(tmp_path / "in-use") as home:
        home.trellis("migrate")
        done = home.trellis("restore", str(backup), check=False)
        assert done.returncode == 2 and "not empty" in " ".join(done.stdout.split())


@pytest.mark.parametrize("key", [None, "0" * 64])
def test_restore_refuses_student_data_without_its_key(backed_up, tmp_path, key):
    backup = backed_up[0]
    with fresh_home(tmp_path / "restored") as home:
        if key:
            _with_key(home, key)
        done = home.trellis("restore", str(backup), check=False)
        assert done.returncode == 2
        assert ("is not present" if key is None else "is not the one") in " ".join(done.stdout.split())
        assert not (home.path / "data").exists()
