"""No student's (or family member's) name, email, password, phone, birth date or raw sourcedId
reaches anything the reader writes or says."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.interop.conftest import FIXTURES, KEY, copy_fixture, read_rows
from tests.interop.test_oneroster_read import zip_folder
from tests.interop.test_oneroster_refusals import CASES
from trellis.interop.oneroster import RosterError, merge_student_store, read_roster

PERSONAL_USER_COLUMNS = (
    "sourcedId", "username", "givenName", "familyName", "middleName", "identifier", "email",
    "sms", "phone", "password", "preferredGivenName", "preferredMiddleName",
    "preferredFamilyName", "userMasterIdentifier",
)  # fmt: skip
PERSONAL_DEMOGRAPHIC_COLUMNS = ("birthDate", "cityOfBirth")
NOT_STAFF = {"student", "guardian", "parent", "relative"}


def _records(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    rows = read_rows(path)
    header = [h.strip() for h in rows[0]]
    # Rows may leave out the header's trailing unnamed columns (a real export does).
    return [dict(zip(header, row + [""] * (len(header) - len(row)), strict=True)) for row in rows[1:]]


def secrets(roster: Path) -> set[str]:
    """Every personal value of the students and family members in a fixture roster."""
    users = _records(roster / "users.csv")
    id_column = next(h for h in users[0] if h.lower().replace("_", "") == "sourcedid")
    roles = [(r["userSourcedId"], r["role"].lower()) for r in _records(roster / "roles.csv")]
    roles += [(u[id_column], u["role"].lower()) for u in users if "role" in u]
    students = {uid for uid, role in roles if role == "student"}
    staff = {uid for uid, role in roles if role not in NOT_STAFF} - students
    # Everyone who is not known to be staff (students, families, users without a role).
    people = {u[id_column] for u in users} - staff
    found: set[str] = set()
    for user in users:
        if user[id_column] in people:
            found |= {user.get(c, "") for c in PERSONAL_USER_COLUMNS}
            found |= {user.get(c.lower(), "") for c in PERSONAL_USER_COLUMNS}
            found |= {v for k, v in user.items() if k.strip().lower() in ("givenname", "family_name")}
            found.add(user[id_column])
    for row in _records(roster / "demographics.csv"):
        if row["sourcedId"] not in staff:
            found |= {row.get(c, "") for c in PERSONAL_DEMOGRAPHIC_COLUMNS}
    found.discard("")
    return found


def assert_nothing_leaks(secret_values: set[str], folder: Path, said: list[str]) -> None:
    assert len(secret_values) >= 10
    files = [path for path in folder.rglob("*") if path.is_file()]
    for path in files:
        data = path.read_bytes()
        leaked = sorted(s for s in secret_values if s.encode() in data)
        assert leaked == [], f"{path.name} holds {leaked}"
        if path.suffix == ".parquet":
            values = [str(v) for column in pq.read_table(path).to_pylist() for v in column.values()]
            leaked = sorted(s for s in secret_values if any(s in v for v in values))
            assert leaked == [], f"{path.name} holds {leaked}"
    for text in said:
        leaked = sorted(s for s in secret_values if s in text)
        assert leaked == [], f"{text!r} quotes {leaked}"


@pytest.mark.parametrize("fixture", ["v12_bulk", "v11_bulk", "messy", "v12_delta"])
def test_nothing_personal_is_written_or_said(tmp_path, fixture):
    secret_values = secrets(FIXTURES / fixture)
    staging = tmp_path / "staging"
    bundle = read_roster(FIXTURES / fixture, pseudonym_key=KEY, staging_dir=staging)
    merge_student_store(tmp_path / "empty", bundle, tmp_path / "store")
    said = [str(w) for w in bundle.warnings] + [
        repr(bundle.staff),
        repr(bundle.orgs),
        repr(bundle.summary),
        repr(bundle.school_stats),
    ]
    assert_nothing_leaks(secret_values, tmp_path, said)


def test_a_zip_leaves_nothing_personal_behind(tmp_path):
    archive = zip_folder(FIXTURES / "v12_bulk", tmp_path / "roster.zip")
    staging = tmp_path / "staging"
    bundle = read_roster(archive, pseudonym_key=KEY, staging_dir=staging)
    assert_nothing_leaks(secrets(FIXTURES / "v12_bulk"), staging, [str(w) for w in bundle.warnings])


@pytest.mark.parametrize(("breakage", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_refusals_quote_nothing_personal(tmp_path, breakage, expected):
    roster = copy_fixture("v12_bulk", tmp_path)
    secret_values = secrets(roster)
    breakage(roster)
    staging = tmp_path / "staging"
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=staging)
    assert_nothing_leaks(secret_values, staging, [str(refusal.value)])
