"""The professional-learning measures from the learning app's records: tables, permissions, logging."""

from __future__ import annotations

import datetime
from decimal import Decimal

import duckdb
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories import person_with_role
from trellis.core.models import AccessEvent, AuditEvent
from trellis.learning.measures import measure_tables, pl_measures, teacher_key
from trellis.learning.models import Observation, Offering, Registration
from trellis.learning.services import (
    attendance_record,
    cycle_start,
    framework_default,
    observation_record,
    offering_create,
    registration_join,
    session_add,
)

YEAR = 2026


def at(month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026 if month < 7 else 2025, month, day, 15, 30))


@pytest.fixture
def year_of_pl(tree, district_lead, regional_coach, settings):
    """Twelve teachers in Cedar Valley (rural, high poverty), twelve in Riverside (city): Riverside's
    take a 12-hour course; Cedar Valley's a 2-hour workshop. Six Cedar Valley teachers are
    observed twice, three of them in a coaching cycle whose levels rise."""
    settings.TRELLIS_MIN_N = 3
    cedar = [person_with_role(f"cedar.{i}", "teacher", tree.school) for i in range(12)]
    river = [person_with_role(f"river.{i}", "teacher", tree.outside_school) for i in range(12)]
    workshop = offering_create(actor=district_lead.user, organization=tree.district, title="AI chat tools",
                               format=Offering.Format.WORKSHOP, provider=Offering.Provider.DISTRICT,
                               modality=Offering.Modality.IN_PERSON, credit_hours=Decimal("2.0"))
    session = session_add(actor=district_lead.user, offering=workshop, starts_at=at(10, 2), hours=Decimal("2.0"))
    for person in cedar:
        registration_join(actor=person.user, offering=workshop)
    attendance_record(actor=district_lead.user, session=session, present={p.pk for p in cedar[:9]})
    course = offering_create(actor=regional_coach.user, organization=tree.region, title="Teaching with AI",
                             format=Offering.Format.COURSE, provider=Offering.Provider.REGION,
                             modality=Offering.Modality.HYBRID, credit_hours=Decimal("12.0"))
    sessions = [session_add(actor=regional_coach.user, offering=course, starts_at=at(month, 5), hours=Decimal("3.0"))
                for month in (9, 11, 1, 3)]
    for person in river:
        registration_join(actor=person.user, offering=course)
    for s in sessions:
        attendance_record(actor=regional_coach.user, session=s, present={p.pk for p in river[:10]})
    # A session of another school year counts for nothing.
    old = session_add(actor=regional_coach.user, offering=course, starts_at=at(9, 1).replace(year=2024),
                      hours=Decimal("3.0"))
    attendance_record(actor=regional_coach.user, session=old, present={p.pk for p in river})
    framework = framework_default()
    competency = framework.competencies.get(human_coding_scheme="AI-CFT.2")
    for index, person in enumerate(cedar[:6]):
        coached = index < 3
        cycle = cycle_start(actor=regional_coach.user, teacher=person, competency=competency, goal="Check AI output",
                            started_on=datetime.date(2025, 9, 15)) if coached else None
        for day, gain in ((datetime.date(2025, 10, 1), 0), (datetime.date(2026, 3, 1), 1)):
            observation_record(actor=regional_coach.user, teacher=person, framework=framework, observed_on=day,
                               ratings={competency.pk: 1 + (gain if coached else 0)}, cycle=cycle,
                               kind="observation" if coached else "walkthrough", notes="")
    return {"cedar": cedar, "river": river}


