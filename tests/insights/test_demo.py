"""The demo's funding, plans and reports, on the small synthetic state."""

from __future__ import annotations

import pytest

from trellis.insights.demo import insights_demo_load
from trellis.insights.models import Allocation, AnnualReport, GoalFeedback, Plan, Spending
from trellis.learning.demo import learning_demo_load
from trellis.orgs.demo import demo_logins
from trellis.orgs.roster import roster_import


@pytest.mark.slow
def test_demo_funding_spends_more_on_workshops_and_loads_once(db, tmp_path):
    from trellis.engine.synth.roster import generate_state

    generate_state("small", seed=3, out_dir=tmp_path / "roster")
    roster_import(actor=None, source=tmp_path / "roster", scope=None, progress=lambda *a: None)
    demo_logins(password="demo-password-123")
    learning_demo_load(seed=3)
    insights_demo_load(seed=3)
    assert Allocation.objects.count() == 6  # three streams, two years, one district
    one_time = sum(s.amount for s in Spending.objects.all() if not s.is_durable)
    durable = sum(s.amount for s in Spending.objects.all() if s.is_durable)
    assert one_time > durable and one_time > 0
    allocated = sum(a.amount for a in Allocation.objects.filter(year=2026, stream__code__in=["title-ii-a",
                                                                                            "title-iv-a"]))
    assert sum(s.amount for s in Spending.objects.all()) <= allocated
    assert Plan.objects.get().status == "reviewed" and GoalFeedback.objects.count() == 2
    assert list(AnnualReport.objects.values_list("status", flat=True)) == ["draft"]
    counts = (Spending.objects.count(), AnnualReport.objects.count())
    insights_demo_load(seed=3)
    assert (Spending.objects.count(), AnnualReport.objects.count()) == counts
