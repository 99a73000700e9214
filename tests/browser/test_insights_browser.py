"""A district lead drafts, edits and submits the annual report; the state lead reviews it; the
district sees the feedback and answers; the PDF opens; every page passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.insights.conftest import offerings, spent, title_ii, year_of_pl  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("spent", "year_of_pl")
def test_the_annual_report_review_loop(page, district_lead, state_lead, tree):
    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Funding and reports").click()
    page.get_by_role("heading", name="Annual professional learning reports: Cedar Valley Unified").wait_for()
    assert_accessible(page)
    page.get_by_label("School year").select_option(label="2025–26")
    page.get_by_role("button", name="Draft the report").click()
    page.get_by_text("Trellis drafted the figures").wait_for()
    page.locator("#chart-spending[data-rendered=true] svg").wait_for()
    assert "75% on one-time workshops" in page.get_by_role("region", name="Spending").inner_text()
    assert_accessible(page)
    page.get_by_label("The district's narrative: Participation").fill("Nine in ten teachers came to a session.")
    page.get_by_label("The district's narrative: Spending").fill("Too much went to one-time workshops.")
    page.get_by_role("button", name="Save and submit the report to the state").click()
    # Sections still empty: refused, and what was written is kept.
    page.get_by_text("The narrative you wrote is saved.").wait_for()
    assert page.get_by_label("The district's narrative: Spending").input_value() == \
        "Too much went to one-time workshops."
    assert_accessible(page)
    for label in ("Changes in practice", "Student outcomes", "Equity of access", "AI tools vetted and audited"):
        page.get_by_label(f"The district's narrative: {label}").fill(f"Our notes on {label.lower()}.")
    page.get_by_role("button", name="Save and submit the report to the state").click()
    page.get_by_text("The report is submitted.").wait_for()
    assert_accessible(page)
    # The PDF is drawn by a background job; its page shows the progress, then links to the file.
    page.get_by_role("link", name="Download the report as a PDF").click()
    done = page.get_by_role("link", name="Go to the PDF of the report")
    done.wait_for(timeout=60_000)
    assert_accessible(page)
    pdf = page.request.get(done.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Funding and reports").click()
    page.get_by_role("heading", name="District plans and annual reports").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Cedar Valley Unified, 2025–26").click()
    page.get_by_label("Rating: Spending").select_option(label="Needs support")
    page.get_by_label("Feedback: Spending").fill("Title II-A can pay for coaching cycles; ask the region.")
    page.get_by_label("Rating: Participation").select_option(label="Strength")
    page.get_by_role("button", name="Send the review to the district").click()
    # A rating without feedback: refused, what was typed is kept.
    page.get_by_text("Give both a rating and feedback").wait_for()
    assert page.get_by_label("Feedback: Spending").input_value() == \
        "Title II-A can pay for coaching cycles; ask the region."
    assert_accessible(page)
    page.get_by_label("Feedback: Participation").fill("Broad reach.")
    page.get_by_role("button", name="Send the review to the district").click()
    page.get_by_text("The review is saved.").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Funding and reports").click()
    page.get_by_role("link", name="Spending by format across districts").click()
    page.locator("#spend-chart[data-rendered=true] svg").wait_for()
    assert_accessible(page)
    page.goto("/insights/funding/")
    page.get_by_role("heading", name="Funding streams for professional learning").wait_for()
    assert_accessible(page)
    page.goto(f"/insights/funding/districts/{tree.district.pk}/")
    assert_accessible(page)
    page.goto(f"/insights/plans/districts/{tree.district.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Funding and reports").click()
    page.get_by_role("link", name="2025–26").first.click()
    spending = page.get_by_role("region", name="Spending")
    assert "Needs support" in spending.inner_text() and "ask the region" in spending.inner_text()
    spending.get_by_label("The district's response").fill("We will fund two coaching cycles next year.")
    spending.get_by_role("button", name="Send the response on spending").click()
    page.get_by_text("The response is saved.").wait_for()
    assert "We will fund two coaching cycles next year." in page.get_by_role("region", name="Spending").inner_text()
    assert_accessible(page)
