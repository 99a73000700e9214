"""The DuckDB tables a roster read passes between its steps.

Every table or view that one step of the read builds and a later one reads is created through
``Staging``, under one of the names below, and dropped through it, so what exists at any moment
of a read is written down here rather than agreed between modules. The tables of the files
themselves are ``tables.Loaded`` (see ``tables.load`` and ``tables.drop``).

========================  ==========================================================  ==========================
name                      holds                                                       made by, read by
========================  ==========================================================  ==========================
``user_roles``            one row per user, role and organization (uid, role, org,    people.build_kinds;
                          is_primary, live, _row)                                     the student and staff steps
``kinds``                 each user's one kind: student, staff or family              people.build_kinds; the
                                                                                      checks, store.find_unstaged
``users_graded`` (view)   users.csv with each student's first grade as a CEDS level   people.build_kinds
``users_with_kind``       users_graded with the kind                                  people.build_kinds; the
(view)                                                                                user checks, the students
``student_school``        the school of each student without a primaryOrgSourcedId    people.stage_student_users
``student_users``         each student's pseudonym and what users.csv says of them    people.stage_student_users;
(Arrow, registered)                                                                   write_students
``unstaged``              family members, and students without a staged row           store.find_unstaged;
                                                                                      store.write_enrollments
``student_keys``          sid → student_key, for the enrollments                      people.write_students;
                                                                                      store.write_enrollments
``user_ids``              every user's sourcedId, once users.csv itself is dropped    the reader; the
                                                                                      enrollments' reference check
``staff_roles``,          the staff and their staff roles, while they are fetched     people.staff_records
``staff_people`` (temp)   (on the connection that fetches them)
========================  ==========================================================  ==========================
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

USER_ROLES = "user_roles"
KINDS = "kinds"
USERS_GRADED = "users_graded"
USERS_WITH_KIND = "users_with_kind"
STUDENT_SCHOOL = "student_school"
STUDENT_USERS = "student_users"
UNSTAGED = "unstaged"
STUDENT_KEYS = "student_keys"
USER_IDS = "user_ids"
STAFF_ROLES = "staff_roles"
STAFF_PEOPLE = "staff_people"

NAMES = frozenset({USER_ROLES, KINDS, USERS_GRADED, USERS_WITH_KIND, STUDENT_SCHOOL, STUDENT_USERS, UNSTAGED,
                   STUDENT_KEYS, USER_IDS, STAFF_ROLES, STAFF_PEOPLE})


class Staging:
    """The staged tables of one read on one DuckDB connection: each created, replaced and
    dropped here. ``on(cursor)`` gives the same staging on another cursor of the connection (a
    DuckDB connection serves one thread at a time), so that a step running on another thread
    creates and drops its tables here too."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, _made: dict[str, str] | None = None,
                 _lock: Any = None) -> None:
        self.con = con
        #: name → what it is on its connection ("TABLE", "VIEW" or "ARROW").
        self._made = {} if _made is None else _made
        self._lock = _lock or threading.Lock()

    def on(self, con: duckdb.DuckDBPyConnection) -> Staging:
        return Staging(con, _made=self._made, _lock=self._lock)

    def table(self, name: str, select: str, *, temp: bool = False) -> str:
        """Create (or replace) table ``name`` from ``select``; return its name."""
        self.con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {self._named(name, 'TABLE')} AS {select}")
        return name

    def empty_table(self, name: str, columns: str) -> str:
        """Create (or replace) an empty table ``name`` with ``columns`` ("uid VARCHAR, ...")."""
        self.con.execute(f"CREATE OR REPLACE TABLE {self._named(name, 'TABLE')} ({columns})")
        return name

    def view(self, name: str, select: str) -> str:
        self.con.execute(f"CREATE OR REPLACE VIEW {self._named(name, 'VIEW')} AS {select}")
        return name

    def register(self, name: str, arrow_table: Any) -> str:
        """Make an Arrow table queryable as ``name`` (no copy)."""
        self.con.register(self._named(name, "ARROW"), arrow_table)
        return name

    def exists(self, name: str) -> bool:
        return name in self._made

    def drop(self, *names: str) -> None:
        """Drop the staged tables ``names`` that exist (views before tables, as given)."""
        for name in names:
            with self._lock:
                what = self._made.pop(name, None)
            if what == "ARROW":
                self.con.unregister(name)
            elif what is not None:
                self.con.execute(f"DROP {what} IF EXISTS {name}")

    def _named(self, name: str, what: str) -> str:
        if name not in NAMES:
            raise ValueError(f"{name} is not a staged table")
        with self._lock:
            self._made[name] = what
        return name
