"""The HTML audit report: findings first, only published numbers, accessible, self-contained."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest

from trellis.cli.audit import json_rows
from trellis.engine.fairness import AuditResult, audit
from trellis.engine.fairness.report import (
    COMPLEMENT_TEXT,
    Labels,
    definition_text,
    findings,
    hidden_summary,
    labels_from,
    primary_text,
    published_records,
    render_report,
    shown_rows,
    vendored_scripts,
)
from trellis.engine.suppression import SuppressionPolicy
from trellis.engine.synth.tool_outputs import tool_outputs

SMALL = "<b>Sm&ll</b> school"  # markup in a group name must come out as text


def confusion_rows(school: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, Any]]:
    rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
    return [{"school": school, "flag": flag, "truth": truth} for flag, truth in rows]


@pytest.fixture(scope="module")
def schools() -> AuditResult:
    """A and B are large and alike; C flags true negatives falsely 4 times as often as A.

    D has 13 students of whom 11 are flagged: a selection rate of 84.6% (0.846153...), below
    min_n 20, so it is hidden, and so must be one more school to protect it. E (60 students) would
    be the cheapest, but it holds flagged disparities, and so does F: B (1,000 students) is hidden
    instead. F has 75 students of whom 3 are flagged (4.0%): a small group, so that rate is coded
    "<5%" and its true negative rate (64 of 66, 97.0%) ">95%".
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


def text_of(outline: Outline) -> str:
    return " ".join(" ".join(outline.text).split())


def test_the_page_opens_with_the_findings_in_plain_language(outline: Outline) -> None:
    text = text_of(outline)
    sentence = (
        "False positive rate. School: C: the tool wrongly flags 40.0% of those it should not flag, "
        "against 10.0% of School: A (the reference group). That is 4.0 times as high (95% interval "
        "of the ratio 3.2 to 5.0; 30.0 percentage points more), in a group of 1,000 students."
    )
    assert sentence in text
    assert text.index("What we found") < text.index(sentence) < text.index("What to do next")
    assert text.index("What to do next") < text.index("Results by measure") < text.index("What was audited")
    headings = [attrs.get("id") for tag, attrs in outline.tags if tag == "h2"]
    assert headings[0] == "found"


def test_findings_are_the_published_flags_and_flagged_groups_stay_published(schools: AuditResult) -> None:
    found = findings(schools, SuppressionPolicy(min_n=20))
    listed = [(f.metric, f.group["school"]) for f in found]
    assert listed[0] == ("false_positive_rate", "C")
    # E (60 students) holds flagged disparities, so B was hidden in its place and E's stay.
    assert {("false_positive_rate", "E"), ("selection_rate", "E"), ("false_omission_rate", "E")} <= set(listed)
    assert {school for _, school in listed} == {"C", "E", "F"}
    assert listed[-1] == ("selection_rate", "F")
    # A coded rate is flagged without its ratio, which would reveal it.
    assert found[-1].sentence == (
        "School: F: the tool flags <5% of them, against 23.0% of School: A (the reference group). "
        "The size of the gap is not shown because a rate of a small group is top/bottom coded."
    )
    # A ratio below 1 reads as a share lower.
    accuracy = next(f for f in found if f.metric == "accuracy")
    assert "That is 28% lower (ratio 0.72, 95% interval of the ratio 0.69 to 0.76;" in accuracy.sentence


