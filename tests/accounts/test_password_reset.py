"""Password reset by email, with Django's own flow."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from trellis.core.models import AuditEvent, LoginAttempt

NEW_PASSWORD = "a-new-and-long-passphrase"


def _with_email(person):
    """As the roster and ``person_create`` write them: the account's email is the person's."""
    get_user_model().objects.filter(pk=person.user.pk).update(email=person.email)
    return person


def _reset_link() -> str:
    (message,) = mail.outbox
    return re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)


def test_a_reset_link_sets_a_new_password_and_clears_failed_attempts(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 1
    _with_email(teacher)
    client = Client()
    client.post(reverse("login"), {"username": "teacher", "password": "forgotten"})
    response = client.post(reverse("password_reset"), {"email": teacher.email.upper()})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox[0].to == [teacher.email]
    assert mail.outbox[0].subject == "Reset your Trellis password"
    form = client.get(_reset_link(), follow=True)
    assert form.context["validlink"] is True
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    assert LoginAttempt.objects.count() == 0
    assert AuditEvent.objects.filter(action="account.password_set", actor=teacher.user).count() == 1
    assert Client().login(username="teacher", password=NEW_PASSWORD)
    assert not Client().login(username="teacher", password=PASSWORD)
    # The link works once.
    assert Client().get(_reset_link(), follow=True).context["validlink"] is False


def test_a_weak_password_is_refused_and_nothing_changes(teacher):
    _with_email(teacher)
    client = Client()
    client.post(reverse("password_reset"), {"email": teacher.email})
    form = client.get(_reset_link(), follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert Client().login(username="teacher", password=PASSWORD)
    assert AuditEvent.objects.filter(action="account.password_set").count() == 0


def test_no_email_for_unknown_addresses_or_accounts_without_a_password(teacher, district_lead):
    user = get_user_model().objects.get(pk=_with_email(district_lead).user.pk)
    user.set_unusable_password()
    user.save()
    for address in ("nobody@example.org", district_lead.email):
        response = Client().post(reverse("password_reset"), {"email": address})
        # The same answer either way, so the page does not tell who has an account.
        assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_email_settings_come_from_the_environment(tmp_path):
    import json
    import os
    import subprocess
    import sys

    code = ("import json; from trellis.config import settings as s; print(json.dumps([s.EMAIL_BACKEND, "
            "getattr(s, 'EMAIL_HOST', ''), getattr(s, 'EMAIL_PORT', 0), getattr(s, 'EMAIL_USE_TLS', None), "
            "s.DEFAULT_FROM_EMAIL]))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}

    def read(**env: str) -> list[object]:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                env={**clean, "TRELLIS_HOME": str(tmp_path), **env})
        return json.loads(result.stdout)

    assert read()[0] == "django.core.mail.backends.console.EmailBackend"
    assert read(TRELLIS_EMAIL_HOST="smtp.example.org", TRELLIS_EMAIL_PORT="2525", TRELLIS_EMAIL_TLS="false",
                TRELLIS_EMAIL_FROM="trellis@state.example.gov") == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", 2525, False, "trellis@state.example.gov"]


def test_reset_emails_are_limited_per_address_whether_or_not_it_has_an_account(teacher):
    _with_email(teacher)
    for address in (teacher.email, "nobody@example.org"):
        client = Client()
        for _ in range(3):
            assert client.post(reverse("password_reset"), {"email": address})["Location"] == reverse(
                "password_reset_done")
        refused = client.post(reverse("password_reset"), {"email": address.upper()})
        assert refused.status_code == 200
        page = refused.content.decode()
        assert "Several links have already been asked for" in page
        assert address.upper() in page  # what they typed stays in the form
    assert len(mail.outbox) == 3
