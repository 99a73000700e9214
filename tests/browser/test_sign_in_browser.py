"""Signing in as staff do: through the district's identity provider, and with a password reset link."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.browser.conftest import assert_accessible, sign_in
from tests.oidc_provider import provider_user, running_provider, use_provider

pytestmark = pytest.mark.browser


def test_teacher_signs_in_through_the_district_provider(page, settings, teacher, tree):
    with running_provider() as issuer:
        use_provider(settings, issuer)
        provider_user(issuer, "cedar-teacher-7", email=teacher.email, email_verified=True, name=teacher.full_name)
        page.goto("/")
        assert_accessible(page)
        page.get_by_role("link", name="Sign in with Cedar Valley Google").click()
        page.get_by_placeholder("sub").fill("cedar-teacher-7")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_role("heading", name="Lincoln Elementary").wait_for()
        assert_accessible(page)
        page.get_by_role("button", name="Sign out").click()
        # Someone the district has not rostered is told so, and is not signed in.
        provider_user(issuer, "stranger-1", email="new.hire@cedar.example.org", email_verified=True)
        page.get_by_role("link", name="Sign in with Cedar Valley Google").click()
        page.get_by_placeholder("sub").fill("stranger-1")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_text("Trellis has no account for new.hire@cedar.example.org").wait_for()
        assert page.get_by_role("heading", name="Sign in to Trellis").is_visible()
        assert_accessible(page)


def test_a_password_reset_link_lets_a_person_sign_in_again(page, teacher):
    get_user_model().objects.filter(pk=teacher.user.pk).update(email=teacher.email)
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    assert_accessible(page)
    link = re.search(r"https?://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    assert_accessible(page)
    page.locator("#id_new_password1").fill("short")
    page.locator("#id_new_password2").fill("short")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("at least 12 characters").first.wait_for()
    assert_accessible(page)
    page.locator("#id_new_password1").fill("lantern-orchard-ribbon-42")
    page.locator("#id_new_password2").fill("lantern-orchard-ribbon-42")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_role("heading", name="Your password has been changed").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Sign in").last.click()
    sign_in(page, "teacher", "lantern-orchard-ribbon-42")
    page.get_by_role("heading", name="Lincoln Elementary").wait_for()
    assert_accessible(page)
