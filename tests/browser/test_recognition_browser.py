"""A district applies for recognition with evidence from Trellis, the state scores and awards it,
the badge shows on the district's public page, and its credential verifies (a tampered one does not)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.commons.test_workflow import FIELDS
from tests.factories import PASSWORD
from trellis.commons.services import commons_item_create, commons_item_publish
from trellis.recognition import services
from trellis.recognition.models import BadgeCredential

pytestmark = pytest.mark.browser


def test_apply_score_award_and_verify(page, district_lead, state_lead, teacher, tree):
    commons_item_publish(actor=state_lead.user, item=commons_item_create(actor=teacher.user, fields=FIELDS,
                                                                         submit=True))
    programme = services.programme_create(actor=state_lead.user, title="AI-ready district",
                                          description="Districts that use AI well and safely.",
                                          criteria=[("Guidance", "Published guidance for staff and families."),
                                                    ("Learning", "Staff learn about AI.")])
    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Recognition").first.click()
    page.get_by_role("link", name="AI-ready district").click()
    page.get_by_label("Why you should be recognised").fill("We published guidance and trained every school.")
    page.get_by_text(f"Commons: {FIELDS['title']}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send the application").click()
    page.get_by_text("Your application is sent.").wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "state.lead", PASSWORD)
    page.goto(f"/recognition/{programme.pk}/")
    page.get_by_role("link", name="Cedar Valley Unified").click()
    page.get_by_label("Guidance").select_option("4")
    page.get_by_label("Learning").select_option("3")
    page.get_by_role("button", name="Save my scores").click()
    page.get_by_text("Your scores are saved.").wait_for()
    assert_accessible(page)
    page.get_by_label("Decision").select_option("award")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Recognised. The credential is issued").wait_for()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"/public/districts/{tree.district.pk}/")
    page.get_by_text("Recognised", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="AI-ready district").click()
    page.get_by_text("Checked: the state issued this recognition").wait_for()
    assert_accessible(page)
    token = BadgeCredential.objects.get().token
    page.get_by_role("link", name="Check a credential").click()
    page.get_by_label("The credential").fill(token)
    page.get_by_role("button", name="Check it").click()
    page.get_by_role("heading", name="This credential is genuine and valid.").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Español").click()
    page.get_by_label("La credencial").fill(token[:-6] + "AAAAAA")
    page.get_by_role("button", name="Comprobarla").click()
    page.get_by_role("heading", name="No se puede confiar en esta credencial.").wait_for()
    assert_accessible(page)
