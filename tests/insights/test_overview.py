"""The state's cross-silo page, its CSV and Ed-Fi exports: figures, filters, and who may read them."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.security.test_ids_by_role import _main
from tests.tools.conftest import client_for, days, make_tool
from trellis.audits.models import FairnessAudit
from trellis.core.models import AuditEvent
from trellis.insights.forms import current_school_year
from trellis.insights.models import Allocation, FundingStream
from trellis.insights.streams import seed_streams
from trellis.learning.models import Attendance, Offering, OfferingSession
from trellis.orgs.models import Membership
from trellis.tools.models import Decision, Deployment, Incident, Tool

ROLES = ["state_lead", "state_analyst", "regional_coach", "district_lead", "school_leader", "teacher", "outsider"]
STATE_TEAM = {"state_lead", "state_analyst"}
URLS = ["insights:overview", "insights:overview-csv", "insights:overview-edfi"]


@pytest.fixture
def governance(tree):
    """Cedar Valley: two tools allowed (one with conditions), one denied, one expired; an audit; an
    open high-severity incident at a school and a resolved one. Riverside: one pilot-only tool."""
    tools = [make_tool()] + [Tool.objects.create(vendor=f"Vendor {i}", product=f"Tool {i}", summary="A tool.",
                                                 ai_functions=["tutors"]) for i in range(4)]
    today = timezone.localdate()
    Decision.objects.create(tool=tools[0], district=tree.district, outcome="approved", reasons="Fine.",
                            decided_on=today, expires_on=days(300))
    Decision.objects.create(tool=tools[1], district=tree.district, outcome="approved_with_conditions",
                            reasons="Fine.", conditions="Teachers review.", decided_on=today, expires_on=days(30))
    Decision.objects.create(tool=tools[2], district=tree.district, outcome="denied", reasons="No agreement.",
                            decided_on=today)
    # Approved once, then expired: not vetted any more.
    Decision.objects.create(tool=tools[3], district=tree.district, outcome="approved", reasons="Fine.",
                            decided_on=today - datetime.timedelta(days=400), expires_on=days(-35))
    # Approved, then denied later: the newest decision is in force.
    Decision.objects.create(tool=tools[4], district=tree.district, outcome="approved", reasons="Fine.",
                            decided_on=today - datetime.timedelta(days=10), expires_on=days(300))
    Decision.objects.create(tool=tools[4], district=tree.district, outcome="denied", reasons="Data leak.",
                            decided_on=today)
    Decision.objects.create(tool=tools[1], district=tree.other_district, outcome="pilot_only", reasons="Try it.",
                            decided_on=today, expires_on=days(90))
    deployment = Deployment.objects.create(tool=tools[0], district=tree.district, starts_on=today)
    FairnessAudit.objects.create(deployment=deployment, original_name="a.csv", id_column="id",
                                 prediction_column="flag", status="done")
    FairnessAudit.objects.create(deployment=deployment, original_name="b.csv", id_column="id",
                                 prediction_column="flag", status="failed")
    Incident.objects.create(tool=tools[0], organization=tree.school, category="bias", severity="high",
                            description="Flags English learners.")
    Incident.objects.create(tool=tools[0], organization=tree.district, category="privacy", severity="low",
                            description="Asked for names.")
    Incident.objects.create(tool=tools[0], organization=tree.district, category="other", severity="low",
                            description="Old.", status="resolved", action_taken="Fixed.")
    Incident.objects.create(tool=tools[1], organization=tree.outside_school, category="safety", severity="medium",
                            description="Wrong content.")
    seed_streams(FundingStream)  # a flushed database (after a live-server test) has lost the migration's
    streams = list(FundingStream.objects.filter(is_active=True).order_by("position", "name"))
    Allocation.objects.create(district=tree.district, stream=streams[0], year=current_school_year(), amount="12500.00")
    Allocation.objects.create(district=tree.district, stream=streams[0], year=current_school_year() - 1,
                              amount="99999.00")
    return tools


def stream_headings() -> list[str]:
    return [f"{s.name} allocation (USD)" for s in FundingStream.objects.filter(is_active=True)
            .order_by("position", "name")]


PL_HEADINGS = ["Teachers with at least 10 hours of AI-related professional learning",
               "Share of AI-related hours in durable formats"]


def test_one_row_per_district_with_each_silos_figures(state_lead, tree, governance):
    response = client_for(state_lead).get(reverse("insights:overview"))
    assert response.status_code == 200
    rows = {row.district.name: row for row in response.context["rows"]}
    assert list(rows) == ["Cedar Valley Unified", "Riverside City Schools"]
    cedar, river = rows["Cedar Valley Unified"], rows["Riverside City Schools"]
    assert (cedar.vetted_tools, cedar.audits, cedar.open_incidents, cedar.open_high_incidents) == (2, 1, 2, 1)
    assert (river.vetted_tools, river.audits, river.open_incidents, river.open_high_incidents) == (1, 0, 1, 0)
    assert cedar.stage_label == "Not yet assessed"
    assert cedar.quartile_label == "High poverty" and river.quartile_label == "Low poverty"
    page = response.content.decode()
    assert "The chart's numbers as a table" in page
    chart = response.context["chart"]
    assert {(v["district"], v["measure"], v["value"]) for v in chart["data"]["values"]} == {
        ("Cedar Valley Unified", "Vetted tools", 2), ("Cedar Valley Unified", "Open incidents", 2),
        ("Riverside City Schools", "Vetted tools", 1), ("Riverside City Schools", "Open incidents", 1),
    }


def test_filters_keep_their_values_and_the_csv_has_the_same_rows(state_lead, tree, governance):
    client = client_for(state_lead)
    response = client.get(reverse("insights:overview"), {"locale": "rural", "region": tree.region.pk})
    assert [row.district.name for row in response.context["rows"]] == ["Cedar Valley Unified"]
    page = response.content.decode()
    assert '<option value="rural" selected>' in page
    assert f'<option value="{tree.region.pk}" selected>' in page
    assert f'href="{reverse("insights:overview-csv")}?locale=rural&amp;region={tree.region.pk}"' in page
    download = client.get(reverse("insights:overview-csv"), {"locale": "rural"})
    assert download["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.content.decode())))
    streams = stream_headings()
    assert table[0] == ["District", "NCES id", "Region", "Locale", "Poverty level", *streams, *PL_HEADINGS,
                        "Vetted tools", "Fairness audits", "Open incidents", "Open high-severity incidents",
                        "Roadmap stage"]
    assert table[1:] == [["Cedar Valley Unified", "", "Region 1 Service Center", "Rural", "High poverty",
                          "12500.00", *[""] * (len(streams) - 1), "No data", "No data",
                          "2", "1", "2", "1", "Not yet assessed"]]
    by_quartile = client.get(reverse("insights:overview"), {"quartile": 1})
    assert [row.district.name for row in by_quartile.context["rows"]] == ["Riverside City Schools"]


def test_a_district_name_that_looks_like_a_formula_stays_text_in_the_csv(state_lead, tree):
    tree.district.name = '=HYPERLINK("http://evil.example","x")'
    tree.district.save()
    download = client_for(state_lead).get(reverse("insights:overview-csv"))
    assert "'=HYPERLINK" in download.content.decode()


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("name", URLS)
def test_only_the_state_team_reads_the_page_and_its_exports(request, tree, governance, who, name):
    person = request.getfixturevalue(who)
    before = (AuditEvent.objects.count(), Decision.objects.count(), Incident.objects.count())
    response = client_for(person).get(reverse(name))
    assert response.status_code == (200 if who in STATE_TEAM else 404)
    if who not in STATE_TEAM:
        main = _main(response.content.decode())
        assert "Cedar Valley" not in main and "Riverside" not in main
    assert (AuditEvent.objects.count(), Decision.objects.count(), Incident.objects.count()) == before


@pytest.mark.parametrize("name", URLS)
def test_no_one_signed_in_is_sent_to_sign_in(client, tree, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_edfi_export_of_events_and_attendance(state_analyst, tree, teacher, district_lead, outsider):
    offering = Offering.objects.create(title="Prompting for feedback on student writing: a two-part course",
                                       format="course", organization=tree.state, provider="state", modality="online",
                                       credit_hours="5.5")
    single = Offering.objects.create(title="AI literacy kickoff", format="workshop", organization=tree.district,
                                     provider="district", modality="in_person", credit_hours="2.0")
    Offering.objects.create(title="No sessions yet", format="plc", organization=tree.state, provider="state",
                            modality="online", credit_hours="1.0")
    def at(month: int, day: int) -> datetime.datetime:
        return datetime.datetime(2026, month, day, 16, tzinfo=datetime.UTC)

    first = OfferingSession.objects.create(offering=offering, starts_at=at(9, 14), hours="2.5")
    OfferingSession.objects.create(offering=offering, starts_at=at(9, 21), hours="3.0")
    kickoff = OfferingSession.objects.create(offering=single, starts_at=at(8, 20), hours="2.0")
    teacher.sourced_id = "t-1001"
    teacher.save()
    Attendance.objects.create(session=first, person=teacher, present=True)
    Attendance.objects.create(session=first, person=outsider, present=False)
    Attendance.objects.create(session=kickoff, person=district_lead, present=True)
    # A teacher who has since left (no role any more) is exported without a name.
    Membership.objects.filter(person=district_lead).delete()
    response = client_for(state_analyst).get(reverse("insights:overview-edfi"))
    document = json.loads(response.content)
    namespace = "uri://testserver/trellis"
    offered_by = "uri://trellis.k12/ProfessionalDevelopmentOfferedByDescriptor#"
    attended = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance"
    long_title = document["professionalDevelopmentEvents"][0]["professionalDevelopmentTitle"]
    assert long_title.startswith("Prompting for feedback on student writing: a two-part")
    assert long_title.endswith(f" [{offering.pk}]") and len(long_title) in (59, 60)
    assert document["professionalDevelopmentEvents"] == [
        {"namespace": namespace, "professionalDevelopmentTitle": long_title,
         "professionalDevelopmentOfferedByDescriptor": offered_by + "State agency",
         "totalHours": 6, "multipleSession": True, "required": False,
         "professionalDevelopmentReason": "Multi-session course"},
        {"namespace": namespace, "professionalDevelopmentTitle": f"AI literacy kickoff [{single.pk}]",
         "professionalDevelopmentOfferedByDescriptor": offered_by + "District",
         "totalHours": 2, "multipleSession": False, "required": False,
         "professionalDevelopmentReason": "One-time workshop"},
    ]
    assert all(len(e["professionalDevelopmentTitle"]) <= 60 for e in document["professionalDevelopmentEvents"])
    attendances = document["professionalDevelopmentEventAttendances"]
    assert [(a["attendanceDate"], a["personReference"]["personId"], a["attendanceEventCategoryDescriptor"],
             a.get("_ext", {}).get("trellis", {}).get("staffName")) for a in attendances] == [
        ("2026-08-20", f"trellis-{district_lead.pk}", attended, None),
        ("2026-09-14", "t-1001", attended, teacher.full_name),
        ("2026-09-14", f"trellis-{outsider.pk}", "uri://trellis.k12/AttendanceEventCategoryDescriptor#Absent",
         outsider.full_name),
    ]
    assert attendances[1]["personReference"]["sourceSystemDescriptor"] == (
        "uri://ed-fi.org/SourceSystemDescriptor#District")