def test_tables_key_teachers_by_pseudonym_and_count_the_year_s_hours(year_of_pl, tree, tmp_path):
    out = measure_tables(year=YEAR, out_dir=tmp_path)
    con = duckdb.connect()
    teachers = con.execute(f"SELECT * FROM '{out}/teachers.parquet'").df()
    assert len(teachers) == 24 + 0  # the role fixtures' teachers are not in these districts' schools
    cedar = year_of_pl["cedar"][0]
    assert teacher_key(cedar) in set(teachers["teacher_key"])
    text = " ".join(path.read_bytes().decode("latin-1") for path in out.glob("*.parquet"))
    for person in year_of_pl["cedar"] + year_of_pl["river"]:
        assert person.family_name not in text and person.user.username not in text
    hours = dict(con.execute(f"""SELECT t.district_id, sum(p.hours) FROM '{out}/pl.parquet' p
                                JOIN '{out}/teachers.parquet' t USING (teacher_key) GROUP BY 1""").fetchall())
    assert hours == {str(tree.district.pk): 18.0, str(tree.other_district.pk): 120.0}
    districts = con.execute(f"SELECT district_id, locale, poverty_quartile FROM '{out}/districts.parquet'").fetchall()
    assert (str(tree.district.pk), "rural", 4) in districts
    observations = con.execute(f"SELECT coached, sum(level) FROM '{out}/observations.parquet' GROUP BY 1").fetchall()
    assert sorted(observations) == [(False, 6), (True, 9)]


def test_state_lead_sees_every_district_and_the_measures_follow_the_records(year_of_pl, state_lead, tree):
    result = pl_measures(user=state_lead.user, organization=tree.state, year=YEAR, hours_threshold=10)
    river = result.row("participation_share", "district", str(tree.other_district.pk))
    cedar = result.row("participation_share", "district", str(tree.district.pk))
    assert (river.n, river.value) == (12, 10 / 12)
    assert (cedar.n, cedar.value) == (12, 0.0)
    hours = result.row("hours_per_teacher", "locale", "rural")
    assert hours.value == pytest.approx(18 / 12)
    assert result.row("durable_share", "locale", "city").value == 1.0
    practice = result.row("practice_change", "district", str(tree.district.pk))
    # Every coached teacher rose one level and no other did: no spread, so no interval.
    assert (practice.n, practice.value, practice.low) == (6, 1.0, None)
    assert any("not a causal estimate" in note for note in result.notes)


def test_a_year_without_records_gives_measures_of_nobody(year_of_pl, state_lead, tree):
    result = pl_measures(user=state_lead.user, organization=tree.state, year=YEAR - 3)

    participation = result.row("participation_share", "all", "all")
    assert participation.n == 24 and participation.value == 0.0
    assert result.row("practice_change", "all", "all").value is None


def test_district_lead_sees_their_district_and_the_state_rows_only(year_of_pl, district_lead, tree):
    result = pl_measures(user=district_lead.user, organization=tree.district, year=YEAR)
    districts = {row.group for row in result.rows if row.group_kind == "district"}
    assert districts == {str(tree.district.pk)}
    assert result.row("participation_share") is not None
    assert result.to_dict()["rows"]


@pytest.mark.parametrize("who", ["teacher", "school_leader", "outsider", "district_lead", "regional_coach"])
def test_denied_everyone_else(year_of_pl, request, tree, who):
    person = request.getfixturevalue(who)
    before = (AccessEvent.objects.count(), AuditEvent.objects.count(), Registration.objects.count())
    target = {"teacher": tree.district, "school_leader": tree.district, "outsider": tree.district,
              "district_lead": tree.state, "regional_coach": tree.state}[who]
    with pytest.raises(PermissionDenied):
        pl_measures(user=person.user, organization=target, year=YEAR)
    with pytest.raises(PermissionDenied):
        pl_measures(user=person.user, organization=tree.school, year=YEAR)
    assert (AccessEvent.objects.count(), AuditEvent.objects.count(), Registration.objects.count()) == before


def test_an_outcome_file_is_pseudonymised_on_arrival_and_its_reading_logged(year_of_pl, state_lead, tree, tmp_path):
    source = tmp_path / "outcomes.csv"
    source.write_text("student_id,pre,post\nS-1,200,210\nS-2,190,195\n", encoding="utf-8")
    out = measure_tables(year=YEAR, out_dir=tmp_path / "tables", outcomes=source, actor=state_lead.user)
    keys = duckdb.connect().execute(f"SELECT student_key FROM '{out}/outcomes.parquet'").fetchall()
    assert len(keys) == 2 and all(len(k) == 32 and "S-" not in k for (k,) in keys)
    event = AccessEvent.objects.get()
    assert (event.dataset, event.rows_read, event.actor_id) == ("student outcomes", 2, state_lead.user.pk)


