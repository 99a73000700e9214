"""The three school-level roles each see what is theirs to do on their home page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.orgs.models import Role

HEADINGS = {
    "school_leader": "What school leaders do in Trellis",
    "coach": "What instructional coaches do in Trellis",
    "teacher": "What teachers do in Trellis",
}


@pytest.mark.parametrize("role, expected", [
    ("school_leader", ["Know your staff", "Walkthroughs and observations"]),
    ("coach", ["Coaching cycles", "Classroom observations"]),
    ("teacher", ["Find professional learning", "Report a problem with an AI tool"]),
])
def test_each_school_role_sees_its_own_work(tree, role, expected):
    person = person_with_role(f"someone.{role}", Role(role), tree.school)
    client = Client()
    client.login(username=person.user.username, password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert HEADINGS[role] in page
    assert all(title in page for title in expected)
    assert [heading for other, heading in HEADINGS.items() if other != role and heading in page] == []


def test_the_school_leaders_staff_task_opens_their_staff_list(school_leader, tree):
    client = Client()
    client.login(username="school.leader", password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("staff-list", args=[tree.school.pk])}">Know your staff</a>' in page


@pytest.mark.parametrize("role", ["state_lead", "district_lead", "regional_coach"])
def test_wider_roles_do_not_get_the_school_panel(request, tree, role):
    person = request.getfixturevalue(role)
    client = Client()
    client.login(username=person.user.username, password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert not any(heading in page for heading in HEADINGS.values())
