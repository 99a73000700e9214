"""The demo: a synthetic state imported through the real OneRoster importer, plus one login per role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from trellis.orgs.figures import figures_changed
from trellis.orgs.models import Organization, Person, Role
from trellis.orgs.roster import roster_import
from trellis.orgs.services import person_create

DEMO_PEOPLE = [
    # username, role, where, given name, family name
    ("state.lead", Role.STATE_LEAD, "state", "Avery", "Stateson"),
    ("state.analyst", Role.STATE_ANALYST, "state", "Jordan", "Datawell"),
    ("regional.coach", Role.REGIONAL_COACH, "region", "Morgan", "Fieldcoach"),
    ("district.lead", Role.DISTRICT_LEAD, "district", "Riley", "Pathfinder"),
    ("school.leader", Role.SCHOOL_LEADER, "school", "Casey", "Principal"),
    ("coach", Role.COACH, "school", "Quinn", "Guide"),
    ("teacher", Role.TEACHER, "school", "Taylor", "Classroom"),
]


def demo_load(
    *, size: str, seed: int, roster_dir: Path, password: str, progress: Callable[[str, int, int], None]
) -> list[tuple[str, str, str]]:
    """Generate (once) and import (once) the synthetic state, then make sure every demo login
    exists. Returns (role, username, organization) for each login."""
    from trellis.engine.synth.roster import generate_state

    if not (roster_dir / "manifest.csv").exists():
        generate_state(size, seed=seed, out_dir=roster_dir, progress=progress)
    if not Organization.objects.filter(kind=Organization.Kind.STATE).exists():
        roster_import(actor=None, source=roster_dir, scope=None, progress=progress)
    return demo_logins(password=password)


@transaction.atomic
def demo_logins(*, password: str) -> list[tuple[str, str, str]]:
    state = Organization.objects.get(kind=Organization.Kind.STATE)
    # A district with several schools, so its pages have something to show, and its region.
    district = (
        Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True)
        .annotate(schools=Count("children")).filter(schools__gte=3)
        .order_by("enrollment", "name").first()
    ) or Organization.objects.filter(kind=Organization.Kind.DISTRICT).order_by("name").first()
    region = district.parent if district.parent.kind == Organization.Kind.REGION else state
    school = Organization.objects.filter(kind=Organization.Kind.SCHOOL, parent=district).order_by("name").first()
    places = {"state": state, "region": region, "district": district, "school": school}
    logins = []
    user_model = get_user_model()
    for username, role, where, given, family in DEMO_PEOPLE:
        organization = places[where]
        user = user_model.objects.filter(username=username).first()
        if user is None:
            person_create(actor=None, username=username, given_name=given, family_name=family,
                          email=f"{username}@example.org", password=password, organization=organization,
                          role=role)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
            Person.objects.filter(user=user).update(is_active=True)
        logins.append((role.label, username, organization.name))
    figures_changed()
    return logins
