"""The professional-learning measures from Trellis's own data, for pages, reports, the API and the CLI.

:func:`measure_tables` writes the learning app's year (attendance, completions, coaching cycles,
observations) and the roster (districts' locale and poverty quartile, teachers) as the Parquet
tables of :mod:`trellis.engine.measures.schema`; :func:`pl_measures` computes them through the
engine, statewide and suppressed once, and keeps the rows the person may see.

Teachers appear only under a keyed pseudonym (HMAC with the deployment's pseudonym key), never by
name or sourcedId. Student outcomes, where a district supplies them, arrive pseudonymised with the
same key as the roster's student store, so they join its class-teacher links; every read of them
is written to the access log.
"""

from __future__ import annotations

import datetime
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q

from trellis.core.services import access_record
from trellis.engine.measures import MeasureInputError, MeasureResult, compute, write_table, year_bounds
from trellis.engine.measures.schema import SCHEMAS
from trellis.interop.pseudonym import pseudonym_sql, pseudonymise, register_pseudonym_key
from trellis.learning.models import (
    Attendance,
    CoachingCycle,
    Observation,
    Offering,
    OfferingSession,
    Rating,
    Registration,
)
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.permissions import memberships_of
from trellis.orgs.selectors import poverty_quartiles

#: Roles that may see the measures: the state's staff statewide, a regional coach over the
#: districts of the region, a district lead over the district.
MEASURE_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.REGIONAL_COACH, Role.DISTRICT_LEAD}
MEASURE_KINDS = ("district", "poverty_quartile", "locale")


def _key() -> bytes:
    return settings.TRELLIS_PSEUDONYM_KEY.encode()


def teacher_key(person: Person | int, key: bytes | None = None) -> str:
    """The pseudonymous key of a teacher in the measure tables."""
    pk = person if isinstance(person, int) else person.pk
    return pseudonymise(key or _key(), f"trellis-person:{pk}")


def _district_of(organization: Organization, districts: dict[int, Organization]) -> Organization | None:
    for pk in reversed(Organization.path_ids(organization.path)):
        if pk in districts:
            return districts[pk]
    return None


