"""Reads of the learning app, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from trellis.learning.models import Competency, Framework
from trellis.learning.permissions import visible_frameworks_q


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
