"""Reads of deployments, audits and overrides, filtered to what the person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from trellis.audits.models import FairnessAudit, Override
from trellis.audits.permissions import can_read_audit
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
