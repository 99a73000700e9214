"""Reads of tools and their governance, already filtered to what the person may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trellis.orgs.models import Organization
from trellis.orgs.permissions import memberships_of, visible_organizations_q
from trellis.tools import permissions as perm
from trellis.tools.models import (
    Agreement,
    Decision,
    Incident,
    InventoryEntry,
    OptOutRequest,
    Review,
    Tool,
    ToolRequest,
)
from trellis.tools.vocabulary import grade_label

EXPIRY_WARNING_DAYS = 60


def _get_or_404(query: QuerySet[Any], pk: int) -> Any:
    found = query.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found.")
    return found


def tool_list(*, search: str = "", function: str = "") -> QuerySet[Tool]:
    """The state catalog: every signed-in staff member may read it."""
    tools = Tool.objects.all()
    if search:
        tools = tools.filter(Q(product__icontains=search) | Q(vendor__icontains=search))
    if function:
        # JSON containment is not on SQLite; the list of functions is short, so match its text.
        tools = tools.filter(ai_functions__icontains=f'"{function}"')
    return tools.order_by("product", "vendor")


def tool_get(*, user: Any, pk: int) -> Tool:
    if not memberships_of(user):
        raise Http404("Not found.")
    return _get_or_404(Tool.objects.all(), pk)


def governed_districts(user: Any) -> list[Organization]:
    return [o for o in Organization.objects.filter(visible_organizations_q(user), kind=Organization.Kind.DISTRICT,
                                                    is_active=True) if perm.can_govern(user, o)]


def district_of(organization: Organization) -> Organization | None:
    if organization.kind == Organization.Kind.DISTRICT:
        return organization
    if organization.kind == Organization.Kind.SCHOOL:
        return organization.parent
    return None


@dataclass(frozen=True)
class Standing:
    """Where a tool stands in one district: the decision in force, the agreement, open problems."""

    decision: Decision | None
    agreement: Agreement | None
    open_high_incidents: int
    alerts: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        if self.decision is None:
            return "Not decided"
        if self.decision.is_expired:
            return f"Decision expired on {self.decision.expires_on:%B %-d, %Y}"
        return str(self.decision.get_outcome_display())


def standing_for(*, district: Organization, tool: Tool) -> Standing:
    return standings_for(district=district, tools=[tool])[tool.pk]


def standings_for(*, district: Organization, tools: list[Tool]) -> dict[int, Standing]:
    """Where each of ``tools`` stands in one district, by tool id: three queries however many tools."""
    ids = [tool.pk for tool in tools]
    decisions: dict[int, Decision] = {}
    for decision in Decision.objects.filter(district=district, tool_id__in=ids).select_related("tool"):
        decisions.setdefault(decision.tool_id, decision)  # the newest: the model orders newest first
    agreements: dict[int, Agreement] = {}
    for agreement in Agreement.objects.filter(district=district, tool_id__in=ids).select_related("piggyback_of"):
        agreements.setdefault(agreement.tool_id, agreement)
    open_high = dict(
        Incident.objects.filter(
            tool_id__in=ids, organization__path__startswith=district.path, severity=Incident.Severity.HIGH,
        ).exclude(status=Incident.Status.RESOLVED).order_by().values("tool_id")
        .annotate(open=Count("id")).values_list("tool_id", "open")
    )
    standings = {}
    for tool in tools:
        decision, agreement, count = decisions.get(tool.pk), agreements.get(tool.pk), open_high.get(tool.pk, 0)
        standings[tool.pk] = Standing(decision, agreement, count, _alerts(decision, agreement, count, tool))
    return standings


def _alerts(decision: Decision | None, agreement: Agreement | None, open_high: int, tool: Tool) -> list[str]:
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    alerts = []
    if decision is not None and decision.expires_on:
        if decision.expires_on < today:
            alerts.append(f"The decision on {tool.product} expired on {decision.expires_on:%B %-d, %Y}.")
        elif decision.expires_on <= soon:
            alerts.append(f"The decision on {tool.product} expires on {decision.expires_on:%B %-d, %Y}.")
    if agreement is not None:
        if agreement.is_lapsed:
            alerts.append(f"The data privacy agreement for {tool.product} lapsed on {agreement.ends_on:%B %-d, %Y}.")
        elif agreement.ends_on <= soon:
            alerts.append(f"The data privacy agreement for {tool.product} ends on {agreement.ends_on:%B %-d, %Y}.")
    elif decision is not None and decision.allows_use:
        alerts.append(f"{tool.product} is approved but has no data privacy agreement on file.")
    if open_high:
        alerts.append(f"{tool.product} has {open_high} open high-severity incident{'s' if open_high > 1 else ''}.")
    return alerts


@dataclass(frozen=True)
class InventoryRow:
    entry: InventoryEntry
    standing: Standing


def inventory_for(*, user: Any, district: Organization) -> list[InventoryRow]:
    if not Organization.objects.filter(visible_organizations_q(user), pk=district.pk).exists():
        return []
    entries = InventoryEntry.objects.filter(district=district).select_related("tool").prefetch_related("schools")
    entries = list(entries)
    standings = standings_for(district=district, tools=[entry.tool for entry in entries])
    return [InventoryRow(entry, standings[entry.tool_id]) for entry in entries]


def district_alerts(*, user: Any, district: Organization) -> list[str]:
    """What the district's AI lead must act on: shown on their home page and the inventory."""
    if not perm.can_govern(user, district):
        return []
    tool_ids = set(InventoryEntry.objects.filter(district=district).values_list("tool_id", flat=True))
    tool_ids |= set(Decision.objects.filter(district=district).values_list("tool_id", flat=True))
    alerts: list[str] = []
    tools = list(Tool.objects.filter(pk__in=tool_ids).order_by("product"))
    standings = standings_for(district=district, tools=tools)
    for tool in tools:
        alerts.extend(standings[tool.pk].alerts)
    waiting = ToolRequest.objects.filter(school__parent=district, status=ToolRequest.Status.SUBMITTED).count()
    if waiting:
        alerts.append(f"{waiting} tool request{'s are' if waiting > 1 else ' is'} waiting to be sent to review.")
    return alerts


