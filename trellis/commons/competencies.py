"""The commons' competency areas: the aspects of the competency framework Trellis ships
(trellis.learning, the UNESCO AI competency framework for teachers), by their CASE identifiers."""

from __future__ import annotations

from trellis.learning.models import Competency, Framework
from trellis.learning.services.frameworks import framework_default

#: The CASE item type of the framework's top-level areas.
AREA_TYPE = "Aspect"

_cache: dict[str, tuple[tuple[str, str], ...]] = {}


def area_choices() -> tuple[tuple[str, str], ...]:
    """(CASE identifier, short name) of each area of the shipped framework, in the framework's
    order. The shipped framework never changes, so the list is read once per process."""
    if "areas" not in _cache:
        framework = Framework.objects.filter(is_default=True).first() or framework_default()
        found = tuple(Competency.objects.filter(framework=framework, item_type=AREA_TYPE).order_by("position")
                      .values_list("identifier", "abbreviated_statement"))
        if not found:
            return found
        _cache["areas"] = found
    return _cache["areas"]


def area_labels(identifiers: list[str]) -> list[str]:
    labels = dict(area_choices())
    return [labels[i] for i in identifiers if i in labels]


def area_ids(*codes: str) -> list[str]:
    """The identifiers of the areas with these human codes (``AI-CFT.2``), for code that names areas."""
    framework = Framework.objects.filter(is_default=True).first() or framework_default()
    by_code = dict(Competency.objects.filter(framework=framework, item_type=AREA_TYPE)
                   .values_list("human_coding_scheme", "identifier"))
    return [by_code[c] for c in codes]


def framework_areas(identifiers: list[str]) -> list[Competency]:
    """The shipped framework's Competency rows for these identifiers (what an offering links to)."""
    framework = Framework.objects.filter(is_default=True).first() or framework_default()
    return list(Competency.objects.filter(framework=framework, identifier__in=identifiers).order_by("position"))
