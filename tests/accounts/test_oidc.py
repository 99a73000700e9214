"""Sign-in through the district's OpenID Connect provider, against a real provider on loopback."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.oidc_provider import provider_user, running_provider, use_provider
from trellis.accounts.models import ExternalIdentity
from trellis.core.models import AuditEvent
from trellis.orgs.models import Person


@pytest.fixture(scope="module")
def provider():
    with running_provider() as issuer:
        yield issuer


@pytest.fixture
def oidc(settings, provider):
    use_provider(settings, provider)
    return provider


def sign_in_through_provider(client: Client, issuer: str, sub: str, next_url: str = "") -> object:
    """Start at Trellis, sign in at the provider as ``sub``, come back to Trellis."""
    start = client.get(reverse("oidc-start"), {"next": next_url} if next_url else {})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{issuer}/oauth2/authorize?")
    at_provider = httpx.post(start["Location"], data={"sub": sub})
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    return client.get(f"{back.path}?{back.query}")


def _message(response) -> str:
    client_page = response.client.get(response["Location"])
    return " ".join(str(m) for m in client_page.context["messages"])


def test_the_sign_in_page_offers_the_district_button_only_when_configured(settings, tree, provider):
    assert "Sign in with" not in Client().get(reverse("login")).content.decode()
    use_provider(settings, provider)
    page = Client().get(reverse("login")).content.decode()
    assert "Sign in with Cedar Valley Google" in page


def test_a_rostered_teacher_signs_in_by_email_and_is_remembered_by_subject(oidc, teacher, tree):
    provider_user(oidc, "g-1001", email=teacher.email, email_verified=True, name="T")
    client = Client()
    response = sign_in_through_provider(client, oidc, "g-1001", next_url=f"/orgs/{tree.school.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{tree.school.pk}/"
    assert client.session["_auth_user_id"] == str(teacher.user.pk)
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (teacher.user, oidc, "g-1001")
    assert AuditEvent.objects.filter(action="account.identity_link", actor=teacher.user).count() == 1
    # The district changes the address: the stored subject still finds the account.
    provider_user(oidc, "g-1001", email="t.new@cedar.example.org", email_verified=True)
    again = Client()
    assert sign_in_through_provider(again, oidc, "g-1001")["Location"] == "/"
    assert again.session["_auth_user_id"] == str(teacher.user.pk)
    assert ExternalIdentity.objects.count() == 1


def test_an_unknown_person_gets_no_account(oidc, tree, teacher):
    provider_user(oidc, "g-2002", email="stranger@cedar.example.org", email_verified=True)
    users = get_user_model().objects.count()
    client = Client()
    response = sign_in_through_provider(client, oidc, "g-2002")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    message = _message(response)
    assert "Trellis has no account for stranger@cedar.example.org" in message
    assert "district's roster" in message
    assert get_user_model().objects.count() == users
    assert ExternalIdentity.objects.count() == 0


def test_a_switched_off_person_cannot_sign_in(oidc, teacher):
    Person.objects.filter(pk=teacher.pk).update(is_active=False)
    get_user_model().objects.filter(pk=teacher.user.pk).update(is_active=False)
    provider_user(oidc, "g-3003", email=teacher.email, email_verified=True)
    client = Client()
    response = sign_in_through_provider(client, oidc, "g-3003")
    assert "_auth_user_id" not in client.session
    assert "switched off" in _message(response)
    assert ExternalIdentity.objects.count() == 0


def test_an_unverified_email_is_not_matched(oidc, teacher):
    provider_user(oidc, "g-4004", email=teacher.email, email_verified=False)
    client = Client()
    response = sign_in_through_provider(client, oidc, "g-4004")
    assert "_auth_user_id" not in client.session
    assert "confirmed email address" in _message(response)


def test_cancelling_at_the_provider_or_a_forged_callback_signs_nobody_in(oidc, teacher):
    client = Client()
    start = client.get(reverse("oidc-start"))
    denied = httpx.post(start["Location"], data={"action": "deny"})
    back = urlsplit(denied.headers["location"])
    response = client.get(f"{back.path}?{back.query}")
    assert "cancelled" in _message(response)
    forged = Client().get(reverse("oidc-callback"), {"code": "made-up", "state": "made-up"})
    assert forged["Location"] == reverse("login")
    assert "could not confirm your sign-in" in _message(forged)
    assert "_auth_user_id" not in client.session


def test_an_off_site_next_is_not_followed(oidc, teacher):
    provider_user(oidc, "g-5005", email=teacher.email, email_verified=True)
    response = sign_in_through_provider(Client(), oidc, "g-5005", next_url="https://evil.example.net/")
    assert response["Location"] == "/"


def test_without_configuration_the_district_sign_in_is_off(tree):
    assert Client().get(reverse("oidc-start")).status_code == 403
    assert Client().get(reverse("oidc-callback")).status_code == 403


def test_an_unreachable_provider_is_explained(settings, tree):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    use_provider(settings, f"http://127.0.0.1:{closed}")
    response = Client().get(reverse("oidc-start"))
    assert response["Location"] == reverse("login")
    assert "could not reach Cedar Valley Google's sign-in" in _message(response)
