"""A framework's rubric: rows are competencies, columns are levels.

The rubric comes from the framework's CASE CFRubrics (the first rubric: each criterion names its
competency by ``CFItemURI`` and lists its levels by score); a framework without one is rated on its
top-level items against four generic levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from trellis.learning.models import Competency, Framework

GENERIC_LEVELS = ((1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary"))


@dataclass(frozen=True)
class RubricLevel:
    score: int
    quality: str
    description: str


@dataclass(frozen=True)
class RubricRow:
    competency: Competency
    levels: tuple[RubricLevel, ...]

    @property
    def scores(self) -> set[int]:
        return {level.score for level in self.levels}


def rubric_rows(framework: Framework) -> list[RubricRow]:
    competencies = {c.identifier: c for c in framework.competencies.all()}
    rubric = framework.rubrics[0] if framework.rubrics and isinstance(framework.rubrics[0], dict) else None
    rows: list[RubricRow] = []
    for criterion in (rubric or {}).get("CFRubricCriteria") or []:
        link = criterion.get("CFItemURI") if isinstance(criterion, dict) else None
        competency = competencies.get(link.get("identifier")) if isinstance(link, dict) else None
        levels = [level for level in criterion.get("CFRubricCriterionLevels") or []
                  if isinstance(level, dict) and isinstance(level.get("score"), int | float)]
        if competency is None or not levels:
            continue
        levels.sort(key=lambda level: (level.get("position") or 0, level["score"]))
        rows.append(RubricRow(competency, tuple(
            RubricLevel(int(level["score"]), str(level.get("quality") or level["score"]),
                        str(level.get("description") or "")) for level in levels)))
    if rows:
        return rows
    generic = tuple(RubricLevel(score, quality, "") for score, quality in GENERIC_LEVELS)
    return [RubricRow(c, generic) for c in framework.competencies.filter(parent__isnull=True).order_by("position")]
