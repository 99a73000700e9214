"""The commons: professional learning models, coaching programs, classroom practices and
exemplars that districts, regions and teachers share, curated and published by the state."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from trellis.core.models import BaseModel
from trellis.learning.models import Offering
from trellis.orgs.models import Organization
from trellis.roadmap.models import RoadmapGoal


class ItemKind(models.TextChoices):
    PL_MODEL = "pl_model", "Professional learning model"
    COACHING = "coaching", "Coaching program"
    PRACTICE = "practice", "Classroom practice"
    EXEMPLAR = "exemplar", "Exemplar"


#: The kinds of item that are professional learning: each has one of the offerings' formats.
PL_KINDS = ("pl_model", "coaching")
#: The professional learning formats, the same as the offerings' (trellis.learning).
Format = Offering.Format


class GradeBand(models.TextChoices):
    PREK_2 = "prek_2", "Pre-K to grade 2"
    GRADES_3_5 = "3_5", "Grades 3 to 5"
    GRADES_6_8 = "6_8", "Grades 6 to 8"
    GRADES_9_12 = "9_12", "Grades 9 to 12"
    ALL = "all", "All grades"


class Subject(models.TextChoices):
    ELA = "ela", "English language arts"
    MATH = "math", "Mathematics"
    SCIENCE = "science", "Science"
    SOCIAL_STUDIES = "social_studies", "Social studies"
    COMPUTER_SCIENCE = "computer_science", "Computer science"
    WORLD_LANGUAGES = "world_languages", "World languages"
    ARTS = "arts", "Arts"
    HEALTH_PE = "health_pe", "Health and physical education"
    SPECIAL_EDUCATION = "special_education", "Special education"
    ENGLISH_LEARNERS = "english_learners", "English language development"
    ALL = "all", "All subjects"


class CommonsItem(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Published"

    kind = models.CharField("What it is", max_length=20, choices=ItemKind.choices)
    title = models.CharField(max_length=200)
    summary = models.CharField("Summary in a sentence or two", max_length=500)
    description = models.TextField("How it works", max_length=10000)
    served = models.TextField("Who it served", max_length=2000, help_text="For example: 40 middle-school "
                              "teachers in two rural districts, over one school year.")
    evidence = models.TextField("Evidence of impact", max_length=5000, blank=True,
                                help_text="What changed, and how you know: observations, surveys, outcomes.")
    evidence_url = models.URLField("Link to the evidence", max_length=500, blank=True)
    format = models.CharField("Professional learning format", max_length=20, choices=Format.choices, blank=True,
                              help_text="Leave empty for a classroom practice or an exemplar from class.")
    grade_band = models.CharField("Grade band", max_length=10, choices=GradeBand.choices)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    #: CASE identifiers of the areas of the shipped competency framework it builds (trellis.commons.competencies).
    competencies = models.JSONField("Competency areas", default=list, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="commons_items")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    reviewer_note = models.TextField("Note from the reviewer", blank=True, max_length=2000)
    published_at = models.DateTimeField(null=True, blank=True)
    # Of the submitting district when the item was published: the facets a reader filters on.
    locale = models.CharField(max_length=10, choices=Organization.Locale.choices, blank=True)
    poverty_quartile = models.PositiveSmallIntegerField(null=True, blank=True)
    adoptions = models.PositiveIntegerField(default=0)
    #: The item's search terms (trellis.commons.text), indexed by the database's full-text search.
    search_text = models.TextField(blank=True, editable=False)
    term_total = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.kind in PL_KINDS and not self.format:
            raise ValidationError({"format": "Choose the format of this professional learning."})
        if self.kind == ItemKind.PRACTICE and self.format:
            raise ValidationError({"format": "A classroom practice has no professional learning format: "
                                             "leave it empty."})

    @property
    def is_professional_learning(self) -> bool:
        return bool(self.format)

    @property
    def competency_labels(self) -> list[str]:
        from trellis.commons.competencies import area_labels

        return area_labels(list(self.competencies))


class CommonsTerm(models.Model):
    """How often a published item uses a search term: what BM25 ranks on, the same on every database."""

    item = models.ForeignKey(CommonsItem, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=40)
    count = models.PositiveIntegerField()
    #: The item's number of terms (its term_total), kept here so that ranking reads one table.
    length = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "term"], name="one_count_per_term")]
        # With the count and length in the index, ranking the items of a common term reads the
        # index alone, not one table row per item.
        indexes = [models.Index(fields=["term", "item", "count", "length"], name="commons_term_ranking")]


class CommonsStats(models.Model):
    """The published commons' size, for BM25: one row, changed with every (re)index."""

    items = models.PositiveIntegerField(default=0)
    terms = models.PositiveBigIntegerField(default=0)


class CommonsAdoption(BaseModel):
    item = models.ForeignKey(CommonsItem, on_delete=models.PROTECT, related_name="adoption_records")
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("How the district will use it", max_length=2000, blank=True)
    #: What the adoption started in the district: a draft offering for professional learning,
    #: a draft goal of its plan for anything else.
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    goal = models.ForeignKey(RoadmapGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "district"], name="one_adoption_per_district")]
