"""The HTML audit report: findings first, only published numbers, accessible, self-contained."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest

from trellis.engine.fairness import AuditResult, audit
from trellis.engine.fairness.report import (
    findings,
    render_report,
    shown_rows,
    suppressed_text,
    vendored_scripts,
)
from trellis.engine.suppression import SuppressionPolicy

SMALL = "<b>Sm&ll</b> school"  # markup in a group name must come out as text


def confusion_rows(school: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, Any]]:
    rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
    return [{"school": school, "flag": flag, "truth": truth} for flag, truth in rows]


@pytest.fixture(scope="module")
def schools() -> AuditResult:
    """A and B are large and alike; C flags true negatives falsely 4 times as often as A.

    D has 13 students of whom 11 are flagged: a selection rate of 84.6% (0.846153...), below
    min_n 20, so it is suppressed, and so is the next smallest school (E, 60 students) to protect
    it. F has 75 students of whom 3 are flagged (4.0%): a small group, so that rate is coded "<5%"
    and its true negative rate (64 of 66, 97.0%) ">95%".
    """
    frame = pd.DataFrame(
        confusion_rows("A", 150, 80, 50, 720)
        + confusion_rows("B", 140, 85, 55, 720)
        + confusion_rows("C", 150, 320, 50, 480)
        + confusion_rows(SMALL, 9, 2, 1, 1)
        + confusion_rows("E", 20, 10, 7, 23)
        + confusion_rows("F", 1, 2, 8, 64)
    )
    return audit(frame, prediction="flag", label="truth", by=["school"], min_n=20)


@pytest.fixture(scope="module")
def page(schools: AuditResult) -> str:
    return render_report(
        schools,
        title="Fairness audit of schools.csv",
        source_name="schools.csv",
        prediction="flag",
        label="truth",
        min_n=20,
        audited_on=date(2025, 3, 14),
    )


def without_libraries(page: str) -> str:
    for script in vendored_scripts():
        page = page.replace(script, "")
    return page


class Outline(HTMLParser):
    """Every start tag with its attributes, the heading levels, and the text outside scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.chart_data: list[dict[str, Any]] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self._script, self._script_text = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if self._script.get("type") == "application/json":
                self.chart_data.append(json.loads("".join(self._script_text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    parser.close()
    return parser


def test_the_flagged_finding_comes_first_in_plain_language(page: str, outline: Outline) -> None:
    text = " ".join(" ".join(outline.text).split())
    sentence = (
        "Students with school = C are flagged falsely 4.0 times as often as the reference group "
        "(school = A): false positive rate 40.0% vs 10.0% (ratio 95% CI 3.2–5.0)."
    )
    assert sentence in text
    assert text.index("What we found") < text.index(sentence) < text.index("Results by measure")


def test_findings_are_the_published_flags(schools: AuditResult) -> None:
    found = findings(schools, SuppressionPolicy(min_n=20))
    assert [(f.metric, f.group) for f in found] == [
        ("false_positive_rate", {"school": "C"}),
        ("positive_predictive_value", {"school": "C"}),
        ("selection_rate", {"school": "C"}),
        ("false_discovery_rate", {"school": "C"}),
        ("true_negative_rate", {"school": "C"}),
        ("accuracy", {"school": "C"}),
        ("selection_rate", {"school": "F"}),
    ]
    # A coded rate is flagged without its ratio, which would reveal it.
    assert found[-1].sentence == (
        "Students with school = F differ from the reference group (school = A) beyond the "
        "tolerance band: selection rate <5% vs 23.0%; the ratio is not shown because a rate is "
        "top/bottom coded."
    )


def test_no_suppressed_value_appears_anywhere(
    schools: AuditResult, page: str, outline: Outline
) -> None:
    raw = schools.select(metric="selection_rate", attributes=["school"], published=False)
    small = raw[[g == {"school": SMALL} for g in raw["group"]]].iloc[0]
    # Too small for any number but its counts, even in the raw table; the counts give the rate.
    assert small["suppressed"] and (small["numerator"], small["denominator"]) == (11, 13)
    for number in ("84.6", "0.846", "0.8461538"):
        assert number not in page
    # The complementary school E (60 students, 30 flagged: 50.0%) is hidden the same way.
    e_rate = raw[[g == {"school": "E"} for g in raw["group"]]].iloc[0]
    assert e_rate["suppressed"] and e_rate["value"] == pytest.approx(0.5)
    groups_in_charts = {
        datum["group"] for spec in outline.chart_data for datum in spec["data"]["values"]
    }
    assert groups_in_charts == {"A", "B", "C", "F"}
    assert not any(datum.get("n") for s in outline.chart_data for datum in s["data"]["values"])
    # Every suppressed row reads the same, whatever the reason: 2 rows in each of 11 tables, and
    # once in "How to read this".
    assert without_libraries(page).count(suppressed_text(20)) == 2 * 11 + 1


def test_small_groups_rates_are_top_bottom_coded(schools: AuditResult, page: str) -> None:
    rows = shown_rows(schools, SuppressionPolicy(min_n=20))
    f_selection = next(
        r for r in rows if r.metric == "selection_rate" and r.group == {"school": "F"}
    )
    assert (f_selection.coded, f_selection.value, f_selection.ratio) == ("<5%", None, None)
    assert "&lt;5%" in page and "&gt;95%" in page
    assert "97.0%" not in page and "0.9696" not in page
    f_tnr = next(r for r in rows if r.metric == "true_negative_rate" and r.group == {"school": "F"})
    assert (f_tnr.coded, f_tnr.value_note) == (">95%", ">95%")


def test_data_values_are_escaped(page: str, outline: Outline) -> None:
    assert "<b>Sm&ll</b>" not in page
    assert "&lt;b&gt;Sm&amp;ll&lt;/b&gt; school" in page
    assert not any(tag == "b" for tag, _ in outline.tags)
    # Inside the chart JSON, "<" is written as \u003c so no tag can end the script early.
    assert "<\\/" not in page and "</b>" not in without_libraries(page)


def test_every_chart_has_a_text_alternative_and_a_table(outline: Outline) -> None:
    images = [attrs for tag, attrs in outline.tags if attrs.get("role") == "img"]
    charts = [attrs for tag, attrs in outline.tags if attrs.get("class") == "chart"]
    assert len(images) == len(charts) == len(outline.chart_data) == 11
    assert all(attrs.get("aria-label", "").startswith("Chart: ") for attrs in images)
    assert not any(tag == "img" and not attrs.get("alt") for tag, attrs in outline.tags)
    tables = sum(1 for tag, _ in outline.tags if tag == "table")
    captions = sum(1 for tag, _ in outline.tags if tag == "caption")
    assert tables == captions == 11
    header_cells = [attrs for tag, attrs in outline.tags if tag == "th"]
    assert header_cells and all(attrs.get("scope") in ("col", "row") for attrs in header_cells)


def test_the_page_is_self_contained_and_well_formed(page: str, outline: Outline) -> None:
    assert outline.tags[0] == ("html", {"lang": "en"})
    links = [
        attrs.get(name) or ""
        for _, attrs in outline.tags
        for name in ("src", "href")
        if name in attrs
    ]
    assert links and all(not re.match(r"\s*(https?:)?//", link) for link in links)
    assert all(link.startswith("#") for link in links)
    assert ("a", {"class": "skip-link", "href": "#main"}) in outline.tags
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert "2025-03-14" in page and "schools.csv" in page


def test_what_was_audited(outline: Outline) -> None:
    text = " ".join(" ".join(outline.text).split())
    assert (
        "File schools.csv Rows (students) 3,148 Prediction column flag "
        "Label (ground truth) column truth Student groups by school (6 groups) "
        "Intersections None Date of the audit 2025-03-14 Confidence level 95% "
        "Minimum group size 20 students (smaller groups are suppressed) "
        "Tolerance band for ratios 0.8 to 1.25"
    ) in text