def test_no_hidden_value_appears_anywhere(schools: AuditResult, page: str, outline: Outline) -> None:
    raw = schools.select(metric="selection_rate", attributes=["school"], published=False)
    small = raw[[g == {"school": SMALL} for g in raw["group"]]].iloc[0]
    # Too small for any number but its counts, even in the raw table; the counts give the rate.
    assert small["suppressed"] and (small["numerator"], small["denominator"]) == (11, 13)
    for number in ("84.6", "0.846", "0.8461538"):
        assert number not in page
    # The complementary school B (1,000 students, 225 flagged: 22.5%) is hidden the same way.
    b_rate = raw[[g == {"school": "B"} for g in raw["group"]]].iloc[0]
    assert b_rate["suppressed"] and b_rate["value"] == pytest.approx(0.225)
    groups_in_charts = {datum["group"] for spec in outline.chart_data for datum in spec["data"]["values"]}
    assert groups_in_charts == {"School: A", "School: C", "School: E", "School: F"}
    assert not any(datum.get("n") for s in outline.chart_data for datum in s["data"]["values"])
    # Each hidden row gives its honest reason: 1 row of each in each of 11 tables.
    body = without_libraries(page)
    assert body.count(primary_text(20)) == 11 + 1
    assert body.count(COMPLEMENT_TEXT) == 11 + 1


def test_how_much_is_hidden_is_reported(schools: AuditResult, outline: Outline) -> None:
    hidden = hidden_summary(schools, SuppressionPolicy(min_n=20))
    assert (hidden.groups, hidden.hidden, hidden.too_few, hidden.complements) == (6, 2, 1, 1)
    assert (hidden.students, hidden.students_hidden) == (3_148, 1_013)
    assert (
        "To protect students' privacy, 2 of 6 groups are not shown: 1 with too few students (fewer "
        "than 20) and 1 hidden so that a smaller group cannot be worked out from the totals. They "
        "hold 32.2% of the students counted across all groupings."
    ) in text_of(outline)


def test_small_groups_rates_are_top_bottom_coded(schools: AuditResult, page: str) -> None:
    rows = shown_rows(schools, SuppressionPolicy(min_n=20))
    f_selection = next(r for r in rows if r.metric == "selection_rate" and r.group == {"school": "F"})
    assert (f_selection.coded, f_selection.value, f_selection.ratio) == ("<5%", None, None)
    assert "&lt;5%" in page and "&gt;95%" in page
    assert "97.0%" not in page and "0.9696" not in page
    f_tnr = next(r for r in rows if r.metric == "true_negative_rate" and r.group == {"school": "F"})
    assert (f_tnr.coded, f_tnr.value_note) == (">95%", ">95%")


def test_the_published_json_is_coded_as_the_page_is(schools: AuditResult) -> None:
    policy = SuppressionPolicy(min_n=20)
    rows = json.loads(json_rows(schools, published=True, policy=policy))
    by_key = {(r["metric"], r["group"].get("school")): r for r in rows}
    f_selection = by_key[("selection_rate", "F")]
    assert f_selection["coded"] == "<5%"
    assert all(f_selection[key] is None for key in ("value", "ci_low", "ci_high", "ratio", "difference"))
    assert by_key[("true_negative_rate", "F")]["coded"] == ">95%"
    assert by_key[("true_negative_rate", "F")]["value"] is None
    assert by_key[("selection_rate", "C")]["coded"] is None
    assert by_key[("selection_rate", "C")]["value"] == pytest.approx(0.47)
    # Every coded text on the page is coded in the JSON, and no JSON value is shown coded.
    shown = shown_rows(schools, policy)
    assert [row.coded for row in shown] == [record["coded"] for record in published_records(schools, policy)]
    assert sum(r["coded"] is not None for r in rows) == sum(row.coded is not None for row in shown) > 0
    raw = json.loads(json_rows(schools, published=False))
    assert "coded" not in raw[0]
    assert next(r for r in raw if r["metric"] == "selection_rate" and r["group"] == {"school": "F"})["value"] == 0.04


def test_data_values_are_escaped(page: str, outline: Outline) -> None:
    assert "<b>Sm&ll</b>" not in page
    assert "&lt;b&gt;Sm&amp;ll&lt;/b&gt; school" in page
    assert not any(tag == "b" for tag, _ in outline.tags)
    # Inside the chart JSON, "<" is written as \u003c so no tag can end the script early.
    assert "<\\/" not in page and "</b>" not in without_libraries(page)


