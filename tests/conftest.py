"""One fixture per role over a small state, plus an outsider from another district."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from trellis.orgs.models import Organization, Person


@pytest.fixture(autouse=True)
def _django_test_settings(request: pytest.FixtureRequest, tmp_path: Any) -> None:
    """Each test gets its own data directory, and jobs run at commit in the test's own thread so
    their effects are visible to it. Engine tests can run without Django (``-p no:django``)."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.TRELLIS_JOB_RUNNER = "inline"
    # Tests sign in hundreds of times; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRELLIS_HOME = tmp_path
    settings.TRELLIS_DATA_DIR = tmp_path / "data"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": str(tmp_path / "cache")}}


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_log_triggers(request: pytest.FixtureRequest) -> Any:
    """Transactional tests empty every table afterwards; on SQLite that is a DELETE, which the log
    tables' triggers refuse. Lift the triggers for the flush only (PostgreSQL flushes with
    TRUNCATE, which row triggers do not see). Production never flushes."""
    if not request.config.pluginmanager.hasplugin("django"):  # engine tests run without Django
        yield
        return
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from trellis.core.append_only import create_trigger_sql, drop_trigger_sql

    DatabaseOperations = DatabaseWrapper.ops_class  # noqa: N806
    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for statement in drop_trigger_sql("sqlite"):
                cursor.execute(statement)
        try:
            flush(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for statement in create_trigger_sql("sqlite"):
                    cursor.execute(statement)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]


@dataclass
class Tree:
    state: Organization
    region: Organization
    district: Organization
    school: Organization
    other_school: Organization
    other_district: Organization
    outside_school: Organization


@pytest.fixture
def tree(db: None) -> Tree:
    from tests.factories import OrganizationFactory
    from trellis.orgs.models import Organization

    K = Organization.Kind
    state = OrganizationFactory(name="State of Example", kind=K.STATE, sourced_id="state")
    region = OrganizationFactory(name="Region 1 Service Center", kind=K.REGION, parent=state, sourced_id="region-1")
    district = OrganizationFactory(name="Cedar Valley Unified", kind=K.DISTRICT, parent=region, sourced_id="d-cedar",
                                   locale="rural", enrollment=900, econ_disadvantaged_share=0.62)
    school = OrganizationFactory(name="Lincoln Elementary", kind=K.SCHOOL, parent=district, sourced_id="s-lincoln",
                                 locale="rural", enrollment=400, econ_disadvantaged_share=0.7)
    other_school = OrganizationFactory(name="Cedar Valley High", kind=K.SCHOOL, parent=district,
                                       sourced_id="s-cvhigh", locale="rural", enrollment=500)
    other_district = OrganizationFactory(name="Riverside City Schools", kind=K.DISTRICT, parent=region,
                                         sourced_id="d-river", locale="city", enrollment=5000,
                                         econ_disadvantaged_share=0.35)
    outside_school = OrganizationFactory(name="Riverside Middle", kind=K.SCHOOL, parent=other_district,
                                         sourced_id="s-rivermid", locale="city", enrollment=800)
    return Tree(state, region, district, school, other_school, other_district, outside_school)


def role_fixture(username: str, role: str, where: str, doc: str = "") -> Any:
    """A fixture giving one person the ``role`` over the tree's organization ``where``."""

    def fixture(tree: Tree) -> Person:
        from tests.factories import person_with_role
        from trellis.orgs.models import Role

        return person_with_role(username, Role(role), getattr(tree, where))

    fixture.__doc__ = doc or f"A {role.replace('_', ' ')} at the tree's {where}."
    return pytest.fixture(fixture, name=username.replace(".", "_"))


state_lead = role_fixture("state.lead", "state_lead", "state")
state_analyst = role_fixture("state.analyst", "state_analyst", "state")
regional_coach = role_fixture("regional.coach", "regional_coach", "region")
district_lead = role_fixture("district.lead", "district_lead", "district")
school_leader = role_fixture("school.leader", "school_leader", "school")
teacher = role_fixture("teacher", "teacher", "school")
outsider = role_fixture("outsider", "district_lead", "other_district", "The district lead of another district.")
