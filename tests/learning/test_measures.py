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
from trellis.learning.models import Offering, Registration
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
