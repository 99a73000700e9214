"""The analysts' read-only REST API (django-ninja; OpenAPI schema at /api/v1/openapi.json).

Every endpoint asks the same selectors the pages ask, so a token reads exactly what its person
may see in the browser, with the same suppression. Reads of data derived from students (audit
summaries; annual reports, whose figures may hold student outcomes) are written to the access log,
one row per request."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Query, Schema
from ninja.security import HttpBearer

from trellis.api.selectors import api_token_for_secret
from trellis.api.services import api_token_used
from trellis.audits.models import FairnessAudit
from trellis.audits.permissions import can_read_audit
from trellis.core.services import access_record
from trellis.insights.forms import current_school_year
from trellis.insights.models import AnnualReport, Review
from trellis.insights.overview import overview_for
from trellis.insights.permissions import can_view_district
from trellis.learning.measures import pl_measures
from trellis.orgs.models import Organization
from trellis.orgs.permissions import memberships_of, visible_organizations_q
from trellis.orgs.selectors import organization_get
from trellis.roadmap.permissions import can_view_roadmap, can_view_state_roadmap
from trellis.roadmap.selectors import NOT_ASSESSED, district_roadmap, state_roadmap_rows
from trellis.tools.models import Deployment
from trellis.tools.selectors import tool_list


class PersonalToken(HttpBearer):
    """``Authorization: Bearer <token>``, a token its person made on the "API tokens" page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_for_secret(token)
        if found is None:
            return None
        api_token_used(token=found)
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Trellis API",
    version="1",
    description=(
        "Read-only access to what a person may see in Trellis: the cross-silo district rows, the tool "
        "catalog and deployments, the suppressed views of fairness audits, roadmap stages, the published "
        "professional learning measures and the districts' submitted annual reports. "
        "Authenticate with a personal token: `Authorization: Bearer <token>`."
    ),
    auth=PersonalToken(),
    docs_url=None,
    urls_namespace="api",
)


def _signed_in_with_role(request: HttpRequest) -> None:
    if not memberships_of(request.user):
        raise Http404("Not found.")


class DistrictRowOut(Schema):
    district_id: int
    district: str
    nces_id: str
    region: str | None
    locale: str
    poverty_quartile: int | None
    poverty_level: str
    vetted_tools: int
    fairness_audits: int
    open_incidents: int
    open_high_severity_incidents: int
    roadmap_stage: str
    #: Allocation per funding stream in the school year (USD), by the stream's code.
    funding: dict[str, str]
    #: The district's published PL measures (a suppressed one has no value).
    pl_measures: dict[str, float | None]


class OverviewFilter(Schema):
    year: int | None = None
    region: int | None = None
    locale: str = ""
    poverty_quartile: int | None = None


@api.get("/overview", response=list[DistrictRowOut], summary="The state's cross-silo rows, one per district",
         tags=["state"])
def overview(request: HttpRequest, filters: Query[OverviewFilter]) -> list[dict[str, Any]]:
    """For the state team only (state AI lead, state analysts): the rows of "Districts at a glance",
    filtered as the page filters them."""
    found = overview_for(user=request.user, year=filters.year or current_school_year(), region=filters.region,
                         locale=filters.locale, quartile=filters.poverty_quartile)
    return [{
        "district_id": row.district.pk, "district": row.district.name, "nces_id": row.district.nces_id,
        "region": row.region.name if row.region else None, "locale": row.district.locale,
        "poverty_quartile": row.quartile, "poverty_level": row.quartile_label,
        "vetted_tools": row.vetted_tools, "fairness_audits": row.audits, "open_incidents": row.open_incidents,
        "open_high_severity_incidents": row.open_high_incidents, "roadmap_stage": row.stage_label,
        "funding": row.funding,
        "pl_measures": {measure: (None if r.suppressed else r.value) for measure, r in row.measures.items()},
    } for row in found.rows]


class ToolOut(Schema):
    id: int
    vendor: str
    product: str
    version: str
    summary: str
    ai_functions: list[str]
    model_provider: str
    student_data: list[str]
    staff_data: list[str]
    youngest_age: int | None
    privacy_policy_url: str
    accessibility_url: str
    evidence_url: str


@api.get("/tools", response=list[ToolOut], summary="The state's catalog of AI tools", tags=["tools"])
def tools(request: HttpRequest, search: str = "") -> Any:
    """Every tool in the catalog, for anyone with a role (as the catalog page)."""
    _signed_in_with_role(request)
    return tool_list(search=search[:100])


class DeploymentOut(Schema):
    id: int
    tool_id: int
    tool: str
    district_id: int
    district: str
    stage: str
    schools: list[str]
    grades: list[str]
    starts_on: datetime.date
    ends_on: datetime.date | None
    scaled_on: datetime.date | None


@api.get("/deployments", response=list[DeploymentOut], summary="Deployments of tools in the districts you see",
         tags=["tools"])
