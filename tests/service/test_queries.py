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
    ("state.lead", lambda tree: reverse("home"), 12),
    ("state.lead", lambda tree: reverse("organization-detail", args=[tree.district.pk]), 18),
    ("state.lead", lambda tree: reverse("staff-list", args=[tree.state.pk]), 7),
    ("district.lead", lambda tree: reverse("home"), 17),
    # The state's cross-silo page and its CSV, with the measures computed (21 once they are cached);
    # the measures' data version, ten counts, is read by the page's cache and by the measures' own.
    ("state.lead", lambda tree: reverse("insights:overview"), 41),
    ("state.lead", lambda tree: reverse("insights:overview-csv"), 41),
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


def govern(tree, actor, tools: range) -> None:
    """Put ``tools`` tools in the district's inventory, each decided, under agreement and with an
    open high-severity incident: everything the district's alerts and public page look up per tool."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from trellis.tools import services

    today = timezone.localdate()
    for index in tools:
        tool = services.tool_create(actor=None, vendor=f"Vendor {index}", product=f"Product {index}",
                                    summary="A tool.", ai_functions=["tutors"], model_provider="Model Co",
                                    student_data=["usage"], youngest_age=14)
        services.inventory_save(actor=None, district=tree.district, tool=tool, schools=[tree.school],
                                grades=["06"], purpose="Practice.")
        services.decision_record(actor=actor, district=tree.district, tool=tool, outcome="approved",
                                 reasons="Useful.", expires_on=today + datetime.timedelta(days=10))
        services.agreement_add(actor=actor, district=tree.district, tool=tool,
                               starts_on=today - datetime.timedelta(days=30),
                               ends_on=today + datetime.timedelta(days=20), data_elements=["usage"],
                               clauses=["purpose"], upload=SimpleUploadedFile(
                                   "signed.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
                                   content_type="application/pdf"))
        services.incident_report(actor=None, organization=tree.school, category="other", tool=tool,
                                 description="A problem.", severity="high")


@pytest.mark.parametrize("page", ["home", "public-district"])
def test_governance_on_a_district_page_costs_the_same_queries_for_two_tools_or_eight(page, tree, district_lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for tools in (range(2), range(2, 8)):
        govern(tree, district_lead.user, tools)
        client = Client()
        if page == "home":
            client.login(username="district.lead", password=PASSWORD)
            url = reverse("home")
        else:
            url = reverse("public-district", args=[tree.district.pk])
        client.get(url)  # the organization's staff and role counts are now in the cache, both times
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert "Product 0" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
