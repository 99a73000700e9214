"""Where the CSV files are, what the manifest says about them, and what their headers mean."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.spec import (
    PROGRAM_FLAGS,
    ROSTER_FILES,
    UNREAD_FILES,
    V11,
    V12,
    Column,
    Kind,
    alias_keys,
    file_columns,
    header_key,
)

MANIFEST = "manifest.csv"
MODES = ("bulk", "delta", "absent")
_WANTED = (MANIFEST, *ROSTER_FILES)
_ZIP_MEMBER_LIMIT = 8 * 1024**3  # refuse a zip member that would unpack past 8 GiB


@dataclass
class RosterSource:
    """The files of one roster, on local disk."""

    paths: dict[str, Path]  # canonical file name -> path, for the files that exist
    unpacked_dir: Path | None = None  # a zip's files, removed by close()
    present_unread: list[str] = field(default_factory=list)

    def close(self) -> None:
        if self.unpacked_dir is not None:
            shutil.rmtree(self.unpacked_dir, ignore_errors=True)


def _match_names(names: list[str], findings: Findings) -> dict[str, str]:
    """Map canonical file names to the names found, accepting another letter case."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    found: dict[str, str] = {}
    for wanted in (*_WANTED, *UNREAD_FILES):
        actual = by_lower.get(wanted.lower())
        if actual is None:
            continue
        if actual != wanted:
            findings.warn(actual, f'read as "{wanted}" (OneRoster file names are case-sensitive).')
        found[wanted] = actual
    return found


def open_source(source: Path, staging_dir: Path, findings: Findings) -> RosterSource:
    """Find the roster files in a folder or a .zip (unpacked under ``staging_dir``)."""
    source = Path(source)
    if source.is_dir():
        names = [p.name for p in source.iterdir() if p.is_file()]
        found = _match_names(names, findings)
        paths = {wanted: source / actual for wanted, actual in found.items() if wanted in _WANTED}
        unread = [name for name in found if name in UNREAD_FILES]
        return RosterSource(paths=paths, present_unread=unread)
    if source.is_file() and zipfile.is_zipfile(source):
        return _unzip(source, staging_dir, findings)
    if not source.exists():
        findings.refuse(source.name, "does not exist.")
    else:
        findings.refuse(source.name, "is neither a folder nor a .zip file of OneRoster CSV files.")
    findings.raise_if_refused()
    raise AssertionError("unreachable")


def _unzip(source: Path, staging_dir: Path, findings: Findings) -> RosterSource:
    with zipfile.ZipFile(source) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        top = {info.filename.split("/")[0] for info in members}
        prefix = ""
        if len(top) == 1 and all("/" in info.filename for info in members):
            prefix = next(iter(top)) + "/"
            findings.warn(
                source.name,
                f'the files are inside the folder "{prefix[:-1]}"; OneRoster puts them at the '
                "top of the zip. Read them from there.",
            )
        by_name = {
            info.filename[len(prefix) :]: info
            for info in members
            if info.filename.startswith(prefix) and "/" not in info.filename[len(prefix) :]
        }
        found = _match_names(list(by_name), findings)
        unpacked = staging_dir / ".unpacked"
        unpacked.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for wanted, actual in found.items():
            if wanted not in _WANTED:
                continue
            info = by_name[actual]
            if info.file_size > _ZIP_MEMBER_LIMIT:
                findings.refuse(wanted, "is too large to unpack (over 8 GiB).")
                continue
            # Written under a fixed name, never the member's own path, so nothing escapes.
            target = unpacked / wanted
            with archive.open(info) as member, target.open("wb") as out:
                shutil.copyfileobj(member, out, length=1024 * 1024)
            paths[wanted] = target
        unread = [name for name in found if name in UNREAD_FILES]
    return RosterSource(paths=paths, unpacked_dir=unpacked, present_unread=unread)


def has_rows(path: Path) -> bool:
    """Whether a file holds anything but its header row and blank lines (reads only as far as
    the first line that is not blank)."""
    with path.open("rb") as raw:
        raw.readline()
        for line in raw:
            if line.strip():
                return True
    return False


