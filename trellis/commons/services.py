"""Every write to the commons: submissions, the state's review, publication and adoptions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from trellis.commons.competencies import framework_areas
from trellis.commons.index import index_item, index_items, update_stats
from trellis.commons.models import CommonsAdoption, CommonsItem
from trellis.commons.permissions import adopting_districts, can_curate, can_edit_item, submitting_organization
from trellis.core.services import audit_record
from trellis.learning.models import Offering
from trellis.learning.services import offering_create
from trellis.orgs.models import Organization
from trellis.orgs.selectors import poverty_quartiles
from trellis.roadmap.services import roadmap_goal_create

#: The fields a submitter fills in.
ITEM_FIELDS = ("kind", "title", "summary", "description", "served", "evidence", "evidence_url", "format",
               "grade_band", "subject", "competencies")


def _district_of(organization: Organization) -> Organization | None:
    """The district an organization is or lies in (None for the state or a region)."""
    if organization.kind == Organization.Kind.DISTRICT:
        return organization
    if organization.kind == Organization.Kind.SCHOOL:
        return organization.parent
    return None


@transaction.atomic
def commons_item_create(*, actor: Any, fields: dict[str, Any], submit: bool) -> CommonsItem:
    """A new item from ``actor``'s organization, kept as a draft or sent for review."""
    organization = submitting_organization(actor)
    if organization is None:
        raise PermissionDenied("Only staff with a role in Trellis can share an item.")
    item = CommonsItem(organization=organization, submitted_by=actor,
                       **{name: fields[name] for name in ITEM_FIELDS if name in fields})
    item.status = CommonsItem.Status.SUBMITTED if submit else CommonsItem.Status.DRAFT
    item.full_clean()
    item.save()
    audit_record(actor=actor, action="commons.create", target=item, organization_id=organization.pk,
                 summary=f"{'Submitted' if submit else 'Drafted'} the commons item {item.title}")
    return item


@transaction.atomic
def commons_item_update(*, actor: Any, item: CommonsItem, fields: dict[str, Any], submit: bool) -> CommonsItem:
    item = CommonsItem.objects.select_for_update().get(pk=item.pk)
    if not can_edit_item(actor, item):
        raise PermissionDenied("Only the person who shared an item can change it, before it is published.")
    for name in ITEM_FIELDS:
        if name in fields:
            setattr(item, name, fields[name])
    if submit:
        item.status = CommonsItem.Status.SUBMITTED
    item.full_clean()
    item.save()
    audit_record(actor=actor, action="commons.update", target=item, organization_id=item.organization_id,
                 summary=f"{'Resubmitted' if submit else 'Changed'} the commons item {item.title}")
    return item


def _require_curator(actor: Any, item: CommonsItem) -> None:
    if actor is not None and not can_curate(actor):
        raise PermissionDenied("Only the state AI lead reviews commons items.")
    if item.status != CommonsItem.Status.SUBMITTED:
        raise ValidationError("Only an item waiting for review can be reviewed.")


@transaction.atomic
def commons_item_request_changes(*, actor: Any, item: CommonsItem, note: str) -> CommonsItem:
    item = CommonsItem.objects.select_for_update().get(pk=item.pk)
    _require_curator(actor, item)
    if not note.strip():
        raise ValidationError({"reviewer_note": "Say what should change."})
    item.status = CommonsItem.Status.CHANGES_REQUESTED
    item.reviewer_note = note.strip()
    item.full_clean()
    item.save(update_fields=["status", "reviewer_note", "updated_at"])
    audit_record(actor=actor, action="commons.request_changes", target=item, organization_id=item.organization_id,
                 summary=f"Asked for changes to the commons item {item.title}")
    return item


def _set_published_place(item: CommonsItem, quartiles: dict[int, int]) -> None:
    """The facets a reader filters on, from the submitting district as it is at publication."""
    district = _district_of(item.organization)
    item.locale = (district.locale if district else "") or item.organization.locale or ""
    item.poverty_quartile = quartiles.get(district.pk) if district else None


@transaction.atomic
def commons_item_publish(*, actor: Any, item: CommonsItem, note: str = "") -> CommonsItem:
    """Publish a reviewed item: anyone, the public included, can then find it."""
    item = CommonsItem.objects.select_for_update(of=("self",)).select_related("organization__parent").get(pk=item.pk)
    _require_curator(actor, item)
    _set_published_place(item, poverty_quartiles(Organization.Kind.DISTRICT))
    item.status = CommonsItem.Status.PUBLISHED
    item.reviewer_note = note.strip()
    item.published_at = timezone.now()
    item.full_clean()
    item.save()
    index_item(item)
    audit_record(actor=actor, action="commons.publish", target=item, organization_id=item.organization_id,
                 summary=f"Published the commons item {item.title}")
    return item


