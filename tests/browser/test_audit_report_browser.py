"""The audit report in a real browser: findings first, one chart per measure drawn offline, no
horizontal scroll at 1,280 px, and axe-core passes with the numbers unfolded."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible
from trellis.engine.fairness import audit
from trellis.engine.fairness.report import render_report
from trellis.engine.synth.tool_outputs import tool_outputs

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_a_three_attribute_report_opens_with_the_findings_and_fits_the_window(browser: Any, tmp_path: Path) -> None:
    result = audit(
        tool_outputs(20_000, seed=5, bias={"english_learner": {"Y": 3.0}}),
        prediction="flag",
        label="label",
        by=["race", "sex", "english_learner"],
    )
    report = tmp_path / "report.html"
    report.write_text(
        render_report(
            result,
            title="Fairness audit of tool_outputs.parquet",
            source_name="tool_outputs.parquet",
            prediction="flag",
            label="label",
            audited_on=date(2025, 3, 14),
        ),
        encoding="utf-8",
    )
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())

    # One chart per measure (the eleven binary rates), every group on it.
    charts = page.locator(".chart").count()
    assert charts == 11
    page.wait_for_function(f"document.querySelectorAll('.chart[data-rendered=true] svg').length === {charts}")
    name = re.compile(r"^Chart: False positive rate by group, with 95% intervals\. \d+ groups")
    chart = page.get_by_role("img", name=name)
    assert chart.is_visible()

    # The first thing under the title is what was found, in words, starting with English learners.
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0] == "What we found"
    first = page.locator("ol.findings li").first.inner_text()
    assert first.startswith("False positive rate. English learners: the tool wrongly flags")
    assert "english_learner = Y" not in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="What to do next").is_visible()

    widths = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    assert page.evaluate(FITS), page.evaluate(widths)
    # The numbers are folded away; unfolded, they still fit and pass axe-core.
    assert page.locator("details[open]").count() == 0
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(FITS)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the report"
    assert_accessible(page)
    assert requests == [report.as_uri()]
    context.close()