def test_cli_reads_the_database_for_an_organization(year_of_pl, tree):
    from typer.testing import CliRunner

    from trellis.cli import app

    result = CliRunner().invoke(app, ["measures", "--year", "2026", "--org", "d-cedar", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert {row["group"] for row in data["rows"] if row["group_kind"] == "district"} == {str(tree.district.pk)}
    refused = CliRunner().invoke(app, ["measures", "--year", "2026", "--org", "s-lincoln"])
    assert refused.exit_code == 2 and "not a school" in refused.output


@pytest.mark.slow
def test_the_demo_year_shows_the_coaching_gain_and_more_workshop_than_durable_hours(
        transactional_db, tmp_path, settings):
    """The demo's small state (one district): coached teachers' levels rise and the others' stay level,
    and most AI-related hours are one-time workshops. The measures find both."""
    from trellis.engine.synth.roster import generate_state
    from trellis.learning.demo import learning_demo_load
    from trellis.learning.measures import organization_measures
    from trellis.orgs.demo import demo_logins
    from trellis.orgs.models import Membership, Organization, Role
    from trellis.orgs.roster import roster_import

    generate_state("small", seed=3, out_dir=tmp_path / "roster")
    # Committed for real: the roster's student store is swapped in when the import commits.
    roster_import(actor=None, source=tmp_path / "roster", scope=None, progress=lambda *a: None)
    demo_logins(password="demo-password-123")
    learning_demo_load(seed=3)
    settings.TRELLIS_MIN_N = 2
    state = Organization.objects.get(kind=Organization.Kind.STATE)
    result = organization_measures(organization=state, year=YEAR)
    teachers = Membership.objects.filter(role=Role.TEACHER, person__is_active=True).values("person").distinct()
    assert result.row("participation_share").n == teachers.count()
    practice = result.row("practice_change")
    assert practice.value is not None and practice.value > 0
    assert result.row("durable_share").value < 0.5
    assert result.row("hours_per_teacher").value > 0
    assert result.row("outcome_change") is None  # no outcome file: nothing is made up

    # A district's outcome file, keyed as the roster's student store is: joined through its classes.
    from trellis.core.models import AccessEvent
    from trellis.orgs.roster import roster_store_dir

    store = roster_store_dir() / "students.parquet"
    query = f"SELECT student_key FROM '{store}' ORDER BY 1 LIMIT 300"
    keys = [k for (k,) in duckdb.connect().execute(query).fetchall()]
    source = tmp_path / "outcomes.csv"
    source.write_text("student_key,pre,post\n" + "".join(f"{k},{200 + i % 7},{203 + i % 5}\n"
                                                         for i, k in enumerate(keys)), encoding="utf-8")
    result = organization_measures(organization=state, year=YEAR, outcomes=source)
    outcome = result.row("outcome_change")
    assert outcome is not None and outcome.n == 300  # every one of these students is in a teacher's class
    assert AccessEvent.objects.filter(dataset="student outcomes", rows_read=300).count() == 1


def test_measures_are_kept_until_the_data_changes(year_of_pl, state_lead, district_lead, tree, monkeypatch):
    import trellis.learning.measures as measures

    calls = []
    real = measures.compute
    monkeypatch.setattr(measures, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(measures, "_STATEWIDE", {})
    first = pl_measures(user=state_lead.user, organization=tree.state, year=YEAR)
    assert pl_measures(user=district_lead.user, organization=tree.district, year=YEAR).rows != first.rows
    assert pl_measures(user=state_lead.user, organization=tree.state, year=YEAR) == first
    assert len(calls) == 1
    course = Offering.objects.get(title="Teaching with AI")
    attendance_record(actor=None, session=course.sessions.order_by("starts_at").last(),
                      present={p.pk for p in year_of_pl["river"]})
    again = pl_measures(user=state_lead.user, organization=tree.state, year=YEAR)
    assert len(calls) == 2 and again != first
    pl_measures(user=state_lead.user, organization=tree.state, year=YEAR, hours_threshold=5)
    assert len(calls) == 3
    # An observation moved out of the year changes no rating, and still counts as a change.
    observation = Observation.objects.order_by("pk").first()
    observation.observed_on = datetime.date(2024, 3, 1)
    observation.save()
    pl_measures(user=state_lead.user, organization=tree.state, year=YEAR)
    assert len(calls) == 4
