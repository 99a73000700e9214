"""Reads of the learning app, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from trellis.interop.xapi import events_for_actors, verb_counts_by_actor
from trellis.learning.models import (
    Competency,
    Framework,
    LearningActor,
    Offering,
    OfferingSession,
    Registration,
    XapiImport,
)
from trellis.learning.permissions import can_organize, offerings_visible_q, visible_frameworks_q, xapi_imports_q
from trellis.orgs.models import Person

ACTIVE_STATUSES = (Registration.Status.REGISTERED, Registration.Status.COMPLETED)


def framework_list_for(*, user: Any) -> QuerySet[Framework]:
    return (Framework.objects.filter(visible_frameworks_q(user)).select_related("owner")
            .annotate(item_count=Count("competencies")))


def framework_get(*, user: Any, identifier: str) -> Framework:
    """One framework the person may see; anything else is "not found"."""
    try:
        return (Framework.objects.filter(visible_frameworks_q(user)).select_related("owner", "previous_version")
                .get(identifier=identifier))
    except Framework.DoesNotExist as exc:
        raise Http404("No such framework.") from exc


@dataclass
class TreeNode:
    competency: Competency
    children: list[TreeNode] = field(default_factory=list)


def competency_tree(framework: Framework) -> list[TreeNode]:
    """The framework's items as a tree, siblings in sequence-number order, then package order."""
    nodes = {c.pk: TreeNode(c) for c in framework.competencies.all()}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.competency.parent_id) if node.competency.parent_id else None
        (parent.children if parent else roots).append(node)

    def order(siblings: list[TreeNode]) -> None:
        siblings.sort(key=lambda n: (n.competency.sequence_number is None, n.competency.sequence_number or 0,
                                     n.competency.position))
        for sibling in siblings:
            order(sibling.children)

    order(roots)
    return roots


def xapi_store() -> Path:
    """The xAPI event store: one Parquet file per import, under the data directory."""
    return Path(settings.TRELLIS_DATA_DIR) / "xapi"


def xapi_imports_for(*, user: Any) -> QuerySet[XapiImport]:
    return XapiImport.objects.filter(xapi_imports_q(user)).select_related("scope", "started_by")


@dataclass
class LearningRecord:
    """A staff member's own statements from learning systems, as their learning record shows them."""

    verb_counts: dict[str, int]
    events: list[dict[str, Any]]
    accounts: int


def learning_record_for(*, user: Any) -> LearningRecord:
    """The signed-in person's own xAPI events (nobody else's: this reads only their own actors)."""
    person = Person.objects.filter(user=user).first() if getattr(user, "is_authenticated", False) else None
    if person is None:
        return LearningRecord({}, [], 0)
    keys = list(LearningActor.objects.filter(person=person).values_list("key", flat=True))
    counts: dict[str, int] = {}
    for per_actor in verb_counts_by_actor(xapi_store(), keys).values():
        for verb, count in per_actor.items():
            counts[verb] = counts.get(verb, 0) + count
    return LearningRecord(dict(sorted(counts.items())), events_for_actors(xapi_store(), keys, limit=100), len(keys))


def offering_list_for(*, user: Any, search: str = "", format: str = "", modality: str = "",
                      competency: int | None = None) -> QuerySet[Offering]:
    """Offerings open to the person or run by them, with how many places are taken."""
    query = Offering.objects.filter(offerings_visible_q(user))
    if search:
        query = query.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if format:
        query = query.filter(format=format)
    if modality:
        query = query.filter(modality=modality)
    if competency:
        query = query.filter(Q(competencies=competency) | Q(competencies__parent=competency))
    return (query.select_related("organization").distinct()
            .annotate(taken=Count("registrations", filter=Q(registrations__status__in=ACTIVE_STATUSES),
                                  distinct=True))
            .order_by("title"))


def offering_get(*, user: Any, pk: int) -> Offering:
    try:
        return Offering.objects.filter(offerings_visible_q(user)).select_related("organization").get(pk=pk)
    except Offering.DoesNotExist as exc:
        raise Http404("No such offering.") from exc


def session_get(*, user: Any, offering: Offering, pk: int) -> OfferingSession:
    session = offering.sessions.filter(pk=pk).first()
    if session is None:
        raise Http404("No such session.")
    return session


def registration_of(*, user: Any, offering: Offering) -> Registration | None:
    return Registration.objects.filter(offering=offering, person__user=user).first()


def registrations_of(*, user: Any) -> QuerySet[Registration]:
    """The person's own registrations, newest first."""
    return (Registration.objects.filter(person__user=user).select_related("offering", "offering__organization")
            .order_by("-created_at"))


def offering_roster(*, offering: Offering) -> list[Registration]:
    """Who is registered (and waiting), for the offering's organizers."""
    return list(offering.registrations.exclude(status=Registration.Status.CANCELLED)
                .select_related("person").order_by("status", "person__family_name", "person__given_name"))


def certificate_get(*, user: Any, number: str) -> Registration:
    """A certificate of completion: its holder and the offering's organizers may see it."""
    registration = (Registration.objects.filter(certificate_number=number, status=Registration.Status.COMPLETED)
                    .select_related("offering", "offering__organization", "person").first())
    if registration is None or not (registration.person.user_id == getattr(user, "pk", None)
                                    or can_organize(user, registration.offering.organization)):
        raise Http404("No such certificate.")
    return registration


def framework_competencies_for(*, user: Any) -> QuerySet[Competency]:
    """Competencies of the published frameworks the person can see, for tagging offerings."""
    return (Competency.objects.filter(framework__in=Framework.objects.filter(visible_frameworks_q(user),
                                                                            status=Framework.Status.PUBLISHED))
            .select_related("framework").order_by("framework__title", "position"))