def requests_for(*, user: Any) -> QuerySet[ToolRequest]:
    """Requests the person made, reviews, or governs."""
    districts = governed_districts(user)
    return (
        ToolRequest.objects.filter(
            Q(requested_by=user) | Q(school__parent__in=districts) | Q(reviews__reviewer=user)
        ).distinct().select_related("tool", "school", "school__parent", "requested_by")
    )


def request_get(*, user: Any, pk: int) -> ToolRequest:
    return _get_or_404(requests_for(user=user), pk)


def reviews_for(*, user: Any) -> QuerySet[Review]:
    """Submitted reviews are shared with staff statewide, so that districts can build on each
    other's work; drafts only with their reviewer and the organization that owns them."""
    if not memberships_of(user):
        return Review.objects.none()
    own = Organization.objects.filter(visible_organizations_q(user))
    return Review.objects.filter(
        Q(status=Review.Status.SUBMITTED) | Q(reviewer=user) | Q(organization__in=own)
    ).select_related("tool", "organization", "rubric", "reviewer", "adopted_from__organization")


def review_get(*, user: Any, pk: int) -> Review:
    return _get_or_404(reviews_for(user=user), pk)


def adoptable_reviews(*, user: Any, tool: Tool, organization: Organization) -> QuerySet[Review]:
    """Sent reviews of the same tool by the state (published) or another district."""
    return reviews_for(user=user).filter(tool=tool, status=Review.Status.SUBMITTED).filter(
        Q(organization__kind=Organization.Kind.STATE, published_at__isnull=False)
        | Q(organization__kind=Organization.Kind.DISTRICT)
    ).exclude(organization=organization)


