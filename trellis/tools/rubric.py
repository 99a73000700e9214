"""The review rubric. Version 1 ships with Trellis (written for Trellis from the public privacy and
generative-AI rubrics: Common Sense privacy evaluations, 1EdTech's generative AI data rubric, the
ESSA evidence tiers and WCAG 2.1) and is created by the migration ``0002_default_rubric``; the
state lead publishes later versions, and a review keeps the version it used."""

from __future__ import annotations

from trellis.tools.models import Criterion, RubricVersion


def rubric_current() -> RubricVersion:
    return RubricVersion.objects.order_by("-number").first()  # type: ignore[return-value]


def criteria_by_area(rubric: RubricVersion, areas: list[str] | None = None) -> list[Criterion]:
    query = rubric.criteria.all()
    if areas is not None:
        query = query.filter(area__in=areas)
    return list(query.order_by("position"))