def read_header(path: Path) -> list[str] | None:
    """The header row's names (BOM removed), or None for an empty file."""
    with path.open("rb") as raw:
        first = raw.readline()
    text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not text.strip():
        return None
    return next(csv.reader(io.StringIO(text)))


@dataclass(frozen=True)
class Manifest:
    present: bool
    version: str | None
    modes: dict[str, str]  # data file -> bulk | delta | absent, as declared


def read_manifest(source: RosterSource, findings: Findings) -> Manifest:
    path = source.paths.get(MANIFEST)
    if path is None:
        findings.warn(
            MANIFEST,
            "is missing. The files were read as bulk files (each one replaces what Trellis holds).",
        )
        return Manifest(present=False, version=None, modes={})
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [header_key(h) for h in rows[0][:2]] != ["propertyname", "value"]:
        findings.refuse(MANIFEST, 'must start with the header "propertyName,value".', row=1)
        return Manifest(present=True, version=None, modes={})
    version: str | None = None
    modes: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        name = row[0].strip()
        value = row[1].strip() if len(row) > 1 else ""
        if name.lower() == "oneroster.version":
            if value.startswith(V11):
                version = V11
            elif value.startswith(V12):
                version = V12
            else:
                findings.refuse(
                    MANIFEST,
                    f'oneroster.version is "{value[:20]}"; Trellis reads OneRoster 1.1 and 1.2.',
                    row=number,
                    column="value",
                )
        elif name.lower().startswith("file."):
            file = _file_for_property(name)
            if file is None:
                continue
            mode = value.lower()
            if not mode:
                # Real exports list files they do not carry with an empty value.
                findings.warn(
                    MANIFEST, f"{name} has no value; it was read as absent.", row=number, column="value"
                )
                mode = "absent"
            if mode not in MODES:
                findings.refuse(
                    MANIFEST,
                    f'{name} is "{value[:20]}"; it must be bulk, delta or absent.',
                    row=number,
                    column="value",
                )
                continue
            modes[file] = mode
    if version is None and not findings.problems:
        findings.warn(MANIFEST, "has no oneroster.version; the version was read from the headers.")
    return Manifest(present=True, version=version, modes=modes)


def _file_for_property(name: str) -> str | None:
    stem = name.split(".", 1)[1].lower()
    for file in (*ROSTER_FILES, *UNREAD_FILES):
        if file[: -len(".csv")].lower() == stem:
            return file
    return None


def resolve_modes(manifest: Manifest, source: RosterSource, findings: Findings) -> dict[str, str]:
    """The mode of each data file Trellis reads, checked against the files present."""
    modes: dict[str, str] = {}
    for file in ROSTER_FILES:
        declared = manifest.modes.get(file)
        exists = file in source.paths
        if declared is None:
            if exists and manifest.present:
                findings.warn(MANIFEST, f"does not list {file}; it was read as a bulk file.")
            modes[file] = "bulk" if exists else "absent"
        elif declared == "absent":
            if exists:
                findings.warn(file, "is marked absent in manifest.csv, so it was not read.")
            modes[file] = "absent"
        elif not exists:
            findings.refuse(file, f"is missing, but manifest.csv says it is a {declared} file.")
            modes[file] = "absent"
        else:
            modes[file] = declared
    unread = [f for f in source.present_unread if manifest.modes.get(f) != "absent"]
    if unread:
        findings.warn(
            ", ".join(sorted(unread)),
            "Trellis does not read gradebook or resource files; they were ignored.",
        )
    return modes


