"""Pages kept between writes (trellis.core.pages): a kept page is only ever served to a viewer of
the same scope, with their own name and CSRF token, and any write to the database is seen by the
next request."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.core.pages import data_generation, written_table
from trellis.orgs import views as orgs_views
from trellis.orgs.models import Membership, Organization, Role
from trellis.orgs.services import membership_remove


def signed_in(username: str, **kwargs: object) -> Client:
    client = Client(**kwargs)
    assert client.login(username=username, password=PASSWORD)
    return client


def get(client: Client, path: str) -> tuple[int, str, int]:
    """The status, the page and how many queries answering it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, response.content.decode(), len(queries)


def test_a_kept_page_is_never_served_to_a_viewer_of_another_scope(state_lead, district_lead, outsider, tree):
    district = reverse("organization-detail", args=[tree.district.pk])
    staff = reverse("staff-list", args=[tree.district.pk])
    lead = signed_in("state.lead")
    assert get(lead, district)[0] == 200
    assert get(lead, staff)[0] == 200
    # The other district's lead asks for the same addresses: not theirs to see.
    other = signed_in("outsider")
    assert get(other, district)[0] == 404
    assert get(other, staff)[0] == 404
    # The same home address shows each lead their own district.
    status, page, _ = get(signed_in("district.lead"), "/")
    assert status == 200 and "<h1 class=\"margin-bottom-05\">Cedar Valley Unified</h1>" in page
    status, page, _ = get(other, "/")
    assert status == 200 and "<h1 class=\"margin-bottom-05\">Riverside City Schools</h1>" in page
    assert "Cedar Valley Unified</h1>" not in page


def test_viewers_of_one_scope_share_a_page_with_their_own_name_and_token(teacher, tree):
    person_with_role("teacher.two", Role.TEACHER, tree.school)
    user = teacher.user
    user.first_name, user.last_name = "Ada", "<Lovelace>"
    user.save()
    path = reverse("organization-detail", args=[tree.school.pk])
    first = signed_in("teacher", enforce_csrf_checks=True)
    second = signed_in("teacher.two", enforce_csrf_checks=True)  # signing in changes no page
    status, first_page, rendering = get(first, path)
    assert status == 200 and "Ada &lt;Lovelace&gt;" in first_page
    status, second_page, kept = get(second, path)
    # Served from the kept page: the account and its roles are read, nothing of the page.
    assert (status, kept) == (200, 2)
    assert rendering > kept
    assert "Lovelace" not in second_page and "teacher.two" in second_page
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
              for page in (first_page, second_page)]
    assert tokens[0] != tokens[1]
    # Each token signs its own person out; the kept page holds neither.
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[1]}).status_code == 302
    assert get(second, path)[0] == 302  # signed out: to the sign-in page


def test_every_write_shows_on_the_next_request(state_lead, district_lead, tree):
    path = reverse("organization-detail", args=[tree.district.pk])
    client = signed_in("state.lead")
    assert "Cedar Valley Unified" in get(client, path)[1]
    Organization.objects.filter(pk=tree.district.pk).update(name="Cedar Valley Joint Unified")  # no signal
    assert "Cedar Valley Joint Unified" in get(client, path)[1]
    # A role taken away counts from the next request: the district lead's home is no longer theirs.
    lead = signed_in("district.lead")
    assert "Cedar Valley Joint Unified</h1>" in get(lead, "/")[1]
    membership_remove(actor=state_lead.user, membership=Membership.objects.get(person=district_lead))
    status, page, _ = get(lead, "/")
    assert status == 200 and "Cedar Valley Joint Unified</h1>" not in page
    # A switched-off account is signed out at its next request.
    client.get(path)
    state_lead.user.is_active = False
    state_lead.user.save()
    assert get(client, path)[0] == 302


@pytest.mark.django_db(transaction=True)
def test_a_write_starts_a_generation_at_once_and_again_at_commit(tree):
    before = data_generation()
    with transaction.atomic():
        Organization.objects.filter(pk=tree.school.pk).update(enrollment=401)
        during = data_generation()
        Organization.objects.filter(pk=tree.school.pk).update(enrollment=402)
        assert data_generation() != during  # every write, so a page read meanwhile is not kept long
        last = data_generation()
    assert len({before, during, last, data_generation()}) == 4
    reads = data_generation()
    list(Organization.objects.all())
    assert data_generation() == reads


def test_a_page_with_a_message_is_rendered_for_its_person_alone(district_lead, tree):
    factory = RequestFactory(HTTP_HOST="127.0.0.1")

    def home(message: str = "") -> str:
        request = factory.get("/")
        SessionMiddleware(lambda r: None).process_request(request)
        MessageMiddleware(lambda r: None).process_request(request)
        request.user = district_lead.user
        if message:
            request._messages.add(20, message)  # type: ignore[attr-defined]
        return orgs_views.home(request).content.decode()

    assert "Your import has started." in home("Your import has started.")
    assert "Your import has started." not in home()


@pytest.mark.parametrize(("sql", "table"), [
    ('INSERT INTO "orgs_organization" ("name") VALUES (%s)', "orgs_organization"),
    ('UPDATE "orgs_membership" SET "role" = %s', "orgs_membership"),
    ('DELETE FROM "django_session" WHERE "session_key" = %s', "django_session"),
    ("  insert or replace into tools_tool values (1)", "tools_tool"),
    ('TRUNCATE "orgs_person", "orgs_membership"', "orgs_person"),
    ("WITH moved AS (SELECT 1) UPDATE orgs_person SET is_active = false", ""),
    ('SELECT "orgs_organization"."name" FROM "orgs_organization"', None),
    ("SAVEPOINT s1", None),
    # A sign-in's own bookkeeping shows on no kept page.
    ('UPDATE "auth_user" SET "last_login" = %s WHERE "auth_user"."id" = %s', "auth_user.last_login"),
])
def test_which_statements_write(sql: str, table: str | None) -> None:
    assert written_table(sql) == table