def agreements_for(*, user: Any, district: Organization) -> QuerySet[Agreement]:
    if not perm.can_govern(user, district) and not Organization.objects.filter(
            visible_organizations_q(user), pk=district.pk).exists():
        return Agreement.objects.none()
    return Agreement.objects.filter(district=district).select_related("tool", "piggyback_of__district")


def joinable_agreements(*, tool: Tool, district: Organization) -> QuerySet[Agreement]:
    """Other districts' agreements with the same vendor whose vendor lets others join."""
    return Agreement.objects.filter(tool__vendor=tool.vendor, allows_piggyback=True, piggyback_of__isnull=True,
                                    ends_on__gte=timezone.localdate()).exclude(district=district).select_related(
        "district", "tool")


def incidents_for(*, user: Any) -> QuerySet[Incident]:
    """Incidents in the districts the person governs, and the ones they reported themselves."""
    districts = governed_districts(user)
    scope = Q(reported_by=user)
    for district in districts:
        scope |= Q(organization__path__startswith=district.path)
    return Incident.objects.filter(scope).select_related("tool", "organization", "organization__parent")


def incident_get(*, user: Any, pk: int) -> Incident:
    return _get_or_404(incidents_for(user=user), pk)


def can_see_reporter(user: Any, incident: Incident) -> bool:
    return perm.can_govern(user, incident.district)


def opt_outs_for(*, user: Any, within: Organization | None = None) -> QuerySet[OptOutRequest]:
    """Opt-out requests the person may answer, at schools below ``within`` when it is given."""
    visible = Organization.objects.filter(visible_organizations_q(user), kind=Organization.Kind.SCHOOL)
    if within is not None:
        visible = visible.filter(path__startswith=within.path)
    # Only what the permission reads: a state's schools and their districts are many rows.
    visible = visible.select_related("parent").only("path", "kind", "parent__path", "parent__kind")
    schools = [s for s in visible if perm.can_answer_opt_out(user, s)]
    return OptOutRequest.objects.filter(school__in=schools).select_related("school", "tool")


def opt_out_get(*, user: Any, pk: int) -> OptOutRequest:
    return _get_or_404(opt_outs_for(user=user), pk)


@dataclass(frozen=True)
class PublicTool:
    """What a family sees about one tool at a school or district."""

    tool: Tool
    purpose: str
    grades: list[str]
    standing: Standing

    @property
    def vetted_on(self) -> datetime.date | None:
        return self.standing.decision.decided_on if self.standing.decision else None

    @property
    def grade_labels(self) -> str:
        return grade_label(self.grades)

    @property
    def has_agreement(self) -> bool:
        agreement = self.standing.agreement
        return agreement is not None and not agreement.is_lapsed


def public_organization_get(*, pk: int, kind: str) -> Organization:
    """Districts and schools are public; nothing else is reachable from the public pages."""
    found = Organization.objects.filter(pk=pk, kind=kind, is_active=True).select_related("parent").first()
    if found is None:
        raise Http404("Not found.")
    return found


def public_districts() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True,
                                       tool_inventory__isnull=False).distinct().order_by("name")


def public_tools_for(organization: Organization) -> list[PublicTool]:
    district = district_of(organization)
    if district is None:
        return []
    entries = InventoryEntry.objects.filter(district=district).select_related("tool").order_by("tool__product")
    if organization.kind == Organization.Kind.SCHOOL:
        entries = entries.filter(schools=organization)
    entries = list(entries)
    standings = standings_for(district=district, tools=[e.tool for e in entries])
    return [PublicTool(e.tool, e.purpose, e.grades, standings[e.tool_id]) for e in entries]


def public_incident_get(*, reference: str) -> Incident | OptOutRequest | None:
    reference = reference.strip().upper()
    return (Incident.objects.filter(reference=reference).first()
            or OptOutRequest.objects.filter(reference=reference).first())
