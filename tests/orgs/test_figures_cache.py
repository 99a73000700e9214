"""Staff and role counts are kept in the cache between writes: after a role change or a roster
import every page shows the new counts, never the ones it showed before."""

from __future__ import annotations

import csv
import shutil

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.engine.synth.roster import generate_state
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.roster import roster_import


def page_counts(client: Client, organization: Organization) -> tuple[int, dict[str, int]]:
    response = client.get(reverse("organization-detail", args=[organization.pk]))
    assert response.status_code == 200
    return response.context["summary"]["staff"], response.context["roles"]


def test_a_role_given_and_taken_away_shows_at_once(district_lead, teacher, tree, settings):
    settings.TRELLIS_PAGE_CACHE_SECONDS = 0  # the figures' own cache, below the pages' (tests/core/test_pages.py)
    client = Client()
    client.login(username="district.lead", password=PASSWORD)
    staff, roles = page_counts(client, tree.district)
    assert (staff, roles.get("School leader", 0)) == (2, 0)
    assert page_counts(client, tree.district) == (staff, roles)  # now from the cache

    client.post(reverse("organization-roles", args=[tree.school.pk]), {"person": "teacher", "role": "school_leader"})
    assert page_counts(client, tree.district)[1]["School leader"] == 1

    newcomer = person_with_role("new.teacher", Role.TEACHER, tree.other_school)
    assert page_counts(client, tree.district)[0] == 3

    granted = Membership.objects.get(person=teacher, role="school_leader")
    client.post(reverse("membership-remove", args=[tree.school.pk, granted.pk]))
    assert page_counts(client, tree.district)[1].get("School leader", 0) == 0

    newcomer.is_active = False
    newcomer.save()
    assert page_counts(client, tree.district)[0] == 2


@pytest.mark.django_db(transaction=True)
def test_a_roster_import_shows_its_staff_at_once(tmp_path):
    roster = tmp_path / "roster"
    generate_state("small", seed=7, out_dir=roster)
    roster_import(actor=None, source=roster, scope=None)
    state = Organization.objects.get(kind="state")
    person_with_role("state.lead", Role.STATE_LEAD, state)
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    before, _ = page_counts(client, state)
    assert before == Person.objects.filter(is_active=True, memberships__isnull=False).distinct().count()

    # The next roster no longer has one teacher (a person with a single role): the import takes
    # away their role, and the state's page counts one person fewer.
    with (roster / "roles.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    by_person: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_person.setdefault(row["userSourcedId"], []).append(row)
    leaving = next(person for person, held in by_person.items() if [r["role"] for r in held] == ["teacher"])
    changed = tmp_path / "changed"
    shutil.copytree(roster, changed)
    with (changed / "roles.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["userSourcedId"] != leaving)
    roster_import(actor=None, source=changed, scope=None)

    assert page_counts(client, state)[0] == before - 1