def test_one_chart_per_measure_with_a_text_alternative_and_tables_folded_away(outline: Outline) -> None:
    images = [attrs for tag, attrs in outline.tags if attrs.get("role") == "img"]
    charts = [attrs for tag, attrs in outline.tags if attrs.get("class") == "chart"]
    assert len(images) == len(charts) == len(outline.chart_data) == 11
    assert all(attrs.get("aria-label", "").startswith("Chart: ") for attrs in images)
    assert not any(tag == "img" and not attrs.get("alt") for tag, attrs in outline.tags)
    tables = sum(1 for tag, _ in outline.tags if tag == "table")
    captions = sum(1 for tag, _ in outline.tags if tag == "caption")
    details = sum(1 for tag, _ in outline.tags if tag == "details")
    assert tables == captions == details == 11
    header_cells = [attrs for tag, attrs in outline.tags if tag == "th"]
    assert header_cells and all(attrs.get("scope") in ("col", "row") for attrs in header_cells)


def test_formulas_are_rendered_not_raw_markup(page: str, outline: Outline) -> None:
    body = without_libraries(page)
    assert "``" not in body
    assert '<code class="formula">FP / (FP + TN)</code>: the share of true negatives' in body
    assert definition_text("selection_rate") == "Share of students the tool flags: (TP + FP) / n."


def test_the_page_is_self_contained_and_well_formed(page: str, outline: Outline) -> None:
    assert outline.tags[0] == ("html", {"lang": "en"})
    links = [attrs.get(name) or "" for _, attrs in outline.tags for name in ("src", "href") if name in attrs]
    assert links and all(not re.match(r"\s*(https?:)?//", link) for link in links)
    assert all(link.startswith("#") for link in links)
    assert ("a", {"class": "skip-link", "href": "#main"}) in outline.tags
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert "2025-03-14" in page and "schools.csv" in page


def test_what_was_audited(outline: Outline) -> None:
    assert (
        "File schools.csv Rows (students) 3,148 Prediction column flag "
        "Label (ground truth) column truth Student groups by school (school, 6 groups) "
        "Intersections None Date of the audit 2025-03-14 Confidence level 95% "
        "Minimum group size 20 students (smaller groups are not shown) "
        "Tolerance band for ratios 0.8 to 1.25"
    ) in text_of(outline)


def test_labels_name_groups_in_words() -> None:
    labels = Labels()
    assert labels.group(("english_learner",), {"english_learner": "Y"}) == "English learners"
    assert labels.group(("english_learner",), {"english_learner": "n"}) == "Students who are not English learners"
    assert labels.group(("race", "sex"), {"race": "Asian", "sex": "F"}) == "Asian students · Female students"
    assert labels.group(("grade",), {"grade": "KG"}) == "Kindergarten"
    assert labels.group(("sex",), {"sex": "(missing)"}) == "Sex: not recorded"
    assert labels.group(("school_name",), {"school_name": "Lincoln"}) == "School name: Lincoln"
    assert labels.group((), {}) == "All students"
    given = labels_from({"columns": {"school": "campus"}, "values": {"school": {"LHS": "Lincoln High"}}})
    assert given.group(("school",), {"school": "LHS"}) == "Lincoln High"
    assert given.group(("school",), {"school": "WMS"}) == "Campus: WMS"
    assert given.grouping(("school", "english_learner")) == "campus and English learner"
    with pytest.raises(ValueError, match="the values of 'school' must be a mapping"):
        labels_from({"values": {"school": "Lincoln"}})


def test_a_three_attribute_report_uses_words_and_one_chart_per_measure() -> None:
    result = audit(
        tool_outputs(4_000, seed=3, bias={"english_learner": {"Y": 3.0}}),
        prediction="flag",
        label="label",
        by=["race", "sex", "english_learner"],
    )
    page = render_report(result, title="t", source_name="x.parquet", prediction="flag", label="label")
    body = without_libraries(page)
    assert "english_learner = Y" not in body and "English learners" in body
    assert body.count('class="chart"') == 11
