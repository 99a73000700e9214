"""Reads of the learning app, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404

from trellis.interop.xapi import events_for_actors, verb_counts_by_actor
from trellis.learning.models import Competency, Framework, LearningActor, XapiImport
from trellis.learning.permissions import visible_frameworks_q, xapi_imports_q
from trellis.orgs.models import Person


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
