"""Session, CSRF and header settings a public agency's site needs."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def test_forms_require_a_csrf_token(teacher):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 403


def test_session_and_header_settings():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.PASSWORD_HASHERS  # the production list starts with a slow hasher
    from trellis.config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("ScryptPasswordHasher")
    assert production.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12


def test_pages_send_protective_headers(teacher):
    response = Client().get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
