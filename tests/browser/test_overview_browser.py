"""The state lead filters the districts at a glance, reads the chart's table and downloads the CSV;
an analyst makes an API token; every page passes axe-core."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.insights.test_overview import governance  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def first_visit(page) -> None:
    """The live server's first answer imports the whole site (the engine, the API's schemas); on
    a loaded machine that can outlast the usual wait."""
    page.goto("/login/", timeout=90_000)


def test_state_lead_filters_reads_the_chart_table_and_downloads_the_csv(page, state_lead, tree,
                                                                         governance):  # noqa: F811
    first_visit(page)
    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Districts at a glance").click()
    page.get_by_role("heading", name="Districts at a glance").wait_for()
    page.locator("#overview-chart[data-rendered=true] svg").wait_for()
    assert_accessible(page)
    page.get_by_label("Locale").select_option("rural")
    page.get_by_role("button", name="Show districts").click()
    page.wait_for_url("**locale=rural**")
    # The filter keeps its value, and only the rural district is listed.
    assert page.get_by_label("Locale").input_value() == "rural"
    districts = page.get_by_role("region", name="Districts")
    assert "Cedar Valley Unified" in districts.inner_text() and "Riverside" not in districts.inner_text()
    page.get_by_text("The chart's numbers as a table").click()
    chart_table = page.locator("#chart-table table")
    chart_table.wait_for()
    assert "Vetted tools" in chart_table.inner_text() and "Cedar Valley Unified" in chart_table.inner_text()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these districts (CSV)").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8") as handle:
        table = list(csv.DictReader(io.StringIO(handle.read())))
    assert [row["District"] for row in table] == ["Cedar Valley Unified"]
    assert (table[0]["Vetted tools"], table[0]["Open incidents"]) == ("2", "2")


def test_a_person_makes_a_token_and_reads_the_api_documentation(page, state_analyst, tree):
    first_visit(page)
    sign_in(page, "state.analyst", PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("heading", name="API tokens").wait_for()
    assert_accessible(page)
    page.get_by_label("Name of the token").fill("Coverage notebook")
    page.get_by_role("button", name="Make the token").click()
    page.get_by_role("heading", name="Your new token").wait_for()
    assert page.locator("#new-token").inner_text().startswith("trl_")
    assert_accessible(page)
    page.get_by_role("link", name="How to use the API").click()
    page.get_by_role("heading", name="The Trellis API").wait_for()
    assert_accessible(page)
