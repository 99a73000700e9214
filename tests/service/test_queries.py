"""The pages people load most make a fixed number of queries, however many districts, schools and
staff there are: an N+1 cannot come back unnoticed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, OrganizationFactory, person_with_role
from trellis.orgs.models import Organization, Role


def grow(tree, districts: int) -> None:
    """Add districts with a school and two staff each below the tree's region."""
    K = Organization.Kind
    for index in range(districts):
        district = OrganizationFactory(name=f"District {index}", kind=K.DISTRICT, parent=tree.region,
                                       sourced_id=f"d-{index}", enrollment=100 + index,
                                       econ_disadvantaged_share=index / districts)
        school = OrganizationFactory(name=f"School {index}", kind=K.SCHOOL, parent=district,
                                     sourced_id=f"s-{index}", enrollment=50)
        person_with_role(f"lead{index}", Role.DISTRICT_LEAD, district)
        person_with_role(f"teacher{index}", Role.TEACHER, school)


PAGES = [
    # (who, url of, the most queries the page may make)
    ("state.lead", lambda tree: reverse("home"), 11),
    ("state.lead", lambda tree: reverse("organization-detail", args=[tree.district.pk]), 17),
    ("state.lead", lambda tree: reverse("staff-list", args=[tree.state.pk]), 7),
    ("district.lead", lambda tree: reverse("home"), 17),
    # The state's cross-silo page and its CSV, with the measures computed (21 once they are cached).
    ("state.lead", lambda tree: reverse("insights:overview"), 37),
    ("state.lead", lambda tree: reverse("insights:overview-csv"), 37),
    ("teacher", lambda tree: reverse("staff-list", args=[tree.school.pk]), 7),
    (None, lambda tree: reverse("login"), 0),
]


@pytest.mark.parametrize(("who", "url_of", "most"), PAGES)
@pytest.mark.parametrize("districts", [2, 40])
def test_queries_per_page_do_not_grow_with_the_state(who, url_of, most, districts, state_lead, district_lead,
                                                       teacher, tree, django_assert_max_num_queries):
    grow(tree, districts)
    client = Client()
    if who:
        client.login(username=who, password=PASSWORD)
    url = url_of(tree)
    with django_assert_max_num_queries(most):
        assert client.get(url).status_code == 200
