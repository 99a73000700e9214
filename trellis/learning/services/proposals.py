"""Teachers propose professional learning topics and volunteer to co-design; organizers answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from trellis.core.services import audit_record
from trellis.learning.models import TopicProposal
from trellis.learning.permissions import can_organize
from trellis.orgs.models import Organization, Person


def proposal_destination(person: Person) -> Organization | None:
    """A proposal goes to the district of the person's main organization (or to it, above a district)."""
    organization = person.primary_organization
    while organization is not None and organization.kind == Organization.Kind.SCHOOL:
        organization = organization.parent
    return organization


@transaction.atomic
def proposal_create(*, actor: Any, topic: str, details: str = "", volunteers_to_co_design: bool = False
                    ) -> TopicProposal:
    person = Person.objects.filter(user=actor).select_related("primary_organization__parent").first()
    destination = proposal_destination(person) if person else None
    if person is None or destination is None:
        raise PermissionDenied("Only staff with a school or district can propose topics.")
    proposal = TopicProposal(person=person, organization=destination, topic=topic, details=details,
                             volunteers_to_co_design=volunteers_to_co_design)
    proposal.full_clean()
    proposal.save()
    audit_record(actor=actor, action="proposal.create", target=proposal, organization_id=destination.pk,
                 summary=f"{person.full_name} proposed the topic {topic}")
    return proposal


@transaction.atomic
def proposal_answer(*, actor: Any, proposal: TopicProposal, status: str, answer: str) -> TopicProposal:
    if not can_organize(actor, proposal.organization):
        raise PermissionDenied("Only the organizers who receive a proposal answer it.")
    proposal.status = status
    proposal.answer = answer
    proposal.answered_by = Person.objects.filter(user=actor).first()
    proposal.full_clean()
    proposal.save()
    audit_record(actor=actor, action="proposal.answer", target=proposal, organization_id=proposal.organization_id,
                 summary=f"Answered the proposal {proposal.topic}: {proposal.get_status_display().lower()}")
    return proposal
