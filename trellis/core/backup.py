"""Backup and restore of a Trellis installation: the database and the data directory.

A backup is a folder with ``database.sqlite3`` (SQLite's online backup API: a consistent copy
while Trellis keeps running) or ``database.pgdump`` (``pg_dump``'s custom format), ``data/`` (the
pseudonymised student store and the other files Trellis keeps), and ``manifest.json`` with the
SHA-256 of every file. The deployment secrets are not in it: the pseudonym key must be kept
apart from the backups (the manifest holds only a fingerprint of it, an HMAC of a constant, so a
restore can tell whether the key it was given is the one the student data was keyed with).

Restore refuses a home that is not empty, a backup whose files do not match their checksums, and
student data whose pseudonym key is not present; it checks everything before it writes anything.
This module reads its settings from its arguments, not from Django, so that a restore can run
before the home holds the settings Django would otherwise create.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT = 1
_FINGERPRINT_MESSAGE = b"trellis pseudonym key fingerprint v1"
#: Folders of the data directory that belong to work in progress, never to a backup.
_IN_PROGRESS = (".roster-staging-", ".roster-old-")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def key_fingerprint(key: str) -> str:
    return hmac.new(key.encode(), _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Database:
    """Where the database is: a SQLite file, or a PostgreSQL database (from Django's settings)."""

    vendor: str
    settings: dict[str, Any]

    @property
    def sqlite_path(self) -> Path:
        return Path(self.settings["NAME"])

    def pg_arguments(self) -> list[str]:
        s = self.settings
        return [*(["-h", str(s["HOST"])] if s.get("HOST") else []), *(["-p", str(s["PORT"])] if s.get("PORT") else []),
                *(["-U", str(s["USER"])] if s.get("USER") else []), "-d", str(s["NAME"])]

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.settings.get("PASSWORD"):
            env["PGPASSWORD"] = str(self.settings["PASSWORD"])
        return env


def database_from_url(url: str) -> Database:
    import dj_database_url

    settings = dj_database_url.parse(url)
    vendor = "sqlite" if settings["ENGINE"].endswith("sqlite3") else "postgresql"
    return Database(vendor=vendor, settings=settings)


def postgres_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: from TRELLIS_PG_BIN, else the newest server install, else PATH."""
    folders = [os.environ["TRELLIS_PG_BIN"]] if os.environ.get("TRELLIS_PG_BIN") else []
    folders += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in folders:
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found. Install PostgreSQL's client programs or set TRELLIS_PG_BIN.")
    return found


def _data_files(data_dir: Path) -> list[Path]:
    return sorted(
        path for path in data_dir.rglob("*")
        if path.is_file() and not any(part.startswith(_IN_PROGRESS) for part in path.relative_to(data_dir).parts)
    )


def backup_write(*, target: Path, database: Database, data_dir: Path, pseudonym_key: str,
                 badge_key: str | None = None) -> dict[str, Any]:
    """Write a backup into ``target`` (a new or empty folder) and return its manifest. With
    ``badge_key`` (the key that signed the credentials the database holds), the manifest keeps its
    fingerprint, so that a restore refuses a key under which those credentials would not verify."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty. Give a new folder for the backup.")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    if database.vendor == "sqlite":
        database_file = "database.sqlite3"
        source = sqlite3.connect(database.sqlite_path)
        copy = sqlite3.connect(target / database_file)
        try:
            source.backup(copy)
            # A single self-contained file: reading it later must not create -wal/-shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
    else:
        database_file = "database.pgdump"
        done = subprocess.run(
            [postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(target / database_file), *database.pg_arguments()],
            env=database.pg_env(), capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump could not copy the database: {done.stderr.strip()}")
    files = {database_file: _sha256(target / database_file)}
    for path in _data_files(data_dir):
        relative = Path("data") / path.relative_to(data_dir)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        files[relative.as_posix()] = _sha256(target / relative)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": {"vendor": database.vendor, "file": database_file},
        "student_data": any(name.startswith("data/roster/") for name in files),
        "pseudonym_key_fingerprint": key_fingerprint(pseudonym_key),
        **({"badge_key_fingerprint": key_fingerprint(badge_key)} if badge_key else {}),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def backup_check(source: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its checksum."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        files = dict(manifest["files"])
        database_file = manifest["database"]["file"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{source} is not a Trellis backup: its {MANIFEST} is missing or damaged.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} was written in backup format {manifest.get('format')}; this Trellis reads {FORMAT}.")
    if database_file not in files:
        raise BackupError(f"{source}: the manifest does not list the database file.")
    for name, checksum in sorted(files.items()):
        path = source / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise BackupError(f"{source}: the manifest names a file outside the backup ({name}).")
        if not path.is_file():
            raise BackupError(f"{source} is damaged: {name} is missing.")
        if _sha256(path) != checksum:
            raise BackupError(f"{source} is damaged: {name} does not match its checksum.")
    listed = set(files) | {MANIFEST}
    extra = [p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()]
    unlisted = sorted(name for name in extra if name not in listed)
    if unlisted:
        raise BackupError(f"{source} is damaged: {unlisted[0]} is not in the manifest.")
    return manifest


def home_is_empty(home: Path, database: Database) -> str:
    """Why ``home`` (and its database) cannot take a restore, or "" if they can. The secrets
    folder may already hold the keys; nothing else may be there."""
    if home.exists():
        others = sorted(p.name for p in home.iterdir() if p.name != "secrets")
        if others:
            return f"{home} is not empty (it has {', '.join(others[:5])}). Restore into an empty TRELLIS_HOME."
    if database.vendor == "sqlite":
        return ""
    import psycopg

    s = database.settings
    try:
        with psycopg.connect(host=s.get("HOST") or None, port=s.get("PORT") or None, user=s.get("USER") or None,
                             password=s.get("PASSWORD") or None, dbname=s["NAME"]) as connection:
            (tables,) = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
    except psycopg.Error as exc:
        raise BackupError(f"Cannot reach the database {s['NAME']}: {exc}".strip()) from exc
    if tables:
        return f"The database {s['NAME']} is not empty ({tables} tables). Restore into an empty database."
    return ""


def restore_read(*, source: Path, home: Path, database: Database, pseudonym_key: str | None,
                 badge_key: str | None = None) -> dict[str, Any]:
    """Bring back the backup in ``source`` into the empty ``home`` and ``database``."""
    manifest = backup_check(source)
    if manifest["database"]["vendor"] != database.vendor:
        raise BackupError(f"The backup is of a {manifest['database']['vendor']} database; this Trellis uses "
                          f"{database.vendor}. Set DATABASE_URL to match.")
    problem = home_is_empty(home, database)
    if problem:
        raise BackupError(problem)
    if manifest["student_data"]:
        if not pseudonym_key:
            raise BackupError("The backup holds student data, and its pseudonym key is not present. Put the key in "
                              "TRELLIS_PSEUDONYM_KEY or in TRELLIS_HOME/secrets/pseudonym_key, then restore again.")
        if not hmac.compare_digest(key_fingerprint(pseudonym_key), manifest["pseudonym_key_fingerprint"]):
            raise BackupError("The pseudonym key present is not the one this backup's student data was keyed with: "
                              "pseudonyms would no longer match. Put the deployment's own key in place.")
    if manifest.get("badge_key_fingerprint"):
        if not badge_key or not hmac.compare_digest(key_fingerprint(badge_key), manifest["badge_key_fingerprint"]):
            raise BackupError("The backup holds Open Badges credentials, and the key that signed them is not present: "
                              "they would no longer verify. Put the deployment's key in TRELLIS_BADGE_KEY or in "
                              "TRELLIS_HOME/secrets/badge_key, then restore again.")
    home.mkdir(parents=True, exist_ok=True)
    database_file = source / manifest["database"]["file"]
    if database.vendor == "sqlite":
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(database.sqlite_path)
        backup = sqlite3.connect(f"file:{database_file}?mode=ro&immutable=1", uri=True)
        try:
            backup.backup(copy)
        finally:
            backup.close()
            copy.close()
    else:
        done = subprocess.run(
            [postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             *database.pg_arguments(), str(database_file)],
            env=database.pg_env(), capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore could not restore the database: {done.stderr.strip()}")
    for name in sorted(manifest["files"]):
        if name.startswith("data/"):
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, home / name)
    return manifest