def deployments(request: HttpRequest) -> list[dict[str, Any]]:
    _signed_in_with_role(request)
    visible = Organization.objects.filter(visible_organizations_q(request.user))
    found = (Deployment.objects.filter(district__in=visible).select_related("tool", "district")
             .prefetch_related(Prefetch("schools", queryset=visible.order_by("name"))).order_by("district__name", "pk"))
    return [{
        "id": d.pk, "tool_id": d.tool_id, "tool": d.tool.product, "district_id": d.district_id,
        "district": d.district.name, "stage": d.stage, "schools": [s.name for s in d.schools.all()],
        "grades": [str(g) for g in d.grades], "starts_on": d.starts_on, "ends_on": d.ends_on,
        "scaled_on": d.scaled_on,
    } for d in found]


class AuditOut(Schema):
    id: int
    deployment_id: int
    tool: str
    district_id: int
    district: str
    finished_at: datetime.datetime
    min_n: int
    published: dict[str, Any]


@api.get("/audits", response=list[AuditOut], summary="Fairness audits: the suppressed view only",
         tags=["audits"])
def audits(request: HttpRequest) -> list[dict[str, Any]]:
    """The published (suppressed) view of every finished audit in the districts you see: the same
    view the audit page shows. Student-level rows are never kept, so none can be returned."""
    _signed_in_with_role(request)
    found = [a for a in FairnessAudit.objects.filter(status=FairnessAudit.Status.DONE)
             .select_related("deployment__tool", "deployment__district").order_by("-created_at", "-id")
             if can_read_audit(request.user, a.deployment.district)]
    access_record(actor=request.user, dataset="fairness audits (suppressed view)", purpose="API: /api/v1/audits",
                  organization_id=None, rows_read=len(found))
    return [{
        "id": a.pk, "deployment_id": a.deployment_id, "tool": a.deployment.tool.product,
        "district_id": a.deployment.district_id, "district": a.deployment.district.name,
        "finished_at": a.updated_at, "min_n": a.min_n, "published": a.published,
    } for a in found]


class StageOut(Schema):
    district_id: int
    district: str
    stage: str
    submitted_at: datetime.datetime | None


@api.get("/roadmap", response=list[StageOut], summary="Districts' roadmap stages", tags=["roadmap"])
def roadmap(request: HttpRequest) -> list[dict[str, Any]]:
    """The stage of each district's last submitted roadmap, for the districts whose roadmap you
    may read (every district for the state team)."""
    _signed_in_with_role(request)
    if can_view_state_roadmap(request.user):
        return [{"district_id": r.district.pk, "district": r.district.name, "stage": r.stage_label,
                 "submitted_at": r.submitted_at} for r in state_roadmap_rows(user=request.user)]
    rows = []
    districts = Organization.objects.filter(visible_organizations_q(request.user), kind=Organization.Kind.DISTRICT,
                                            is_active=True).order_by("name")
    for district in districts:
        if not can_view_roadmap(request.user, district):
            continue
        history = district_roadmap(district=district).history
        latest = history[0] if history else None
        rows.append({"district_id": district.pk, "district": district.name,
                     "stage": latest.progress.label if latest else NOT_ASSESSED,  # type: ignore[attr-defined]
                     "submitted_at": latest.submitted_at if latest else None})
    return rows


class MeasuresFilter(Schema):
    year: int | None = None
    organization: int | None = None


@api.get("/measures", summary="Published professional learning measures", tags=["measures"])
def measures(request: HttpRequest, filters: Query[MeasuresFilter]) -> dict[str, Any]:
    """The PL measures of a school year (default: the current one) for an organization (default:
    your widest one), as the pages show them: every cell passed minimum-n and complementary
    suppression statewide; a suppressed cell has no number, only its reason. For the state's
    staff, a regional coach over their region, or a district lead over their district."""
    _signed_in_with_role(request)
    if filters.organization is None:
        organization = memberships_of(request.user)[0].organization
    else:
        organization = organization_get(user=request.user, pk=filters.organization)
    try:
        result = pl_measures(user=request.user, organization=organization, year=filters.year or current_school_year())
    except PermissionDenied as exc:
        raise Http404("Not found.") from exc
    return {"organization_id": organization.pk, "organization": organization.name, **result.to_dict()}


class SectionOut(Schema):
    key: str
    title: str
    figures: dict[str, Any]
    narrative: str


class ReportOut(Schema):
    id: int
    district_id: int
    district: str
    year: int
    status: str
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    sections: list[SectionOut]


@api.get("/reports", response=list[ReportOut], summary="Districts' submitted annual PL reports", tags=["reports"])
def reports(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    """Submitted (and reviewed) annual reports of the districts whose reports you may read, with
    their sections' figures (suppressed when drafted) and narratives. Drafts stay the district's
    own until submitted."""
    _signed_in_with_role(request)
    found = (AnnualReport.objects.exclude(status=Review.DRAFT).select_related("district")
             .prefetch_related("sections").order_by("-year", "district__name"))
    if year is not None:
        found = found.filter(year=year)
    visible = [report for report in found if can_view_district(request.user, report.district)]
    access_record(actor=request.user, dataset="annual PL reports (suppressed figures)", purpose="API: /api/v1/reports",
                  organization_id=None, rows_read=len(visible))
    return [{
        "id": r.pk, "district_id": r.district_id, "district": r.district.name, "year": r.year, "status": r.status,
        "submitted_at": r.submitted_at, "reviewed_at": r.reviewed_at,
        "sections": [{"key": s.key, "title": s.get_key_display(), "figures": s.figures, "narrative": s.narrative}
                     for s in r.sections.all()],
    } for r in visible]
