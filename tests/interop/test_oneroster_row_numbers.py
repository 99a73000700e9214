"""Row numbers in messages are the file's, also when a large file is read in parallel."""

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.interop.conftest import KEY, copy_fixture, read_rows, write_rows
from trellis.interop.oneroster import RosterError, read_roster, tables


def test_problems_spread_over_a_large_file_each_name_their_own_row(
    tmp_path: Path, staging: Path, tuned: Callable[..., None]
) -> None:
    # Small read buffers, so that a few MB are read as many batches on several threads.
    tuned(csv_buffer_bytes=tables.MAX_LINE_BYTES)
    roster = copy_fixture("v12_bulk", tmp_path)
    rows = read_rows(roster / "roles.csv")
    header, teacher = rows[0], dict(zip(rows[0], rows[1], strict=True))
    for number in range(100_000):
        extra = {**teacher, "sourcedId": f"r-extra-{number:06d}", "roleType": "secondary"}
        rows.append([extra[column] for column in header])
    bad = {row: f"janitor{n}" for n, row in enumerate(range(5_000, len(rows), 10_000))}
    for row, value in bad.items():
        rows[row - 1][header.index("role")] = value
    write_rows(roster / "roles.csv", rows)

    with pytest.raises(RosterError) as refused:
        read_roster(roster, pseudonym_key=KEY, staging_dir=staging)

    # The values are not quoted (roles.csv is about people), so the rows alone say which was found.
    assert [p.row for p in refused.value.problems] == sorted(bad)
    assert {p.message for p in refused.value.problems} == {
        "is not one of: aide, counselor, districtAdministrator, guardian, parent, principal, proctor, relative, "
        "siteAdministrator, student, systemAdministrator, teacher, or an extension starting with ext:."}
    assert all(p.file == "roles.csv" and p.column == "role" for p in refused.value.problems)
