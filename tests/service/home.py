"""A Trellis installation of its own for tests that run the real commands in other processes
(the worker, gunicorn, backup and restore): its own TRELLIS_HOME and, under PostgreSQL, its own
database on the test server."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
#: Tables whose rows are about the running service rather than the data a person gave us.
SERVICE_TABLES = {"core_job", "django_tasks_database_dbtaskresult", "django_session", "core_auditevent",
                  "core_loginattempt"}


@dataclass
class Home:
    path: Path
    env: dict[str, str]

    def trellis(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "trellis"), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=check)

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        return subprocess.Popen([str(BIN / "trellis"), *args], env=self.env, text=True, **kwargs)

    def python(self, code: str, timeout: float = 300) -> Any:
        """Run ``code`` with Django set up for this home; it assigns ``out``, returned as JSON."""
        script = "import django, json\ndjango.setup()\nout = None\n" + textwrap.dedent(code) + \
            "\nprint('\\n@@' + json.dumps(out, default=str))\n"
        done = subprocess.run([sys.executable, "-c", script], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"snippet failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.rsplit("\n@@", 1)[1])

    def database_rows(self, skip: set[str] = SERVICE_TABLES) -> dict[str, str]:
        """A checksum of every row of every table (by default, of the tables people's data is in)."""
        return self.python(f"""
            import hashlib
            from django.db import connection
            skip = {sorted(skip)!r}
            out = {{}}
            with connection.cursor() as cursor:
                for table in sorted(connection.introspection.table_names()):
                    if table in skip:
                        continue
                    cursor.execute(f'SELECT * FROM "{{table}}"')
                    rows = sorted(repr(row) for row in cursor.fetchall())
                    out[table] = f"{{len(rows)}}:" + hashlib.sha256("\\n".join(rows).encode()).hexdigest()
        """)

    def audit_actions(self) -> list[str]:
        return self.python("""
            from trellis.core.models import AuditEvent
            out = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
        """)

    def data_files(self) -> dict[str, str]:
        return files_checksums(self.path / "data")


def files_checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


@contextmanager
def fresh_home(folder: Path) -> Iterator[Home]:
    """An empty Trellis home in ``folder``; a new database when the tests run on PostgreSQL."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TRELLIS_", "PYTEST_"))}
    env.update(TRELLIS_HOME=str(folder), DJANGO_SETTINGS_MODULE="trellis.config.settings")
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        env.pop("DATABASE_URL", None)
        yield Home(folder, env)
        return
    import psycopg

    name = f"trellis_{uuid.uuid4().hex[:12]}"
    admin = server.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    try:
        yield Home(folder, env)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
