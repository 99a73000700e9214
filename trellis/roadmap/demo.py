"""Demo roadmaps: most districts have submitted one, and poorer districts are less far along, as
the research behind Trellis found for AI training (high-poverty districts offered less)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from trellis.orgs.models import Organization
from trellis.orgs.selectors import poverty_quartiles
from trellis.roadmap.indicators import STAGES
from trellis.roadmap.models import RoadmapAssessment
from trellis.roadmap.services import RatingInput, roadmap_save, roadmap_submit, state_action_update

#: Chance that an indicator of stage 1, 2, 3 is met, by poverty quartile (1 = lowest poverty).
MET_CHANCE = {1: (0.95, 0.75, 0.35), 2: (0.9, 0.6, 0.25), 3: (0.8, 0.45, 0.15), 4: (0.65, 0.3, 0.08)}
EVIDENCE = {
    1: "Board policy adopted {date}; guidance posted on the district site.",
    2: "AI lead's quarterly summary, {date}.",
    3: "Pilot evaluation report presented to the board, {date}.",
}


@transaction.atomic
def demo_roadmaps(*, seed: int) -> int:
    """Give most districts a submitted roadmap (once); returns how many were added."""
    if RoadmapAssessment.objects.exists():
        return 0
    rng = random.Random(seed)
    quartiles = poverty_quartiles(Organization.Kind.DISTRICT)
    added = 0
    for district in Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True).order_by("pk"):
        quartile = quartiles.get(district.pk, 3)
        if rng.random() < 0.15 + 0.05 * quartile:
            continue  # not yet assessed
        chances = MET_CHANCE[quartile]
        when = (timezone.now() - timedelta(days=rng.randint(10, 300))).strftime("%B %Y")
        ratings = {}
        for stage, chance in zip(STAGES, chances, strict=True):
            for indicator in stage.indicators:
                draw = rng.random()
                if draw < chance:
                    ratings[indicator.key] = RatingInput("met", EVIDENCE[stage.number].format(date=when))
                elif draw < chance + 0.2:
                    ratings[indicator.key] = RatingInput("in_progress")
        roadmap_save(actor=None, district=district, ratings=ratings)
        roadmap_submit(actor=None, district=district)
        added += 1
    state = Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
    if state is not None:
        state_action_update(actor=None, state=state, action="low.allowable_uses", status="done",
                            note="Title II-A and IV-A guidance updated to name AI professional learning.")
        state_action_update(actor=None, state=state, action="medium.vision", status="under_way",
                            note="Draft vision out for public comment.")
    return added
