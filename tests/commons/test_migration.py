"""The move of the commons' own format and competency keys onto the offerings' formats and the
shipped framework's items keeps every item's meaning."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from trellis.commons.competencies import area_ids

BEFORE = [("commons", "0002_full_text_index")]
AFTER = [("commons", "0003_formats_and_framework_areas")]


@pytest.mark.django_db(transaction=True)
def test_old_keys_become_offering_formats_and_framework_items(state_lead: Any, tree: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Item = old.get_model("commons", "CommonsItem")
    common = {"title": "t", "summary": "s", "description": "d", "served": "x", "grade_band": "all",
              "subject": "all", "organization_id": tree.state.pk, "submitted_by_id": state_lead.user.pk}
    coaching = Item.objects.create(kind="coaching", format="coaching_cycle", competencies=["pedagogy", "ethics"],
                                   **common)
    practice = Item.objects.create(kind="practice", format="classroom", competencies=["human_centred"], **common)
    plc = Item.objects.create(kind="pl_model", format="plc", competencies=[], **common)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    from trellis.commons.models import CommonsItem

    moved = {i.pk: (i.format, i.competencies) for i in CommonsItem.objects.all()}
    assert moved[coaching.pk] == ("coaching", area_ids("AI-CFT.4", "AI-CFT.2"))
    assert moved[practice.pk] == ("", area_ids("AI-CFT.1"))
    assert moved[plc.pk] == ("plc", [])
    assert CommonsItem.objects.get(pk=coaching.pk).competency_labels == ["AI pedagogy", "Ethics of AI"]
