"""Reads for recognition: programmes, applications people may see, the evidence an organization
can point to, and the recognitions shown publicly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from trellis.orgs.models import Organization
from trellis.recognition.models import BadgeCredential, RecognitionApplication, RecognitionProgramme
from trellis.recognition.permissions import applying_organizations, can_review, can_see_application


@dataclass(frozen=True)
class EvidenceOption:
    key: str
    name: str
    url: str


def programmes() -> QuerySet[RecognitionProgramme]:
    return RecognitionProgramme.objects.all()


def programme_get(*, pk: int) -> RecognitionProgramme:
    found = RecognitionProgramme.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such programme.")
    return found


def applications_for(*, user: Any, programme: RecognitionProgramme) -> QuerySet[RecognitionApplication]:
    applications = programme.applications.select_related("organization", "educator")
    if can_review(user):
        return applications
    return applications.filter(organization__in=applying_organizations(user))


def application_get(*, user: Any, pk: int) -> RecognitionApplication:
    found = RecognitionApplication.objects.select_related("programme", "organization", "educator").filter(pk=pk).first()
    if found is None or not can_see_application(user, found):
        raise Http404("No such application.")
    return found


def evidence_options(organization: Organization) -> list[EvidenceOption]:
    """What the organization has done in Trellis that it may point to: its submitted roadmaps,
    its finished fairness audits, the commons items it shared that the state published, and the
    offerings it runs."""
    from trellis.audits.models import FairnessAudit
    from trellis.commons.models import CommonsItem
    from trellis.learning.models import Offering
    from trellis.roadmap.models import RoadmapAssessment

    within = Organization.objects.filter(path__startswith=organization.path)
    found: list[EvidenceOption] = []
    for assessment in RoadmapAssessment.objects.filter(district__in=within, status="submitted").order_by("-pk")[:10]:
        found.append(EvidenceOption(f"roadmap:{assessment.pk}", f"Roadmap submitted on "
                                    f"{assessment.submitted_at:%B %-d, %Y}" if assessment.submitted_at else "Roadmap",
                                    reverse("roadmap:district", args=[assessment.district_id])))
    for audit in FairnessAudit.objects.filter(deployment__district__in=within, status="done").select_related(
            "deployment__tool").order_by("-pk")[:10]:
        found.append(EvidenceOption(f"audit:{audit.pk}", f"Fairness audit of {audit.deployment.tool.product}",
                                    reverse("audit-detail", args=[audit.pk])))
    for item in CommonsItem.objects.filter(organization__in=within, status="published").order_by("-pk")[:20]:
        found.append(EvidenceOption(f"commons:{item.pk}", f"Commons: {item.title}",
                                    reverse("public-commons-item", args=[item.pk])))
    for offering in Offering.objects.filter(organization__in=within, status="published").order_by("title")[:20]:
        found.append(EvidenceOption(f"offering:{offering.pk}", f"Offering: {offering.title}",
                                    reverse("offering-detail", args=[offering.pk])))
    return found


def recognitions_of(organization: Organization) -> list[BadgeCredential]:
    """The organization's current recognitions (awarded, not revoked, not expired), for public pages."""
    return list(BadgeCredential.objects.filter(
        application__organization=organization, application__educator__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now()).select_related("application__programme"))


def recognised_organization_ids() -> set[int]:
    return set(BadgeCredential.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(),
                                              application__educator__isnull=True)
               .values_list("application__organization_id", flat=True))


def credential_get(*, identifier: str) -> BadgeCredential:
    found = BadgeCredential.objects.select_related("application__programme", "application__organization").filter(
        identifier=identifier).first()
    if found is None:
        raise Http404("No such credential.")
    return found