@transaction.atomic
def commons_items_publish_many(*, actor: Any, entries: Iterable[tuple[Any, dict[str, Any]]],
                               batch: int = 5000) -> int:
    """Publish many items the state has already reviewed (a catalogue moved into the commons, the
    demo), each ``(submitter, fields)``: every item is checked as a submission is, then they are
    written and indexed ``batch`` at a time and the commons is recounted once, so loading costs
    the same per item at any size. One audit row for the whole load; returns how many were published."""
    if actor is not None and not can_curate(actor):
        raise PermissionDenied("Only the state AI lead publishes commons items.")
    quartiles = poverty_quartiles(Organization.Kind.DISTRICT)
    organizations: dict[int, Organization | None] = {}
    now = timezone.now()
    pending: list[CommonsItem] = []
    published = 0

    def write() -> None:
        # SQLite and PostgreSQL both return the new ids, which the index needs.
        index_items(CommonsItem.objects.bulk_create(pending))
        pending.clear()

    for submitter, fields in entries:
        if submitter.pk not in organizations:
            organizations[submitter.pk] = submitting_organization(submitter)
        organization = organizations[submitter.pk]
        if organization is None:
            raise PermissionDenied(f"{submitter} has no role in Trellis, so cannot share an item.")
        item = CommonsItem(organization=organization, submitted_by=submitter, status=CommonsItem.Status.PUBLISHED,
                           published_at=now, **{name: fields[name] for name in ITEM_FIELDS if name in fields})
        _set_published_place(item, quartiles)
        # The submitter and organization were just read from the database: no need to look them up again.
        item.full_clean(exclude=["organization", "submitted_by"])
        pending.append(item)
        published += 1
        if len(pending) == batch:
            write()
    if pending:
        write()
    update_stats()
    if connection.vendor == "postgresql":
        # The planner's row estimates would otherwise stay those of the commons before the load
        # until autovacuum comes round, and searches would get plans made for a handful of items.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE commons_commonsitem, commons_commonsterm")
    audit_record(actor=actor, action="commons.publish_many", summary=f"Published {published} commons items at once",
                 details={"items": published})
    return published


def _adopted_text(item: CommonsItem) -> str:
    """What a district's draft carries over from the item: its description and where it came from."""
    parts = [item.summary, item.description]
    if item.evidence:
        parts.append(f"Evidence of impact: {item.evidence}")
    parts.append(f"Adopted from the state's commons: {item.title}, shared by {item.organization.name}.")
    return "\n\n".join(p.strip() for p in parts if p.strip())


@transaction.atomic
def commons_item_adopt(*, actor: Any, item: CommonsItem, district: Organization, note: str = "") -> CommonsAdoption:
    """A district takes up a published item, which starts a draft in the district: an offering
    (with the item's format and competency areas) for professional learning, a goal of its plan
    for a classroom practice or exemplar. The item counts its adoptions."""
    if district not in adopting_districts(actor):
        raise PermissionDenied("Only a district's AI lead can adopt an item for the district.")
    if item.status != CommonsItem.Status.PUBLISHED:
        raise ValidationError("Only a published item can be adopted.")
    if CommonsAdoption.objects.filter(item=item, district=district).exists():
        raise ValidationError(f"{district.name} has already adopted this item.")
    adoption = CommonsAdoption(item=item, district=district, adopted_by=actor, note=note.strip())
    description = _adopted_text(item)
    if item.is_professional_learning:
        adoption.offering = offering_create(
            actor=actor, organization=district, title=item.title, format=item.format,
            provider=Offering.Provider.DISTRICT, modality=Offering.Modality.IN_PERSON, credit_hours=Decimal(0),
            description=description[:10000], competencies=framework_areas(list(item.competencies)),
            status=Offering.Status.DRAFT)
    else:
        adoption.goal = roadmap_goal_create(actor=actor, district=district, title=item.title,
                                            description=description)
    adoption.full_clean()
    adoption.save()
    CommonsItem.objects.filter(pk=item.pk).update(adoptions=F("adoptions") + 1)
    audit_record(actor=actor, action="commons.adopt", target=adoption, organization_id=district.pk,
                 summary=f"{district.name} adopted the commons item {item.title}")
    return adoption
