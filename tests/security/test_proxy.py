"""Behind a reverse proxy: HTTPS and the client's address are believed only from a trusted proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

PROXY = "10.0.0.5"
ORIGIN = "https://trellis.example.org"


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["trellis.example.org"]
    settings.TRELLIS_TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def _via_proxy(**extra):
    return {"REMOTE_ADDR": PROXY, "HTTP_HOST": "trellis.example.org", "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_FOR": "192.0.2.10", **extra}


def test_https_from_a_trusted_proxy_does_not_redirect_to_itself(behind_proxy, tree):
    response = Client().get(reverse("login"), **_via_proxy())
    assert response.status_code == 200


def test_plain_http_from_the_proxy_is_sent_to_https(behind_proxy, tree):
    response = Client().get(reverse("login"), **_via_proxy(HTTP_X_FORWARDED_PROTO="http"))
    assert response.status_code == 301
    assert response["Location"] == "https://trellis.example.org/login/"


def test_a_client_claiming_https_without_a_proxy_is_not_believed(behind_proxy, tree):
    response = Client().get(reverse("login"), **_via_proxy(REMOTE_ADDR="192.0.2.99"))
    assert response.status_code == 301


def test_sign_in_with_the_real_https_origin_passes_csrf(behind_proxy, teacher):
    client = Client(enforce_csrf_checks=True)
    form = client.get(reverse("login"), **_via_proxy())
    token = form.context["csrf_token"]
    response = client.post(
        reverse("login"), {"username": "teacher", "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
        **_via_proxy(HTTP_ORIGIN=ORIGIN, HTTP_REFERER=f"{ORIGIN}/login/"),
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(teacher.user.pk)


def test_sign_in_from_another_origin_is_refused(behind_proxy, teacher):
    client = Client(enforce_csrf_checks=True)
    token = client.get(reverse("login"), **_via_proxy()).context["csrf_token"]
    response = client.post(
        reverse("login"), {"username": "teacher", "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
        **_via_proxy(HTTP_ORIGIN="https://evil.example.net"),
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def _settings_with(env: dict[str, str], tmp_path) -> dict[str, object]:
    code = (
        "import json; from trellis.config import settings as s; "
        "print(json.dumps({'proxies': s.TRELLIS_TRUSTED_PROXIES, "
        "'header': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'origins': s.CSRF_TRUSTED_ORIGINS}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    result = subprocess.run([sys.executable, "-c", code], env={**clean, "TRELLIS_HOME": str(tmp_path), **env},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 or env.get("expect_failure"), result.stderr
    return json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr}


def test_the_proxy_header_is_honoured_only_when_a_proxy_is_configured(tmp_path):
    assert _settings_with({"TRELLIS_HTTPS": "true"}, tmp_path) == {"proxies": [], "header": None, "origins": []}
    configured = _settings_with({
        "TRELLIS_HTTPS": "true", "TRELLIS_TRUSTED_PROXY": "10.0.0.5, 10.1.0.0/16",
        "TRELLIS_CSRF_TRUSTED_ORIGINS": "https://trellis.example.org,https://pd.example.org",
    }, tmp_path)
    assert configured == {
        "proxies": ["10.0.0.5", "10.1.0.0/16"], "header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "origins": ["https://trellis.example.org", "https://pd.example.org"],
    }
    refused = _settings_with({"TRELLIS_TRUSTED_PROXY": "the-proxy", "expect_failure": "1"}, tmp_path)
    assert "TRELLIS_TRUSTED_PROXY must list IP addresses or networks, got 'the-proxy'." in refused["error"]
