"""Values that would not fit what Trellis keeps: too long, NUL bytes, bad emails, bad encoding."""

from __future__ import annotations

import pytest

from tests.interop.conftest import KEY, copy_fixture, set_cell
from trellis.interop.oneroster import RosterError, read_roster


def refusal(roster, tmp_path) -> list[str]:
    with pytest.raises(RosterError) as refused:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    return [str(p) for p in refused.value.problems]


@pytest.mark.parametrize(("users_cell", "orgs_cell", "expected"), [
    ((2, "givenName", "A" * 151), (3, "name", "B" * 201), [
        'orgs.csv, row 3, column "name": is longer than the 200 characters Trellis keeps for an organization.',
        'users.csv, row 2, column "givenName": is longer than the 150 characters Trellis keeps for a staff member.',
    ]),
    ((3, "familyName", "Oye\x00laran"), (4, "name", "Maple\x00Valley"), [
        'orgs.csv, row 4, column "name": holds a NUL character (byte 0). Save the file again as UTF-8 CSV.',
        'users.csv, row 3, column "familyName": holds a NUL character (byte 0). Save the file again as UTF-8 CSV.',
    ]),
], ids=["too long", "NUL byte"])
def test_staff_and_org_values_that_cannot_be_stored_are_refused_by_row(tmp_path, users_cell, orgs_cell, expected):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "users.csv", *users_cell)
    set_cell(roster / "orgs.csv", *orgs_cell)
    assert refusal(roster, tmp_path) == expected


def test_a_staff_email_that_is_not_an_email_is_dropped_with_a_warning(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "users.csv", 2, "email", "not an email")
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert 'users.csv, column "email": has staff emails that are not email addresses; those staff were ' \
           "imported without an email, first on row 2 (1 row)." in [str(w) for w in bundle.warnings]
    staff = {record.sourced_id: record for record in bundle.staff}
    assert staff["t-01"].email is None and staff["t-02"].email == "coyelaran@mvsd.example.org"


def test_a_row_that_is_not_utf8_is_reported_once(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    lines = (roster / "users.csv").read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Marisol", b"Mar\xe9sol").replace(b"Deverell", b"Dev\xe9rell")
    (roster / "users.csv").write_bytes(b"\n".join(lines))
    assert refusal(roster, tmp_path) == ["users.csv, row 4: is not UTF-8 text. Save the file as UTF-8 CSV and retry."]
