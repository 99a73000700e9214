"""staff_records: the staff and their roles, and when the people tables are free to go."""

import duckdb

from trellis.interop.oneroster.people import staff_records
from trellis.interop.oneroster.records import StaffRole
from trellis.interop.oneroster.spec import V12, file_columns
from trellis.interop.oneroster.staging import Staging
from trellis.interop.oneroster.tables import Loaded


def people_tables() -> tuple[duckdb.DuckDBPyConnection, Loaded]:
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE t_users AS SELECT * FROM (VALUES
            ('t-2', 'active', true, 'bo', 'Bo', 'Diaz', 'bo@d.example', 'E2'),
            ('t-1', NULL, true, 'al', 'Al', 'Chen', 'al@d.example', 'E1'),
            ('s-1', 'active', true, NULL, NULL, NULL, NULL, NULL))
        t("sourcedId", "status", "enabledUser", "username", "givenName", "familyName", "email", "identifier")"""
    )
    con.execute(
        """CREATE TABLE user_roles AS SELECT * FROM (VALUES
            ('t-1', 'teacher', 'sch-2', false, true, 5),
            ('t-1', 'teacher', 'sch-1', true, true, 3),
            ('t-1', 'guardian', 'sch-1', false, true, 4),
            ('t-2', 'principal', 'sch-1', true, false, 2),
            ('s-1', 'student', 'sch-1', true, true, 6))
        t(uid, role, org, is_primary, live, _row)"""
    )
    con.execute(
        "CREATE TABLE kinds AS SELECT * FROM "
        "(VALUES ('t-1', 'staff'), ('t-2', 'staff'), ('s-1', 'student')) t(uid, kind)"
    )
    names = {"sourcedId", "status", "enabledUser", "username", "givenName", "familyName", "email", "identifier"}
    columns = tuple(c for c in file_columns("users.csv", V12) if c.name in names)
    return con, Loaded("users.csv", "t_users", columns, 3, ())


def test_staff_come_sorted_with_their_staff_roles_in_file_order():
    con, users = people_tables()
    records = staff_records(Staging(con), users, "bulk")
    assert [r.sourced_id for r in records] == ["t-1", "t-2"]
    first, second = records
    assert first.status == "active" and first.username == "al" and first.given_name == "Al"
    assert first.roles == [StaffRole("teacher", "sch-1", True), StaffRole("teacher", "sch-2", False)]
    assert second.roles == [] and second.removed_roles == [StaffRole("principal", "sch-1", True)]


def test_fetched_is_called_once_nothing_more_is_read():
    # The reader frees the people tables from that moment, while the records are still being built.
    con, users = people_tables()
    seen = []

    def fetched() -> None:
        seen.append(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'staff_%'").fetchall())
        con.execute("DROP TABLE t_users")
        con.execute("DROP TABLE user_roles")

    records = staff_records(Staging(con), users, "bulk", fetched)
    assert seen == [[(0,)]]
    assert [r.sourced_id for r in records] == ["t-1", "t-2"]
