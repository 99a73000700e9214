"""How far a district has come along the roadmap, from its ratings (plain Python)."""

from __future__ import annotations

from dataclasses import dataclass

from trellis.roadmap.indicators import STAGES, Indicator, Stage

MET = "met"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    met: int
    in_progress: int

    @property
    def total(self) -> int:
        return len(self.stage.indicators)

    @property
    def complete(self) -> bool:
        return self.met == self.total


@dataclass(frozen=True)
class RoadmapProgress:
    stages: tuple[StageProgress, ...]
    #: Stages met in a row from the first (0 to 3). The stages overlap, so a district may have met
    #: indicators of a later stage while an earlier one is open; only whole stages count here.
    stages_complete: int
    next_steps: tuple[Indicator, ...]

    @property
    def working_stage(self) -> Stage | None:
        """The first stage not yet met in full, or None when all three are."""
        return STAGES[self.stages_complete] if self.stages_complete < len(STAGES) else None

    @property
    def label(self) -> str:
        stage = self.working_stage
        if stage is None:
            return "All three stages met"
        return f"Stage {stage.number}: {stage.title}"


def roadmap_progress(ratings: dict[str, str]) -> RoadmapProgress:
    """Progress from ``ratings`` (indicator key → rating; a missing key is "not started").

    Next steps are the indicators not yet met in the first open stage, in the order of the stage,
    followed by the indicators already in progress in later stages (work a district has begun
    ahead of time is worth finishing).
    """
    stages = tuple(
        StageProgress(
            stage,
            met=sum(ratings.get(i.key) == MET for i in stage.indicators),
            in_progress=sum(ratings.get(i.key) == IN_PROGRESS for i in stage.indicators),
        )
        for stage in STAGES
    )
    complete = 0
    for progress in stages:
        if not progress.complete:
            break
        complete += 1
    steps: list[Indicator] = []
    if complete < len(STAGES):
        steps += [i for i in STAGES[complete].indicators if ratings.get(i.key) != MET]
        for stage in STAGES[complete + 1:]:
            steps += [i for i in stage.indicators if ratings.get(i.key) == IN_PROGRESS]
    return RoadmapProgress(stages=stages, stages_complete=complete, next_steps=tuple(steps))
