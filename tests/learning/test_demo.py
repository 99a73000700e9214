"""The demo's year of professional learning, on the small synthetic state."""

from __future__ import annotations

import pytest

from trellis.learning.demo import learning_demo_load
from trellis.learning.models import Offering, Rating, Registration, SurveyResponse, XapiImport
from trellis.orgs.demo import demo_logins
from trellis.orgs.roster import roster_import


@pytest.mark.slow
def test_demo_learning_is_shaped_like_a_real_year_and_loads_once(db, tmp_path):
    from trellis.engine.synth.roster import generate_state

    generate_state("small", seed=3, out_dir=tmp_path / "roster")
    roster_import(actor=None, source=tmp_path / "roster", scope=None, progress=lambda *a: None)
    demo_logins(password="demo-password-123")
    learning_demo_load(seed=3)
    workshops = Offering.objects.filter(format=Offering.Format.WORKSHOP).count()
    durable = Offering.objects.filter(format__in=Offering.DURABLE_FORMATS).count()
    assert workshops > durable and workshops >= 2
    assert Registration.objects.filter(status="completed").exists()
    # Coached teachers' observed levels rise; walkthroughs of the others stay level.
    coached = Rating.objects.filter(observation__cycle__isnull=False)
    autumn = sorted(coached.filter(observation__observed_on__month=10).values_list("level", flat=True))
    spring = sorted(coached.filter(observation__observed_on__month=3).values_list("level", flat=True))
    assert sum(spring) > sum(autumn)
    others = Rating.objects.filter(observation__cycle__isnull=True)
    assert sorted(others.filter(observation__observed_on__month=10).values_list("level", flat=True)) == sorted(
        others.filter(observation__observed_on__month=3).values_list("level", flat=True))
    assert SurveyResponse.objects.count() >= 6
    assert XapiImport.objects.get().new > 0
    counts = (Offering.objects.count(), Registration.objects.count(), Rating.objects.count())
    learning_demo_load(seed=3)
    assert (Offering.objects.count(), Registration.objects.count(), Rating.objects.count()) == counts
