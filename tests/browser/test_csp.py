"""Under the Content Security Policy, pages and charts work, and nothing inline runs."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, person_with_role
from trellis.orgs.models import Role

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_charts_draw_under_the_policy_and_inline_script_is_refused(page, state_lead, tree):
    page.add_init_script(WATCH_VIOLATIONS)
    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("heading", name="State of Example").wait_for()
    page.locator("#poverty-chart[data-rendered=true] svg .mark-rect path").first.wait_for()
    page.locator("#poverty-chart svg").hover()
    assert page.evaluate("window.__violations") == []
    assert_accessible(page)
    # Something that slipped past escaping still would not run.
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.appendChild(script);
        const img = document.createElement("div");
        img.innerHTML = '<img src="data:," onerror="window.__ran = true">';
        document.body.appendChild(img);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))


def test_names_from_a_roster_are_inert_on_the_staff_list(page, district_lead, tree):
    page.add_init_script(WATCH_VIOLATIONS)
    person_with_role("hostile", Role.TEACHER, tree.school)
    from trellis.orgs.models import Person

    Person.objects.filter(user__username="hostile").update(
        given_name='<img src=x onerror="window.__ran=true">', family_name="<script>window.__ran=true</script>")
    sign_in(page, "district.lead", PASSWORD)
    page.goto(f"/orgs/{tree.school.pk}/staff/")
    page.get_by_text("<script>window.__ran=true</script>", exact=False).first.wait_for()
    assert page.evaluate("window.__ran === undefined")
    assert page.evaluate("window.__violations") == []  # escaped, so there was nothing to refuse
    assert_accessible(page)