def detect_version(manifest: Manifest, headers: dict[str, list[str]], findings: Findings) -> str:
    """1.1 when users.csv carries role and orgSourcedIds (and there is no roles.csv), else 1.2."""
    users = {header_key(h) for h in headers.get("users.csv", [])}
    looks_11 = "role" in users and "orgsourcedids" in users and "roles.csv" not in headers
    looks_12 = "roles.csv" in headers or (bool(users) and "role" not in users)
    if manifest.version == V12 and looks_11:
        findings.warn(
            MANIFEST,
            "says OneRoster 1.2, but users.csv has the 1.1 role and orgSourcedIds columns and "
            "there is no roles.csv; the files were read as OneRoster 1.1.",
        )
        return V11
    if manifest.version == V11 and looks_12 and not looks_11:
        findings.warn(MANIFEST, "says OneRoster 1.1, but the files have 1.2 headers; read as OneRoster 1.2.")
        return V12
    if manifest.version is not None:
        return manifest.version
    return V11 if looks_11 else V12


@dataclass(frozen=True)
class HeaderMap:
    """Which column of a file (by position) holds which known column."""

    columns: dict[str, int]  # canonical name -> position
    width: int
    #: The header ends in unnamed columns, so rows may leave them out (read as empty).
    pad_short_rows: bool = False


def map_header(file: str, header: list[str], version: str, mode: str, findings: Findings) -> HeaderMap | None:
    """Match a header row to the known columns; None when the file cannot be read."""
    known = {header_key(column.name): column for column in file_columns(file, version)}
    aliases = alias_keys()
    flags_allowed = any(column.name in PROGRAM_FLAGS for column in known.values())
    positions: dict[str, int] = {}
    renamed: list[tuple[str, str]] = []
    unknown: list[str] = []
    for position, raw in enumerate(header):
        written = raw.replace("\ufeff", "")
        name = written.strip()
        key = header_key(name)
        column: Column | None = known.get(key)
        canonical = column.name if column else None
        if canonical is None and flags_allowed and key in aliases:
            canonical = aliases[key]
        if canonical is None:
            if name:
                unknown.append(name)
            continue
        if canonical in positions:
            findings.refuse(
                file,
                f'has two columns that both read as "{canonical}" (columns '
                f"{positions[canonical] + 1} and {position + 1}); keep one.",
                row=1,
            )
            return None
        positions[canonical] = position
        if written != canonical:
            renamed.append((written, canonical))
    if file == "demographics.csv" and "sourcedId" not in positions and header_key("userSourcedId") in {
        header_key(h) for h in header
    }:
        # OneRoster 1.1 exports often name demographics.csv's id column after the user it is about.
        position = [header_key(h) for h in header].index(header_key("userSourcedId"))
        positions["sourcedId"] = position
        findings.warn(file, 'read as "sourcedId" (the user the row is about).', column="userSourcedId")
        unknown = [name for name in unknown if header_key(name) != header_key("userSourcedId")]
    missing = [c.name for c in known.values() if c.required and c.name not in positions]
    if mode == "delta" and "status" not in positions:
        missing.append("status")
    if "sourcedId" in missing:
        # Without a sourcedId column this is most likely a file without its header row: the
        # "header" may then be a data row, so none of it is quoted back.
        findings.refuse(
            file,
            'has no "sourcedId" column. The first row must be the OneRoster header row.',
            row=1,
        )
        return None
    for name in missing:
        findings.refuse(file, f'the required column "{name}" is missing.', row=1, column=name)
    for name, canonical in renamed:
        findings.warn(file, f'read as "{canonical}".', column=name[:60])
    for name in unknown:
        findings.warn(file, "is not a OneRoster column Trellis reads; it was ignored.", column=name[:60])
    if missing:
        return None
    width = len(header)
    while width and not header[width - 1].replace("\ufeff", "").strip():
        width -= 1
    if width < len(header):
        findings.warn(
            file,
            f"the header row ends with {len(header) - width} unnamed column(s); rows that leave "
            "them out were read as well.",
            row=1,
        )
    return HeaderMap(columns=positions, width=len(header), pad_short_rows=width < len(header))


def loaded_columns(file: str, version: str, header: HeaderMap) -> list[Column]:
    """The known columns present in the file that Trellis loads (everything but SKIP)."""
    return [
        column
        for column in file_columns(file, version)
        if column.kind is not Kind.SKIP and column.name in header.columns
    ]
