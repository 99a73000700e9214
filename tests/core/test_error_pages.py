"""403, 404 and 500 pages with the site's header, plain words and a way back, as served with DEBUG off."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False
    return settings


def _client(person) -> Client:
    client = Client(raise_request_exception=False)
    client.login(username=person.user.username, password=PASSWORD)
    return client


def test_not_found_page(no_debug, teacher, tree):
    response = _client(teacher).get(reverse("organization-detail", args=[tree.outside_school.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert '<header class="usa-header' in page
    assert "We cannot find that page" in page
    assert f'href="{reverse("home")}"' in page
    assert "Riverside" not in page  # the page says nothing about what is not theirs


def test_forbidden_page_says_why_in_plain_words(no_debug, teacher, tree):
    response = _client(teacher).get(reverse("audit-log"))
    assert response.status_code == 403
    page = response.content.decode()
    assert '<header class="usa-header' in page
    assert "You cannot open this page" in page
    assert "Only the state AI lead can read the audit log." in page
    assert f'href="{reverse("home")}"' in page


def test_server_error_page(no_debug, teacher, monkeypatch):
    from trellis.orgs import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.selectors, "home_organization_for", broken)
    response = _client(teacher).get(reverse("home"))
    assert response.status_code == 500
    page = response.content.decode()
    assert '<header class="usa-header' in page
    assert "Something went wrong on our side" in page
    assert "a bug" not in page and "Traceback" not in page
    assert f'href="{reverse("home")}"' in page


def test_a_form_sent_without_its_token_gets_a_plain_page(no_debug, teacher):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "teacher", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<header class="usa-header' in page
    assert "Please send the form again" in page and "nothing was saved" in page


def test_a_bad_request_gets_a_plain_page(no_debug, tree):
    response = Client().get(reverse("login"), HTTP_HOST="not-an-allowed-host.example")
    assert response.status_code == 400
    assert "Trellis could not understand that request" in response.content.decode()
