"""Sign-in: slowed down per account and per address, never locked; the admin goes through the same form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.core.auth import _wait_after
from trellis.core.models import LoginAttempt


def _post(client: Client, url: str, username: str, password: str, address: str = "203.0.113.7", **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def _waits(page: str, most: int, slack: int = 1) -> bool:
    """The page asks to wait ``most`` seconds, or up to ``slack`` less if the test ran slowly."""
    found = re.search(r"Wait (\d+) seconds? and try again", page)
    return found is not None and most - slack <= int(found.group(1)) <= most


def _age_attempts(seconds: float) -> None:
    """Let time pass for the throttle: move every recorded failure back by ``seconds``."""
    LoginAttempt.objects.update(at=F("at") - timedelta(seconds=seconds))


def test_wrong_passwords_slow_an_account_down_but_the_right_one_signs_in_after_the_wait(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 3
    client = Client()
    for _ in range(3):
        assert "do not match an account" in _post(client, reverse("login"), "teacher", "wrong").content.decode()
    page = _post(client, reverse("login"), "teacher", PASSWORD).content.decode()
    assert _waits(page, 2)
    assert "_auth_user_id" not in client.session
    _age_attempts(3)
    response = _post(client, reverse("login"), "teacher", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(teacher.user.pk)
    # A sign-in starts the count afresh.
    assert LoginAttempt.objects.filter(username="teacher").count() == 0


def test_the_wait_grows_with_each_failure_and_is_capped(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 2
    settings.TRELLIS_LOGIN_MAX_DELAY_SECONDS = 30
    client = Client()
    waits = []
    for _ in range(7):
        page = _post(client, reverse("login"), "teacher", "wrong").content.decode()
        waits.append("Wait" in page)
        _age_attempts(60)  # each guess after the previous wait is over
    assert waits == [False] * 7  # waited each time: every guess was checked
    page = _post(client, reverse("login"), "teacher", "wrong").content.decode()
    assert "do not match" in page
    page = _post(client, reverse("login"), "teacher", PASSWORD).content.decode()
    # Eight failures with two allowed: 2**7 = 128 seconds, capped at 30.
    assert _waits(page, 30)
    assert LoginAttempt.objects.filter(username="teacher").count() == 8


def test_a_wrong_password_during_the_wait_is_not_checked_and_does_not_lengthen_it(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 1
    # Six earlier failures: a wait of 2**6 = 64 seconds, long enough for a slow machine.
    LoginAttempt.objects.bulk_create([LoginAttempt(username="teacher", address="203.0.113.7") for _ in range(6)])
    client = Client()
    for _ in range(20):
        assert _waits(_post(client, reverse("login"), "teacher", "wrong").content.decode(), 64, slack=10)
    assert LoginAttempt.objects.count() == 6


def test_another_persons_failures_do_not_slow_down_an_account(teacher, school_leader, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 2
    client = Client()
    for _ in range(10):
        _post(client, reverse("login"), "school.leader", "wrong")
    assert _post(Client(), reverse("login"), "teacher", PASSWORD).status_code == 302


def test_one_address_is_slowed_down_by_the_number_of_accounts_it_fails_not_by_its_people(tree, settings):
    """A school's staff share one address: their typos must not lock the school out, but one
    address trying many accounts is slowed down."""
    from trellis.orgs.models import Role

    settings.TRELLIS_LOGIN_ATTEMPTS = 3
    settings.TRELLIS_LOGIN_ADDRESS_ACCOUNTS = 4
    people = [person_with_role(f"staff{i}", Role.TEACHER, tree.school) for i in range(6)]
    client = Client()
    # Two of the school's staff mistype twice each: nobody is slowed down.
    for person in people[:2]:
        for _ in range(2):
            _post(client, reverse("login"), person.user.username, "typo")
    assert _post(Client(), reverse("login"), people[2].user.username, PASSWORD).status_code == 302
    # The same address fails four different accounts: the next attempt from it waits...
    for person in people[2:4]:
        _post(client, reverse("login"), person.user.username, "wrong")
    page = _post(Client(), reverse("login"), people[4].user.username, PASSWORD).content.decode()
    assert _waits(page, 2)
    # ...but not from elsewhere, and a correct password after the wait signs in.
    assert _post(Client(), reverse("login"), people[4].user.username, PASSWORD,
                 address="198.51.100.20").status_code == 302
    _age_attempts(3)
    assert _post(Client(), reverse("login"), people[5].user.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 2
    client = Client()
    for i in range(5):
        _post(client, reverse("login"), "teacher", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    page = _post(client, reverse("login"), "teacher", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").content.decode()
    assert "Wait" in page
    assert set(LoginAttempt.objects.values_list("address", flat=True)) == {"203.0.113.7"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_clients(teacher, settings):
    settings.TRELLIS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    _post(client, reverse("login"), "teacher", "wrong", address="10.1.2.3",
          HTTP_X_FORWARDED_FOR="192.0.2.44, 10.1.2.2")
    assert list(LoginAttempt.objects.values_list("address", flat=True)) == ["192.0.2.44"]


@pytest.fixture
def staff_member(tree):
    from trellis.orgs.models import Role

    person = person_with_role("it.admin", Role.STATE_LEAD, tree.state)
    get_user_model().objects.filter(pk=person.user.pk).update(is_staff=True, is_superuser=True)
    return person


def test_the_admin_sign_in_goes_through_the_limited_form(staff_member, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 5
    client = Client()
    for _ in range(30):
        _post(client, "/admin/login/?next=/admin/", "it.admin", "wrong")
    page = _post(client, "/admin/login/?next=/admin/", "it.admin", PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session
    assert re.search(r"Wait \d+ seconds? and try again", page)
    # Five were checked; the rest came during the waits and were not. On a loaded machine a wait
    # can end between two guesses, so a few more may be checked (each one doubles the next wait).
    checked = LoginAttempt.objects.filter(username="it.admin").count()
    assert 5 <= checked < 15
    _age_attempts(settings.TRELLIS_LOGIN_MAX_DELAY_SECONDS)
    response = _post(client, "/admin/login/?next=/admin/", "it.admin", PASSWORD)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_sign_in_page_is_trellis_sign_in(staff_member, teacher):
    client = Client()
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    login = client.get(response["Location"])
    assert login.status_code == 200
    assert "Sign in to Trellis" in login.content.decode()
    # Someone signed in without admin rights is told so instead of going round in circles.
    other = Client()
    other.force_login(teacher.user)
    denied = other.get("/admin/login/?next=/admin/")
    assert denied.status_code == 403
    assert "administration" in denied.content.decode()


def test_failures_older_than_the_window_are_forgotten(teacher, settings):
    settings.TRELLIS_LOGIN_ATTEMPTS = 1
    client = Client()
    _post(client, reverse("login"), "teacher", "wrong")
    _age_attempts(settings.TRELLIS_LOGIN_WINDOW_SECONDS + 1)
    _post(client, reverse("login"), "teacher", "wrong again")
    assert LoginAttempt.objects.count() == 1
    _age_attempts(1.2)
    assert "Wait 1 second and" in _post(client, reverse("login"), "teacher", PASSWORD).content.decode()


def test_the_wait_doubles_from_two_seconds_up_to_the_cap(settings):
    settings.TRELLIS_LOGIN_MAX_DELAY_SECONDS = 300
    assert [_wait_after(failures, 5) for failures in range(3, 15)] == [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert _wait_after(10_000, 5) == 300
