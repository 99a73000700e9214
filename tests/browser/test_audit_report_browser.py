"""The audit report in a real browser: the charts draw offline and the page passes axe-core."""

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


def test_report_charts_render_offline_and_pass_axe(browser: Any, tmp_path: Path) -> None:
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
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    charts = page.locator(".chart").count()
    assert charts == 66
    page.wait_for_function(
        f"document.querySelectorAll('.chart[data-rendered=true] svg').length === {charts}"
    )
    chart = page.get_by_role(
        "img", name=re.compile(r"^Chart: False positive rate by english_learner, with 95%")
    )
    assert chart.is_visible()
    assert page.get_by_role("heading", name="What we found").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the report"
    assert_accessible(page)
    assert requests == [report.as_uri()]
    context.close()
