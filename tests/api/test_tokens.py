"""The API tokens page: a person makes, names and revokes their own tokens; only a hash is kept."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from tests.tools.conftest import client_for
from trellis.api.models import ApiToken
from trellis.api.services import api_token_create
from trellis.core.models import AuditEvent

ROLES = ["state_lead", "state_analyst", "regional_coach", "district_lead", "school_leader", "teacher", "outsider"]


@pytest.mark.parametrize("who", ROLES)
def test_everyone_makes_and_revokes_their_own_tokens(request, tree, who):
    person = request.getfixturevalue(who)
    client = client_for(person)
    response = client.post(reverse("api-tokens"), {"name": "Coverage notebook"})
    assert response.status_code == 200
    secret = re.search(r'<code id="new-token">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=person.user)
    assert token.name == "Coverage notebook"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix} and secret.startswith(token.prefix)
    # The secret is not shown again.
    assert secret not in client.get(reverse("api-tokens")).content.decode()
    assert client.get("/api/v1/tools", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/tools", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert list(AuditEvent.objects.filter(object_type="ApiToken").values_list("action", flat=True)
                .order_by("id")) == ["api_token.create", "api_token.revoke"]


@pytest.mark.parametrize("who", ROLES)
def test_no_one_sees_or_revokes_another_persons_token(request, tree, state_analyst, who):
    token, secret = api_token_create(actor=state_analyst.user, name="Analyst's script")
    if who == "state_analyst":
        return
    person = request.getfixturevalue(who)
    client = client_for(person)
    before = AuditEvent.objects.count()
    assert "Analyst's script" not in client.get(reverse("api-tokens")).content.decode()
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and AuditEvent.objects.count() == before


def test_a_token_needs_a_name_and_the_form_keeps_what_was_typed(state_lead, tree):
    client = client_for(state_lead)
    response = client.post(reverse("api-tokens"), {"name": "x" * 101})
    assert response.status_code == 200 and ApiToken.objects.count() == 0
    assert 'value="' + "x" * 101 + '"' in response.content.decode()
    assert client.post(reverse("api-tokens"), {"name": "  "}).status_code == 200
    assert ApiToken.objects.count() == 0


def test_the_tokens_page_needs_sign_in(client, tree):
    assert client.get(reverse("api-tokens")).status_code == 302
    assert client.post(reverse("api-tokens"), {"name": "x"}).status_code == 302
    assert ApiToken.objects.count() == 0
