"""Every number about people on the cross-silo page, in its CSV and in the API comes from the
statewide measures, suppressed once by the engine: filtering by region, locale or poverty level
only chooses which published cells are shown, so comparing filtered views (or any view with the
API) recovers no hidden district."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from tests.api.test_api import bearer, get
from tests.engine.test_measures_suppression import _recovered, attack
from tests.factories import OrganizationFactory, person_with_role
from tests.tools.conftest import client_for
from trellis.insights.forms import current_school_year
from trellis.insights.measures_sections import cell
from trellis.insights.overview import PL_MEASURES, measure_heading
from trellis.learning.models import Attendance, Offering, OfferingSession
from trellis.orgs.models import Organization, Role

# (name, locale, share economically disadvantaged, teachers, of whom with 12 hours of AI PL)
DISTRICTS = [
    ("North Hills", "suburb", 0.10, 24, 18), ("Lakeview", "city", 0.30, 20, 9), ("Pine Ridge", "rural", 0.50, 16, 5),
    ("Granite Falls", "town", 0.70, 14, 6), ("Mesa Verde", "rural", 0.90, 4, 1),
]
FILTERS = [{}, *({"locale": loc} for loc in ("city", "suburb", "town", "rural")),
           *({"quartile": q} for q in (1, 2, 3, 4))]


@pytest.fixture
def state_with_learning(tree, settings):
    """Five districts of the tree's region (Cedar Valley and Riverside have no teachers), with a
    two-session course taken in the current school year; Mesa Verde has only four teachers."""
    settings.TRELLIS_MIN_N = 10
    year = current_school_year()
    course = Offering.objects.create(title="AI in the classroom", format="course", organization=tree.state,
                                     provider="state", modality="online", credit_hours="12.0")
    sessions = [OfferingSession.objects.create(offering=course, hours="6.0",
                                               starts_at=datetime.datetime(year - 1, 9, day, 16, tzinfo=datetime.UTC))
                for day in (15, 22)]
    for index, (name, locale, share, teachers, trained) in enumerate(DISTRICTS):
        district = OrganizationFactory(name=name, kind=Organization.Kind.DISTRICT, parent=tree.region, locale=locale,
                                       econ_disadvantaged_share=share, enrollment=1000)
        school = OrganizationFactory(name=f"{name} School", kind=Organization.Kind.SCHOOL, parent=district,
                                     locale=locale)
        for t in range(teachers):
            person = person_with_role(f"t{index}-{t}", Role.TEACHER, school)
            if t < trained:
                for session in sessions:
                    Attendance.objects.create(session=session, person=person, present=True)
    return year


def published(client, params):
    response = client.get(reverse("insights:overview"), params)
    assert response.status_code == 200
    return response


def test_filtered_views_show_only_published_cells_and_recover_nothing(state_lead, state_analyst, tree,
                                                                       state_with_learning):
    client = client_for(state_lead)
    full = published(client, {})
    result = full.context["overview"].measures
    by_name = {row.district.name: row for row in full.context["rows"]}
    mesa = result.row("participation_share", "district", str(by_name["Mesa Verde"].district.pk))
    assert mesa.suppressed and mesa.n is None and mesa.value is None
    hidden = [r for r in result.rows if r.measure == "participation_share" and r.suppressed]
    assert len(hidden) >= 2  # Mesa Verde and at least one complement

    comparison = full.context["comparison"]
    api = {row["district"]: row for row in get("overview", bearer(state_analyst)).json()}
    for params in FILTERS:
        response = published(client, params)
        # The comparison rows are the same on every filter: nothing is totalled over the districts shown.
        assert response.context["comparison"] == comparison
        for row in response.context["rows"]:
            for measure in PL_MEASURES:
                own = result.row(measure, "district", str(row.district.pk))
                shown = row.extra[measure_heading(measure, result)]
                assert shown == (cell(own)[0] if own is not None else "No data")
                if own is not None and own.suppressed:
                    assert shown == "Suppressed"
            share = result.row("participation_share", "district", str(row.district.pk))
            chart = [v for v in response.context["chart_values"] if v["district"] == row.district.name
                     and v["measure"].startswith("Teachers")]
            if share is None:
                assert chart == [] and api[row.district.name]["pl_measures"] == {}
                continue
            assert chart == ([] if share.suppressed else [
                {"district": row.district.name, "poverty": row.quartile_label,
                 "measure": "Teachers with enough AI PL (%)", "value": round(100 * share.value)}])
            assert api[row.district.name]["pl_measures"]["participation_share"] == (
                None if share.suppressed else share.value)
        download = client.get(reverse("insights:overview-csv"), params)
        table = list(csv.DictReader(io.StringIO(download.content.decode())))
        assert [line["District"] for line in table] == [row.district.name for row in response.context["rows"]]
        for line in table:
            heading = "Teachers with at least 10 hours of AI-related professional learning"
            assert line[heading] == by_name[line["District"]].extra[heading]

    # Everything the page, the CSV and the API published is the engine's suppressed result; with
    # all of it, the differencing attack (linear programmes over the nesting of districts in
    # quartiles, locales and the state) pins down no hidden count.
    nesting = [(str(row.district.pk), row.quartile, row.district.locale, 0) for row in full.context["rows"]
               if result.row("participation_share", "district", str(row.district.pk)) is not None]
    for count in ("n", "participants"):
        assert _recovered(attack(result, "participation_share", count, nesting)) == []


def test_cached_measures_follow_every_change_to_what_they_are_computed_from(state_lead, tree, state_with_learning,
                                                                          settings):
    settings.TRELLIS_PAGE_CACHE_SECONDS = 0  # the measures' own cache, below the pages' (tests/core/test_pages.py)
    client = client_for(state_lead)

    def pine_ridge_share():
        rows = published(client, {}).context["rows"]
        return next(r for r in rows if r.district.name == "Pine Ridge").measures["participation_share"].value

    assert pine_ridge_share() == 5 / 16
    assert pine_ridge_share() == 5 / 16  # from the cache
    school = Organization.objects.get(name="Pine Ridge School")
    person = next(m.person for m in school.memberships.select_related("person")
                  if not Attendance.objects.filter(person=m.person).exists())
    for session in OfferingSession.objects.all():
        Attendance.objects.create(session=session, person=person, present=True)
    assert pine_ridge_share() == 6 / 16
    Attendance.objects.filter(person=person).delete()
    assert pine_ridge_share() == 5 / 16
