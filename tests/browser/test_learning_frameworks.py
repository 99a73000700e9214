"""A state lead imports a CASE framework in the browser, reads its tree; a bad package is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.learning.models import Competency, Framework

pytestmark = pytest.mark.browser
ACT = Path(__file__).parents[1] / "interop" / "fixtures" / "case" / "opensalt-act-holistic-math.json"


def test_state_lead_imports_a_case_package_and_reads_it(page, state_lead, tree, tmp_path):
    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Professional learning").click()
    page.get_by_role("heading", name="Professional learning", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="See the frameworks").click()
    page.get_by_role("heading", name="Competency frameworks").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Import a CASE package").click()
    assert_accessible(page)
    bad = tmp_path / "bad.json"
    bad.write_text('{"CFDocument": {"identifier": "a33fc64e", "title": "T"}}')
    page.locator("input#id_package").set_input_files(str(bad))
    page.get_by_role("button", name="Import the package").click()
    page.get_by_role("heading", name="Nothing was imported").wait_for()
    assert_accessible(page)
    assert "$.CFDocument.identifier" in page.get_by_role("alert").inner_text()
    assert Framework.objects.filter(is_default=False).count() == 0
    page.locator("input#id_package").set_input_files(str(ACT))
    page.get_by_role("button", name="Import the package").click()
    page.get_by_role("heading", name="ACT Holistic Framework, Math").wait_for()
    assert_accessible(page)
    assert page.get_by_text("H.A.MATH.GM Geometry and Measurement").is_visible()
    assert Competency.objects.filter(framework__identifier="a33fc64e-5c40-11e7-82c4-3d54268aa9ee").count() == 28
    page.get_by_role("link", name="Competency frameworks").click()
    page.get_by_role("link", name="AI competency framework for teachers").click()
    page.get_by_role("heading", name="Competencies").wait_for()
    assert_accessible(page)
