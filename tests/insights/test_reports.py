"""Annual reports: drafted from the district's data, written, submitted (then never changed),
reviewed section by section, answered; the PDF is tagged and accessible."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.insights.conftest import EDITORS, ROLES, VIEWERS, client_for, snapshot
from trellis.core.models import AuditEvent, Job
from trellis.insights.models import AnnualReport, ReportSection, SectionFeedback
from trellis.insights.pdf import report_pdf, report_pdf_path
from trellis.insights.services import (
    feedback_respond,
    report_review,
    report_save,
    report_start,
    report_submit,
    spending_record,
)
from trellis.learning.measures import pl_measures

YEAR = 2026
NARRATIVES = {key: f"What we learned about {label.lower()}." for key, label in ReportSection.Key.choices}


def figure_cells(section: ReportSection) -> list[list[str]]:
    return [row for table in section.figures["tables"] for row in table["rows"]]


@pytest.fixture
def report(tree, district_lead, spent, year_of_pl):
    return report_start(actor=district_lead.user, district=tree.district, year=YEAR)


def test_trellis_drafts_every_section_from_the_district_s_data(tree, district_lead, spent, year_of_pl):
    report = report_start(actor=district_lead.user, district=tree.district, year=YEAR)
    sections = {s.key: s for s in report.sections.all()}
    assert list(sections) == ReportSection.Key.values
    spending = sections["spending"].figures
    assert "$12,000" in spending["summary"][0] and "75% on one-time workshops" in spending["summary"][0]
    assert spending["chart"]["bars"][0] == {"label": "One-time workshop", "value": 9000.0}
    assert ["ESEA Title II, Part A (Supporting Effective Instruction)", "$30,000", "$12,000", "40%"] in \
        figure_cells(sections["spending"])
    # Participation is the district's own row of the measures, as published.
    published = {r.measure: r for r in pl_measures(user=district_lead.user, organization=tree.district,
                                                   year=YEAR).rows
                 if r.group_kind == "district" and r.group == str(tree.district.pk)}
    share = published["participation_share"]
    assert not share.suppressed and share.n == 12
    assert ["Teachers with at least 10 hours of AI-related professional learning", f"{share.value * 100:.0f}%"] == \
        figure_cells(sections["participation"])[0][:2]
    assert "not a causal estimate" in " ".join(sections["practice"].figures["notes"]).lower()
    assert "no student outcome file" in sections["outcomes"].figures["summary"][0]
    equity = figure_cells(sections["equity"])
    assert [row[0] for row in equity][:1] == ["Whole state"]
    assert AuditEvent.objects.filter(action="report.start", organization_id=tree.district.pk).count() == 1


def test_every_measure_in_the_report_is_a_published_cell_or_says_suppressed(tree, district_lead, spent, year_of_pl,
                                                                              settings):
    """With a minimum of 13 the district's twelve teachers are too few: the report shows the reason,
    no number, in the page and the PDF."""
    settings.TRELLIS_MIN_N = 13
    report = report_start(actor=district_lead.user, district=tree.district, year=YEAR)
    participation = report.sections.get(key="participation")
    rows = figure_cells(participation)
    assert rows and all(row[1] == "Suppressed" and row[3] == "" for row in rows), rows
    assert "too small to publish" in participation.figures["summary"][0]
    page = client_for(district_lead).get(reverse("insights:report", args=[report.pk])).content.decode()
    assert "Suppressed" in page
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(report))).pages)
    assert "Suppressed" in text


def test_draft_save_submit_then_the_report_never_changes(report, district_lead, tree, offerings, title_ii):
    with pytest.raises(ValidationError, match="Still empty"):
        report_submit(actor=district_lead.user, report=report)
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    submitted = report_submit(actor=district_lead.user, report=report)
    assert submitted.status == "submitted" and submitted.submitted_by == district_lead.user
    frozen = list(ReportSection.objects.filter(report=report).values_list("key", "figures", "narrative"))
    # New spending after submission does not reach the submitted report.
    spending_record(actor=district_lead.user, district=tree.district, stream=title_ii, year=YEAR,
                    offering=offerings["coaching"], amount=Decimal("50000"), spent_on=datetime.date(2026, 5, 1))
    before = snapshot()
    with pytest.raises(ValidationError, match="never changes"):
        report_save(actor=district_lead.user, report=report, narratives={"spending": "Changed."}, refresh=True)
    with pytest.raises(ValidationError):
        report_submit(actor=district_lead.user, report=report)
    client = client_for(district_lead)
    assert client.post(reverse("insights:report", args=[report.pk]),
                       {"narrative-spending": "Changed in the page."}).status_code == 403
    assert snapshot() == before
    assert list(ReportSection.objects.filter(report=report).values_list("key", "figures", "narrative")) == frozen


def test_the_state_reviews_each_section_and_the_district_responds(report, district_lead, state_lead, tree):
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    with pytest.raises(ValidationError, match="not submitted"):
        report_review(actor=state_lead.user, report=report, reviews={"spending": ("strength", "Good.")})
    report_submit(actor=district_lead.user, report=report)
    report_review(actor=state_lead.user, report=report, reviews={
        "spending": ("needs_support", "Most spend is on one-time workshops; shift some to coaching."),
        "participation": ("strength", "Broad participation.")})
    report.refresh_from_db()
    assert report.status == "reviewed" and report.reviewed_by == state_lead.user
    feedback = SectionFeedback.objects.get(section__key="spending")
    feedback_respond(actor=district_lead.user, feedback=feedback, response="We will fund two coaching cycles.")
    with pytest.raises(ValidationError, match="already"):
        feedback_respond(actor=district_lead.user, feedback=feedback, response="Again.")
    # A second review adds to the history; the first stays.
    report_review(actor=state_lead.user, report=report, reviews={"spending": ("developing", "Better.")})
    assert list(SectionFeedback.objects.filter(section__key="spending").values_list("rating", flat=True)) == [
        "needs_support", "developing"]
    page = client_for(district_lead).get(reverse("insights:report", args=[report.pk])).content.decode()
    assert "Needs support" in page and "We will fund two coaching cycles." in page and "Better." in page


def test_only_the_state_lead_reviews(request, report, district_lead):
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    report_submit(actor=district_lead.user, report=report)
    before = snapshot()
    for who in ROLES:
        if who == "state_lead":
            continue
        person = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            report_review(actor=person.user, report=report, reviews={"spending": ("strength", "Fine.")})
        response = client_for(person).post(
            reverse("insights:report-review", args=[report.pk]),
            {"review-spending--rating": "strength", "review-spending--body": "Fine."})
        assert response.status_code in (403, 404), who
        assert snapshot() == before, who


def test_a_review_with_a_rating_but_no_feedback_keeps_what_was_typed(report, district_lead, state_lead):
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    report_submit(actor=district_lead.user, report=report)
    before = snapshot()
    response = client_for(state_lead).post(reverse("insights:report-review", args=[report.pk]), {
        "review-spending--rating": "strength", "review-spending--body": "",
        "review-tools--rating": "developing", "review-tools--body": "Audit the reading tutor next."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Audit the reading tutor next." in page and "Give both a rating and feedback" in page
    assert snapshot() == before


def test_report_pages_by_role(request, report, tree):
    """Viewers read the report and its PDF; only the district's lead and the state lead write it;
    everyone else is told it does not exist; nothing changes on a refusal."""
    urls = [reverse("insights:report", args=[report.pk]), reverse("insights:report-pdf", args=[report.pk]),
            reverse("insights:district-reports", args=[tree.district.pk])]
    before = snapshot()
    for who in ROLES:
        client = client_for(request.getfixturevalue(who))
        for url in urls:
            response = client.get(url)
            drawn = 302 if url.endswith(".pdf") else 200  # the PDF is drawn by a background job first
            assert response.status_code == (drawn if who in VIEWERS else 404), (who, url)
            if who not in VIEWERS:
                assert tree.district.name not in response.content.decode().split("<main", 1)[-1]
        if who not in EDITORS:
            assert client.post(urls[0], {"narrative-spending": "Mine."}).status_code in (403, 404), who
            assert client.post(urls[0], {"narrative-spending": "Mine.", "submit": "1"}).status_code in (403, 404), who
            assert client.post(urls[2], {"form": "start", "start-year": "2025"}).status_code in (403, 404), who
        assert client.get(reverse("insights:report", args=[10**9])).status_code == 404
        assert snapshot() == before, who
    assert set(Job.objects.values_list("started_by__username", flat=True)) == {
        request.getfixturevalue(who).user.username for who in VIEWERS}


def test_only_the_district_answers_feedback(request, report, district_lead, state_lead):
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    report_submit(actor=district_lead.user, report=report)
    report_review(actor=state_lead.user, report=report, reviews={"tools": ("developing", "Audit more.")})
    feedback = SectionFeedback.objects.get()
    before = snapshot()
    for who in ROLES:
        if who in EDITORS:
            continue
        person = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            feedback_respond(actor=person.user, feedback=feedback, response="No.")
        response = client_for(person).post(
            reverse("insights:feedback-respond", args=[feedback.pk]), {f"response-{feedback.pk}-response": "No."})
        assert response.status_code in (403, 404), who
        assert snapshot() == before, who


def test_the_district_lead_starts_writes_and_submits_in_the_pages(district_lead, tree, spent, year_of_pl):
    client = client_for(district_lead)
    response = client.post(reverse("insights:district-reports", args=[tree.district.pk]),
                           {"form": "start", "start-year": str(YEAR)})
    report = AnnualReport.objects.get()
    assert response["Location"] == reverse("insights:report", args=[report.pk])
    url = reverse("insights:report", args=[report.pk])
    long = "x" * 10001
    response = client.post(url, {**{f"narrative-{k}": v for k, v in NARRATIVES.items()}, "narrative-tools": long})
    assert response.status_code == 400 and NARRATIVES["spending"] in response.content.decode()
    assert not report.sections.exclude(narrative="").exists()
    # Submitting with a section still empty saves what was written and says what is missing.
    some = {f"narrative-{k}": v for k, v in NARRATIVES.items() if k != "tools"}
    assert client.post(url, {**some, "submit": "1"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Still empty: AI tools vetted and audited" in page and "The narrative you wrote is saved." in page
    report.refresh_from_db()
    assert report.status == "draft" and report.sections.get(key="spending").narrative == NARRATIVES["spending"]
    assert client.post(url, {**some, "narrative-tools": NARRATIVES["tools"], "submit": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    # A second report for the same year is refused with the reason.
    response = client.post(reverse("insights:district-reports", args=[tree.district.pk]),
                           {"form": "start", "start-year": str(YEAR)})
    assert response.status_code == 200 and "already has a report" in response.content.decode()


def test_the_pdf_is_drawn_in_the_background_and_redrawn_when_the_report_changes(
        report, district_lead, django_capture_on_commit_callbacks):
    client = client_for(district_lead)
    url = reverse("insights:report-pdf", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = Job.objects.get(kind="report_pdf")
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["next_url"] == url
    assert [s["step"] for s in job.steps] == ["Drawing the report's pages", "Saving the PDF"]
    first = b"".join(client.get(url).streaming_content)
    assert first.startswith(b"%PDF-") and Job.objects.count() == 1
    # A changed draft is drawn again; the old file is removed.
    report_save(actor=district_lead.user, report=report, narratives={"spending": "A new paragraph."})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 302
    assert "A new paragraph." in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(b"".join(client.get(url).streaming_content))).pages)
    assert len(list(report_pdf_path(report).parent.glob(f"{report.pk}-*.pdf"))) == 1


def test_the_pdf_is_tagged_with_language_title_and_text_alternatives(report, district_lead):
    report_save(actor=district_lead.user, report=report, narratives=NARRATIVES)
    pdf = pypdf.PdfReader(io.BytesIO(report_pdf(report)))
    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == pypdf.generic.BooleanObject(True)
    assert root["/Lang"] == "en"
    assert pdf.metadata.title == f"Professional learning report 2025–26: {report.district.name}"
    kinds, alts = [], []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                kinds.append(node["/S"])
                if node["/S"] == "/Figure":
                    alts.append(node.get("/Alt"))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TH", "/Figure"} <= set(kinds)
    assert alts and all(alt and alt.startswith("Bar chart of spending by format") for alt in alts)
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "What we learned about spending." in text
