"""Hostile and damaged zips are refused with a plain message before anything large is written,
and nothing unpacked is left behind."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from tests.interop.conftest import FIXTURES, KEY
from trellis.interop.oneroster import RosterError, read_roster
from trellis.interop.oneroster import source as roster_source

HEADER = (b"sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
          b"identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
          b"preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n")


def bomb(target: Path, megabytes: int) -> Path:
    """A real zip bomb: users.csv of the same row over and over, a few hundred times smaller
    zipped. Every other file of a good roster is there too."""
    row = b"stu-000001,active,,true,student.name,,Given,Family,,S1,a@b.org,,,,09,pw,,,,,s-110,\n"
    block = row * (1024 * 1024 // len(row))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted((FIXTURES / "v12_bulk").iterdir()):
            if path.name != "users.csv":
                archive.write(path, path.name)
        with archive.open("users.csv", "w", force_zip64=True) as member:
            member.write(HEADER)
            for _ in range(megabytes):
                member.write(block)
    return target


def zipped(target: Path, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(target, "w", compression) as out:
        for path in sorted((FIXTURES / "v12_bulk").iterdir()):
            out.write(path, path.name)
    return target


def leftovers(staging: Path) -> list[Path]:
    return [path for path in staging.rglob("*")] if staging.exists() else []


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    archive = bomb(tmp_path / "roster.zip", 64)
    assert archive.stat().st_size < 1024 * 1024
    staging = tmp_path / "staging"
    with pytest.raises(RosterError) as refusal:
        read_roster(archive, pseudonym_key=KEY, staging_dir=staging)
    assert [str(p) for p in refusal.value.problems] == [
        "users.csv: in roster.zip would unpack to more than 100 times its compressed size, which no roster "
        "export does; it was not opened."
    ]
    assert leftovers(staging) == []


def test_a_zip_that_would_unpack_past_the_total_limit_is_refused(tmp_path, monkeypatch):
    archive = zipped(tmp_path / "roster.zip", zipfile.ZIP_STORED)
    monkeypatch.setattr(roster_source, "ZIP_EXPANDED_LIMIT", 1024)
    with pytest.raises(RosterError) as refusal:
        read_roster(archive, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert str(refusal.value.problems[0]).startswith("roster.zip: would unpack to 0.0 GiB, more than the 0 GiB")
    assert leftovers(tmp_path / "staging") == []


def damaged(tmp_path: Path) -> Path:
    """The good roster, zipped without compression, with one byte of users.csv changed."""
    archive = zipped(tmp_path / "roster.zip", zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    start = data.index(b"t-01,,,true,abrandvold")
    data[start] = ord("x")
    archive.write_bytes(bytes(data))
    return archive


def test_a_zip_with_a_bad_checksum_is_refused_in_plain_words(tmp_path):
    staging = tmp_path / "staging"
    with pytest.raises(RosterError) as refusal:
        read_roster(damaged(tmp_path), pseudonym_key=KEY, staging_dir=staging)
    assert [str(p) for p in refusal.value.problems] == [
        "roster.zip: is damaged or not a zip file Trellis can open (a file inside it does not match its "
        "checksum, or it was cut short). Export the roster again and retry."
    ]
    assert "CRC" not in str(refusal.value)
    assert leftovers(staging) == []


def test_unpacked_files_are_the_owners_alone_and_gone_afterwards(tmp_path, monkeypatch):
    archive = zipped(tmp_path / "roster.zip")
    modes = {}
    copy = roster_source._copy_member

    def watched(archive, info, target):
        copy(archive, info, target)
        modes[target.name] = stat.S_IMODE(os.stat(target).st_mode)
        modes[".unpacked"] = stat.S_IMODE(os.stat(target.parent).st_mode)

    monkeypatch.setattr(roster_source, "_copy_member", watched)
    staging = tmp_path / "staging"
    read_roster(archive, pseudonym_key=KEY, staging_dir=staging)
    assert modes and set(modes.values()) <= {0o600, 0o700}
    assert modes[".unpacked"] == 0o700
    assert not (staging / ".unpacked").exists()
