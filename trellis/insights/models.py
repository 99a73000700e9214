"""Funding for professional learning, district PL plans with the state's feedback, and annual PL
reports with the state's review.

A year is a school year named by the calendar year it ends in: 2026 is the 2025–26 school year
(the federal fiscal year that funds it)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trellis.core.models import BaseModel
from trellis.learning.models import Competency, Offering
from trellis.orgs.models import Organization
from trellis.vision.models import VisionSection

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


def school_year_label(year: int) -> str:
    """2026 -> "2025–26"."""
    return f"{year - 1}–{str(year)[-2:]}"


def _require_district(organization: Organization | None, field: str = "district") -> None:
    if organization is not None and organization.kind != Organization.Kind.DISTRICT:
        raise ValidationError({field: "Only a district can be chosen here."})


class FundingStream(BaseModel):
    """A source of money for professional learning, with the state's published statement of what
    it may pay for."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=3000)
    allowable_uses = models.TextField("allowable uses", max_length=10000,
                                      help_text="The state's published statement of what this money may pay for.")
    ai_pl_allowable = models.BooleanField(
        "professional learning on AI is an allowable use", default=True,
        help_text="Say so plainly, so districts do not hold back for fear of a finding.")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Allocation(BaseModel):
    """What one district receives from one stream in one year."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pl_allocations")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    amount = models.DecimalField("amount (USD)", **MONEY)

    class Meta:
        ordering = ["-year", "district__name", "stream__position"]
        constraints = [models.UniqueConstraint(fields=["district", "stream", "year"],
                                               name="one_allocation_per_district_stream_year")]

    def __str__(self) -> str:
        return f"{self.district} · {self.stream} · {school_year_label(self.year)}"

    def clean(self) -> None:
        _require_district(self.district if self.district_id else None)


class Spending(BaseModel):
    """Money a district spent on professional learning, tagged to the stream that paid, the
    offering it bought and the competency it builds."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pl_spending")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="spending")
    year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="+")
    competency = models.ForeignKey(Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("amount (USD)", **MONEY)
    spent_on = models.DateField("date")
    description = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name_plural = "spending"

    def __str__(self) -> str:
        return f"{self.district}: {self.amount} on {self.offering}"

    def clean(self) -> None:
        _require_district(self.district if self.district_id else None)

    @property
    def is_durable(self) -> bool:
        return self.offering.is_durable


class Review(models.TextChoices):
    """Where a plan or a report stands with the state."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted, waiting for the state"
    REVIEWED = "reviewed", "Reviewed by the state"


class Plan(BaseModel):
    """A district's multi-year professional learning plan."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pl_plans")
    title = models.CharField(max_length=200)
    first_year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    last_year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    summary = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=10, choices=Review.choices, default=Review.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-first_year", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({school_year_label(self.first_year)} to {school_year_label(self.last_year)})"

    def clean(self) -> None:
        _require_district(self.district if self.district_id else None)
        if self.first_year and self.last_year:
            if self.last_year < self.first_year:
                raise ValidationError({"last_year": "The last year cannot come before the first."})
            if self.last_year - self.first_year > 5:
                raise ValidationError({"last_year": "A plan covers at most six years."})

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def first_year_label(self) -> str:
        return school_year_label(self.first_year)

    @property
    def last_year_label(self) -> str:
        return school_year_label(self.last_year)


class PlanGoal(BaseModel):
    """One goal of a plan, tied to the state's framework competencies and vision sections."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveIntegerField(default=0)
    statement = models.TextField(max_length=2000)
    measure_of_success = models.TextField("how the district will know", blank=True, max_length=2000)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="+")
    vision_sections = models.ManyToManyField(VisionSection, blank=True, related_name="+")

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.statement[:80]


class PlanLine(BaseModel):
    """Planned spend in one year from one stream, on an offering, towards a goal."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="lines")
    goal = models.ForeignKey(PlanGoal, null=True, blank=True, on_delete=models.CASCADE, related_name="lines")
    year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="+")
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("planned amount (USD)", **MONEY)

    class Meta:
        ordering = ["plan", "year", "stream__position", "id"]

    def __str__(self) -> str:
        return f"{school_year_label(self.year)} · {self.stream}: {self.amount}"

    @property
    def year_label(self) -> str:
        return school_year_label(self.year)

    def clean(self) -> None:
        if self.plan_id and self.year and not (self.plan.first_year <= self.year <= self.plan.last_year):
            raise ValidationError({"year": "The year must be one the plan covers."})


class GoalFeedback(BaseModel):
    """The state's written answer on one goal of a submitted plan. Kept, never edited."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="feedback")
    body = models.TextField(max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class Rating(models.TextChoices):
    STRENGTH = "strength", "Strength"
    DEVELOPING = "developing", "Developing"
    NEEDS_SUPPORT = "needs_support", "Needs support"


class AnnualReport(BaseModel):
    """A district's annual professional learning report for one school year. Trellis drafts its
    figures from the district's data; the district writes the narrative and submits; a submitted
    report never changes."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pl_reports")
    year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    status = models.CharField(max_length=10, choices=Review.choices, default=Review.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-year", "district__name"]
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="one_pl_report_per_district_year")]

    def __str__(self) -> str:
        return f"{self.district}: professional learning report {school_year_label(self.year)}"

    def clean(self) -> None:
        _require_district(self.district if self.district_id else None)

    @property
    def year_label(self) -> str:
        return school_year_label(self.year)

    @property
    def is_draft(self) -> bool:
        return self.status == Review.DRAFT


class ReportSection(BaseModel):
    """One section of a report: the figures Trellis drafted (already suppressed; frozen when the
    report is submitted) and the district's narrative."""

    class Key(models.TextChoices):
        PARTICIPATION = "participation", "Participation"
        PRACTICE = "practice", "Changes in practice"
        OUTCOMES = "outcomes", "Student outcomes"
        EQUITY = "equity", "Equity of access"
        SPENDING = "spending", "Spending"
        TOOLS = "tools", "AI tools vetted and audited"

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20, choices=Key.choices)
    position = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(blank=True, max_length=10000)

    class Meta:
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="one_section_key_per_report")]

    def __str__(self) -> str:
        return self.get_key_display()


class SectionFeedback(BaseModel):
    """The state reviewer's answer to one section of a submitted report, and the district's
    response to it. Kept as history: a new review adds a row."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="feedback")
    rating = models.CharField(max_length=14, choices=Rating.choices)
    body = models.TextField("feedback", max_length=5000)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    response = models.TextField(blank=True, max_length=5000)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}: {self.body[:60]}"
