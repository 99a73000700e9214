"""The organization tree (state, region, district, school), people and their roles."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trellis.core.models import BaseModel


class Organization(BaseModel):
    class Kind(models.TextChoices):
        STATE = "state", "State"
        REGION = "region", "Regional service center"
        DISTRICT = "district", "District"
        SCHOOL = "school", "School"

    class Locale(models.TextChoices):
        CITY = "city", "City"
        SUBURB = "suburb", "Suburb"
        TOWN = "town", "Town"
        RURAL = "rural", "Rural"

    # Which kind may sit directly under which: a district may report to the state directly.
    PARENT_KINDS = {
        Kind.STATE: set(),
        Kind.REGION: {Kind.STATE},
        Kind.DISTRICT: {Kind.REGION, Kind.STATE},
        Kind.SCHOOL: {Kind.DISTRICT},
    }
    #: The kinds from the top of the tree down: each kind's parents come before it.
    LEVELS = (Kind.STATE, Kind.REGION, Kind.DISTRICT, Kind.SCHOOL)

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of ancestor ids ("/1/4/17/"), so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    nces_id = models.CharField("NCES id", max_length=12, blank=True)
    locale = models.CharField(max_length=10, choices=Locale.choices, blank=True)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    econ_disadvantaged_share = models.FloatField(
        "share of students economically disadvantaged",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def needs_parent(cls, kind: str) -> bool:
        return bool(cls.PARENT_KINDS[cls.Kind(kind)])

    @classmethod
    def may_sit_under(cls, kind: str, parent_kind: str) -> bool:
        return parent_kind in cls.PARENT_KINDS[cls.Kind(kind)]

    def path_under_parent(self) -> str:
        """The materialised path this organization has under its parent (it needs its id)."""
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.pk}/"

    @staticmethod
    def path_ids(path: str | None) -> list[int]:
        """The ids a materialised path runs through, from the top down to its own."""
        return [int(part) for part in (path or "").strip("/").split("/") if part]

    def clean(self) -> None:
        if self.parent is None:
            if self.needs_parent(self.kind):
                raise ValidationError({"parent": f"A {self.get_kind_display().lower()} needs a parent."})
        elif not self.may_sit_under(self.kind, self.parent.kind):
            raise ValidationError(
                {"parent": f"A {self.get_kind_display().lower()} cannot sit under a "
                 f"{self.parent.get_kind_display().lower()}."}
            )


class Role(models.TextChoices):
    STATE_LEAD = "state_lead", "State AI lead"
    STATE_ANALYST = "state_analyst", "State analyst"
    REGIONAL_COACH = "regional_coach", "Regional coach"
    DISTRICT_LEAD = "district_lead", "District AI lead"
    SCHOOL_LEADER = "school_leader", "School leader"
    COACH = "coach", "Instructional coach"
    TEACHER = "teacher", "Teacher"


# OneRoster role codes in plain words; other codes are split at their capitals ("fooBar" -> "Foo bar").
ROSTER_ROLE_LABELS = {
    "siteadministrator": "School administrator",
    "districtadministrator": "District administrator",
    "systemadministrator": "System administrator",
}


def roster_role_label(code: str) -> str:
    if not code:
        return "Not given"
    if code.lower() in ROSTER_ROLE_LABELS:
        return ROSTER_ROLE_LABELS[code.lower()]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_", " ").split()
    return " ".join(words).capitalize()


class Person(BaseModel):
    """A staff member with an account. Students are never people here: see the student store."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    roster_role = models.CharField("role in the roster", max_length=40, blank=True)
    primary_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def roster_role_label(self) -> str:
        return roster_role_label(self.roster_role)


class Membership(BaseModel):
    """A role over an organization and everything below it."""

    # No index of its own: unique_membership's index starts with the person.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    from_roster = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} – {self.organization}"
