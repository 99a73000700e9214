"""Reads of deployments, audits and overrides, filtered to what the person may see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from trellis.audits.charts import audit_tables
from trellis.audits.models import FairnessAudit, Override
from trellis.audits.permissions import can_read_audit, can_run_audit
from trellis.core.services import access_record
from trellis.orgs.models import Organization
from trellis.orgs.permissions import visible_organizations_q
from trellis.tools.models import Deployment


def deployments_for(*, user: Any, district: Organization) -> QuerySet[Deployment]:
    if not can_read_audit(user, district):
        return Deployment.objects.none()
    return Deployment.objects.filter(district=district).select_related("tool").prefetch_related("schools")


def deployment_get(*, user: Any, pk: int) -> Deployment:
    deployment = Deployment.objects.select_related("tool", "district").filter(pk=pk).first()
    if deployment is None or not can_read_audit(user, deployment.district):
        raise Http404("Not found.")
    return deployment


def audit_get(*, user: Any, pk: int) -> FairnessAudit:
    audit = FairnessAudit.objects.select_related("deployment__tool", "deployment__district", "job").filter(
        pk=pk).first()
    if audit is None or not can_read_audit(user, audit.deployment.district):
        raise Http404("Not found.")
    return audit


def latest_public_audit(*, district: Organization, tool_id: int) -> FairnessAudit | None:
    """The newest finished audit of a tool in a district: its suppressed view is public."""
    return latest_public_audits(district=district, tool_ids=[tool_id]).get(tool_id)


def latest_public_audits(*, district: Organization, tool_ids: list[int]) -> dict[int, FairnessAudit]:
    """The newest finished audit of each of several tools in a district, by tool id, in one query."""
    newest: dict[int, FairnessAudit] = {}
    for audit in (FairnessAudit.objects.filter(deployment__district=district, deployment__tool_id__in=tool_ids,
                                               status=FairnessAudit.Status.DONE)
                  .select_related("deployment").order_by("-created_at")):
        newest.setdefault(audit.deployment.tool_id, audit)
    return newest


def override_counts_for(*, user: Any, district: Organization) -> list[dict[str, Any]]:
    """Overrides recorded in the district's schools, by tool and reason (counts of events, not students)."""
    schools = Organization.objects.filter(visible_organizations_q(user), parent=district)
    return list(Override.objects.filter(school__in=schools).values("tool__product", "reason")
                .annotate(count=Count("id")).order_by("tool__product", "reason"))


def overrides_visible_q(user: Any) -> Q:
    return Q(school__in=Organization.objects.filter(visible_organizations_q(user)))


def override_ledger_for(*, user: Any, district: Organization) -> dict[str, Any]:
    """How often teachers override each tool in the district, from both sources: the ledger
    teachers keep in Trellis (joined to the roster for subgroups; the read is access-logged) and
    the teacher-decision column of the newest audit upload of each tool. Published views only."""
    from trellis.audits.upload import ledger_rates
    from trellis.orgs.roster import roster_store_dir

    if not can_run_audit(user, district):
        raise PermissionDenied("Only the district's AI lead or a state analyst reads override rates.")
    overrides = Override.objects.filter(school__parent=district, school__kind=Organization.Kind.SCHOOL)
    events = {row["tool__product"]: row for row in overrides.values("tool__product").annotate(
        recorded=Count("id"), named=Count("id", filter=~Q(student_key="")))}
    populations: dict[str, set[str]] = {}
    for product, sourced_id in overrides.exclude(school__sourced_id=None).values_list(
            "tool__product", "school__sourced_id"):
        populations.setdefault(product, set()).add(sourced_id)
    for product, sourced_id in Deployment.objects.filter(district=district, tool__product__in=list(events)).exclude(
            schools__sourced_id=None).values_list("tool__product", "schools__sourced_id"):
        populations.setdefault(product, set()).add(sourced_id)
    ledger = ledger_rates(
        overrides=list(overrides.exclude(student_key="").values_list("tool__product", "student_key").distinct()),
        populations={tool: sorted(schools) for tool, schools in populations.items()},
        store_dir=roster_store_dir(), min_n=settings.TRELLIS_MIN_N) if populations else None
    if ledger is not None and ledger.students_read:
        access_record(actor=user, dataset="student roster (subgroups) joined to the override ledger",
                      purpose=f"Override rates by tool and student group in {district.name}",
                      organization_id=district.pk, rows_read=ledger.students_read)
    rates = {row["group"]["Tool"]: row for row in (ledger.by_tool["rows"] if ledger and ledger.by_tool else [])
             if row["metric"] == "selection_rate" and row["attributes"] == ["Tool"]}
    tools = [{"product": product, "recorded": row["recorded"], "named": row["named"], "rate": rates.get(product),
              "overridden": ledger.students_overridden.get(product, 0) if ledger else 0,
              "groups": audit_tables(ledger.by_group[product]) if ledger and product in ledger.by_group else []}
             for product, row in sorted(events.items())]
    uploads = []
    audits = FairnessAudit.objects.filter(deployment__district=district, status=FairnessAudit.Status.DONE,
                                          published__has_key="overrides").select_related("deployment__tool")
    seen: set[int] = set()
    for audit in audits.order_by("-created_at", "-id"):
        if audit.deployment.tool_id not in seen:
            seen.add(audit.deployment.tool_id)
            uploads.append({"audit": audit, "tables": audit_tables(audit.published["overrides"])})
    return {"tools": tools, "uploads": uploads, "min_n": settings.TRELLIS_MIN_N,
            "has_roster": ledger is not None or not populations, "unmatched": ledger.unmatched if ledger else 0}