def measure_tables(
    *, year: int, out_dir: Path, organization: Organization | None = None, outcomes: Path | None = None,
    actor: Any = None,
) -> Path:
    """Write the measure tables of school year ``year`` into ``out_dir``; return ``out_dir``.

    ``organization`` limits teachers, learning and observations to its subtree (the districts
    table always lists every district, for the statewide quartiles). ``outcomes`` is a Parquet or
    CSV file of student outcomes with ``pre`` and ``post`` and either ``student_key`` (already
    pseudonymised) or ``student_id`` (pseudonymised here, never written): it is joined to the
    roster's class-teacher links, and reading it is written to the access log for ``actor``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = _key()
    first, last = year_bounds(year)
    all_districts = {d.pk: d for d in Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True)}
    quartile = poverty_quartiles(Organization.Kind.DISTRICT)
    regions = {o.pk: o for o in Organization.objects.filter(kind=Organization.Kind.REGION)}
    district_rows: dict[str, list[Any]] = defaultdict(list)
    for district in sorted(all_districts.values(), key=lambda d: d.pk):
        region = regions.get(district.parent_id or 0)
        district_rows["district_id"].append(str(district.pk))
        district_rows["name"].append(district.name)
        district_rows["region"].append(region.name if region else "")
        district_rows["locale"].append(district.locale or None)
        district_rows["poverty_quartile"].append(quartile.get(district.pk))
    write_table(out_dir, "districts", district_rows)

    scope = Q(organization__path__startswith=organization.path) if organization is not None else Q()
    teacher_places: dict[int, tuple[str, str]] = {}
    memberships = (Membership.objects.filter(scope, role=Role.TEACHER, person__is_active=True,
                                             organization__is_active=True)
                   .select_related("organization").order_by("person_id", "-organization__kind", "pk"))
    for membership in memberships:
        if membership.person_id in teacher_places:
            continue
        place = membership.organization
        district = _district_of(place, all_districts)
        if district is None:
            continue
        school = str(place.pk) if place.kind == Organization.Kind.SCHOOL else ""
        teacher_places[membership.person_id] = (str(district.pk), school)
    keys = {pk: teacher_key(pk, key) for pk in teacher_places}
    write_table(out_dir, "teachers", {
        "teacher_key": [keys[pk] for pk in teacher_places],
        "district_id": [place[0] for place in teacher_places.values()],
        "school_id": [place[1] for place in teacher_places.values()],
    })

    # Every column starts empty, so that a year without records writes empty tables.
    pl: dict[str, list[Any]] = {name: [] for name in SCHEMAS["pl"].names}

    def add_pl(person_id: int, offering: Offering, hours: float, day: datetime.date) -> None:
        pl["teacher_key"].append(keys[person_id])
        pl["offering_id"].append(str(offering.pk))
        pl["format"].append(offering.format)
        # Every offering in Trellis is professional learning on AI, the platform's purpose.
        pl["ai_related"].append(True)
        pl["hours"].append(float(hours))
        pl["date"].append(day)

    attended = (Attendance.objects.filter(present=True, person_id__in=keys,
                                          session__starts_at__date__range=(first, last))
                .select_related("session__offering"))
    with_sessions = set()
    for row in attended:
        with_sessions.add(row.session.offering_id)
        add_pl(row.person_id, row.session.offering, float(row.session.hours), row.session.starts_at.date())
    # Offerings without sessions (self-paced courses, micro-credentials): credit hours on completion.
    completed = (Registration.objects.filter(person_id__in=keys, completed_at__date__range=(first, last))
                 .exclude(offering_id__in=with_sessions).select_related("offering"))
    for registration in completed:
        add_pl(registration.person_id, registration.offering, float(registration.credit_hours),
               registration.completed_at.date())
    write_table(out_dir, "pl", pl)

    coached = set(CoachingCycle.objects.filter(teacher_id__in=keys, started_on__lte=last)
                  .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=first)).values_list("teacher_id", flat=True))
    observations: dict[str, list[Any]] = {name: [] for name in SCHEMAS["observations"].names}
    ratings = (Rating.objects.filter(observation__isnull=False, observation__teacher_id__in=keys,
                                     observation__observed_on__range=(first, last))
               .values_list("observation__teacher_id", "competency__identifier", "level", "observation__observed_on")
               .order_by("observation__observed_on", "pk"))
    for teacher_id, competency, level, day in ratings:
        observations["teacher_key"].append(keys[teacher_id])
        observations["competency"].append(competency)
        observations["level"].append(level)
        observations["date"].append(day)
        observations["coached"].append(teacher_id in coached)
    write_table(out_dir, "observations", observations)

    if outcomes is not None:
        _outcome_tables(out_dir, Path(outcomes), keys, key, actor=actor, organization=organization)
    return out_dir


def _outcome_tables(out_dir: Path, source: Path, keys: dict[int, str], key: bytes, *, actor: Any,
                    organization: Organization | None) -> None:
    """Pseudonymise the outcome file on arrival and link students to their teachers' keys."""
    from trellis.orgs.roster import roster_store_dir

    connection = duckdb.connect()
    try:
        register_pseudonym_key(connection, key)
        reader = "read_csv" if source.suffix.lower() in (".csv", ".txt") else "read_parquet"
        quoted = str(source).replace("'", "''")
        try:
            columns = [row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {reader}('{quoted}')").fetchall()]
        except duckdb.Error as exc:
            raise MeasureInputError(f"cannot read {source.name}: {exc}") from exc
        if "student_key" in columns:
            student = "CAST(student_key AS VARCHAR)"
        elif "student_id" in columns:
            student = pseudonym_sql("trim(CAST(student_id AS VARCHAR))")
        else:
            raise MeasureInputError(f"{source.name} needs a column student_id (or student_key); "
                                    f"its columns are {', '.join(columns)}")
        for column in ("pre", "post"):
            if column not in columns:
                raise MeasureInputError(f"{source.name} has no column {column!r}; its columns are {', '.join(columns)}")
        target = str(out_dir / "outcomes.parquet").replace("'", "''")
        connection.execute(f"""COPY (SELECT {student} AS student_key, CAST(pre AS DOUBLE) AS pre,
                                     CAST(post AS DOUBLE) AS post FROM {reader}('{quoted}'))
                               TO '{target}' (FORMAT parquet)""")
        rows = connection.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        staff = {person.sourced_id: keys[person.pk]
                 for person in Person.objects.filter(pk__in=keys, sourced_id__isnull=False).only("pk", "sourced_id")}
        connection.execute("CREATE TABLE staff (sourced_id VARCHAR, teacher_key VARCHAR)")
        if staff:
            connection.executemany("INSERT INTO staff VALUES (?, ?)", list(staff.items()))
        enrollments = roster_store_dir() / "enrollments.parquet"
        links = str(out_dir / "class_teachers.parquet").replace("'", "''")
        if enrollments.is_file():
            path = str(enrollments).replace("'", "''")
            connection.execute(f"""COPY (
                SELECT DISTINCT s.person_key AS student_key, staff.teacher_key
                FROM read_parquet('{path}') s
                JOIN read_parquet('{path}') t ON t.class_sourced_id = s.class_sourced_id AND t.role = 'teacher'
                JOIN staff ON staff.sourced_id = t.person_key
                WHERE s.role = 'student' AND s.status = 'active' AND t.status = 'active'
            ) TO '{links}' (FORMAT parquet)""")
        else:
            write_table(out_dir, "class_teachers", {"student_key": [], "teacher_key": []})
    finally:
        connection.close()
    access_record(actor=actor, dataset="student outcomes", purpose="Professional-learning measures: outcomes",
                  organization_id=organization.pk if organization is not None else None,
                  rows_read=int(rows[0]) if rows else 0)


_STATEWIDE: dict[tuple[Any, ...], MeasureResult] = {}
_KEPT = 8


def data_version() -> tuple[Any, ...]:
    """What the measures are computed from, in a few aggregates: the count and latest change of
    every table they read (a new, changed or removed row changes it)."""
    version: list[Any] = []
    for queryset in (Attendance.objects.all(), Registration.objects.all(), CoachingCycle.objects.all(),
                     Observation.objects.all(), Rating.objects.all(), Offering.objects.all(),
                     OfferingSession.objects.all(), Membership.objects.filter(role=Role.TEACHER),
                     Person.objects.all(), Organization.objects.all()):
        version.append(tuple(queryset.aggregate(rows=Count("pk"), latest=Max("updated_at")).values()))
    return tuple(version)


def _measure_scopes(user: Any) -> list[Organization]:
    return [m.organization for m in memberships_of(user) if m.role in MEASURE_ROLES]


def can_see_measures(user: Any, organization: Organization) -> bool:
    """The state's staff anywhere, a regional coach or a district lead over their own subtree."""
    return any(organization.path.startswith(scope.path) for scope in _measure_scopes(user))


def _visible_districts(organization: Organization) -> set[str]:
    return {str(pk) for pk in Organization.objects.filter(
        kind=Organization.Kind.DISTRICT, path__startswith=organization.path).values_list("pk", flat=True)}


def pl_measures(
    *, user: Any, organization: Organization, year: int, hours_threshold: float = 10.0,
    outcomes: Path | None = None,
) -> MeasureResult:
    """The measures of school year ``year`` that ``user`` may see for ``organization``.

    Computed statewide with every district, poverty quartile and locale, suppressed once, so every
    person sees cells of the same suppression pattern and none can be worked out by comparing what
    two people see. For the state every row; for a region or district its districts' rows and the
    statewide comparison rows (all, quartiles, locales, and the quartile gaps).

    Raises
    ------
    PermissionDenied
        For anyone but the state's staff, a regional coach or a district lead over ``organization``.
    """
    if organization.kind == Organization.Kind.SCHOOL or not can_see_measures(user, organization):
        raise PermissionDenied("You cannot see the professional-learning measures of this organization.")
    return organization_measures(organization=organization, year=year, hours_threshold=hours_threshold,
                                 outcomes=outcomes, actor=user)


def organization_measures(
    *, organization: Organization, year: int, hours_threshold: float = 10.0, outcomes: Path | None = None,
    actor: Any = None,
) -> MeasureResult:
    """The measures of ``organization`` without a permission check (for :func:`pl_measures` and the
    command line, whose user holds the data directory): computed statewide, then filtered."""
    key = (year, float(hours_threshold), int(settings.TRELLIS_MIN_N), data_version())
    result = _STATEWIDE.get(key) if outcomes is None else None
    if result is None:
        with tempfile.TemporaryDirectory(prefix="trellis-measures-") as tmp:
            tables = measure_tables(year=year, out_dir=Path(tmp), outcomes=outcomes, actor=actor, organization=None)
            result = compute(tables, year=year, hours_threshold=hours_threshold, min_n=settings.TRELLIS_MIN_N,
                             by=MEASURE_KINDS)
        if outcomes is None:
            # Outcome files are read (and logged) every time; the rest is kept per data version.
            while len(_STATEWIDE) >= _KEPT:
                _STATEWIDE.pop(next(iter(_STATEWIDE)))
            _STATEWIDE[key] = result
    if organization.kind == Organization.Kind.STATE:
        return result
    return result.only_districts(_visible_districts(organization))
