"""How far a district has come, from its ratings."""

from __future__ import annotations

from trellis.roadmap.indicators import INDICATORS, STAGES
from trellis.roadmap.progress import roadmap_progress


def all_of(stage_number: int, rating: str = "met") -> dict[str, str]:
    return {i.key: rating for i in STAGES[stage_number - 1].indicators}


def test_nothing_rated_is_stage_one_with_its_five_next_steps() -> None:
    progress = roadmap_progress({})
    assert progress.stages_complete == 0
    assert progress.label == "Stage 1: Policy and guidance"
    assert [i.key for i in progress.next_steps] == [i.key for i in STAGES[0].indicators]
    assert [(s.met, s.in_progress, s.total) for s in progress.stages] == [(0, 0, 5)] * 3


def test_a_stage_counts_only_when_every_indicator_is_met() -> None:
    ratings = {**all_of(1), **all_of(2)}
    ratings["learning.listening"] = "in_progress"
    progress = roadmap_progress(ratings)
    assert progress.stages_complete == 1
    assert progress.label == "Stage 2: Organizational learning"
    assert [i.key for i in progress.next_steps] == ["learning.listening"]


def test_later_stages_work_under_way_joins_the_next_steps() -> None:
    ratings = {**all_of(1), "transform.equity": "in_progress", "transform.return": "met"}
    progress = roadmap_progress(ratings)
    assert progress.stages_complete == 1
    assert [i.key for i in progress.next_steps] == [*(i.key for i in STAGES[1].indicators), "transform.equity"]
    assert progress.stages[2].met == 1 and progress.stages[2].in_progress == 1


def test_a_later_stage_met_in_full_does_not_count_before_the_earlier_one() -> None:
    progress = roadmap_progress({**all_of(2), **all_of(3)})
    assert progress.stages_complete == 0
    assert progress.stages[1].complete and progress.stages[2].complete


def test_all_met() -> None:
    progress = roadmap_progress({key: "met" for key in INDICATORS})
    assert progress.stages_complete == 3
    assert progress.working_stage is None
    assert progress.label == "All three stages met"
    assert progress.next_steps == ()


def test_indicator_keys_are_unique_and_every_stage_has_five() -> None:
    keys = [i.key for stage in STAGES for i in stage.indicators]
    assert len(keys) == len(set(keys)) == 15
    assert [len(s.indicators) for s in STAGES] == [5, 5, 5]
