"""Where the CSV files are, what the manifest says about them, and what their headers mean."""

from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile
import zlib
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
#: What a zip may unpack to, in all. A whole state's roster is about 2.7 GB of CSV.
ZIP_EXPANDED_LIMIT = 16 * 1024**3
#: How many times larger than its compressed size a member may unpack. CSV exports compress
#: about 5 to 30 times; a zip bomb, hundreds or thousands of times.
ZIP_RATIO_LIMIT = 100
_COPY_BYTES = 1024 * 1024


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
    """Unpack the roster files of a zip under ``staging_dir`` (owner-only), refusing one that
    would unpack past the limits or that is damaged, before or while anything is written."""
    unpacked = staging_dir / ".unpacked"
    try:
        with zipfile.ZipFile(source) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            found, by_name = _zip_members(source, members, findings)
            wanted = {name: by_name[actual] for name, actual in found.items() if name in _WANTED}
            if not _within_limits(source, wanted, findings):
                findings.raise_if_refused()
            unpacked.mkdir(mode=0o700, parents=True, exist_ok=True)
            paths: dict[str, Path] = {}
            for name, info in wanted.items():
                # Written under a fixed name, never the member's own path, so nothing escapes.
                target = unpacked / name
                _copy_member(archive, info, target)
                paths[name] = target
            unread = [name for name in found if name in UNREAD_FILES]
    except BaseException as exc:
        # Nothing unpacked stays behind, whatever stopped the unpacking.
        shutil.rmtree(unpacked, ignore_errors=True)
        if not isinstance(exc, (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError)):
            raise
        # A damaged zip (a bad checksum, a truncated member, an unknown compression): Python's
        # own message is no help to the person who sent it.
        findings.refuse(source.name, "is damaged or not a zip file Trellis can open (a file inside it does not "
                        "match its checksum, or it was cut short). Export the roster again and retry.")
        findings.raise_if_refused()
        raise AssertionError("unreachable") from exc
    return RosterSource(paths=paths, unpacked_dir=unpacked, present_unread=unread)


def _zip_members(
    source: Path, members: list[zipfile.ZipInfo], findings: Findings
) -> tuple[dict[str, str], dict[str, zipfile.ZipInfo]]:
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
    return _match_names(list(by_name), findings), by_name


def _within_limits(source: Path, members: dict[str, zipfile.ZipInfo], findings: Findings) -> bool:
    """The sizes a zip declares, checked before anything is unpacked. Python never unpacks a
    member past its declared size, so these bound what is written."""
    fits = True
    for name, info in members.items():
        if info.file_size > ZIP_RATIO_LIMIT * max(info.compress_size, 1) and info.file_size > _COPY_BYTES:
            findings.refuse(name, f"in {source.name} would unpack to more than {ZIP_RATIO_LIMIT} times its "
                            "compressed size, which no roster export does; it was not opened.")
            fits = False
    total = sum(info.file_size for info in members.values())
    if total > ZIP_EXPANDED_LIMIT:
        findings.refuse(source.name, f"would unpack to {total / 1024**3:.1f} GiB, more than the "
                        f"{ZIP_EXPANDED_LIMIT // 1024**3} GiB Trellis reads; it was not opened.")
        fits = False
    return fits


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one member to ``target`` (mode 0600), never more than it declares."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written = 0
    with archive.open(info) as member, os.fdopen(descriptor, "wb") as out:
        while chunk := member.read(_COPY_BYTES):
            written += len(chunk)
            if written > info.file_size:
                raise zipfile.BadZipFile("a member is larger than it declares")
            out.write(chunk)


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
