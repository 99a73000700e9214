"""AI tool governance: the state catalog, district inventories, requests, reviews against a
versioned rubric, decisions, data privacy agreements, incidents and families' opt-out requests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.core.models import BaseModel
from trellis.orgs.models import Organization
from trellis.tools.vocabulary import (
    GRADES,
    JUDGING_FUNCTIONS,
    AIFunction,
    Clause,
    CoppaBasis,
    DataElement,
    Rating,
    ReviewArea,
    StepKind,
)


def _check_codes(values: object, allowed: list[str], field: str) -> None:
    if not isinstance(values, list) or any(value not in allowed for value in values):
        raise ValidationError({field: f"Choose only from the listed {field.replace('_', ' ')}."})


class Tool(BaseModel):
    """An AI product in the state catalog."""

    class ProviderKind(models.TextChoices):
        INTERNAL = "internal", _("The vendor's own model")
        THIRD_PARTY = "third_party", _("A model from another company")

    vendor = models.CharField(max_length=200)
    product = models.CharField(max_length=200)
    version = models.CharField(max_length=60, blank=True)
    summary = models.CharField("what it is for, in plain words", max_length=300)
    ai_functions = models.JSONField("what the AI does", default=list)
    model_provider = models.CharField("model provider", max_length=200, blank=True)
    provider_kind = models.CharField(max_length=20, choices=ProviderKind.choices, default=ProviderKind.INTERNAL)
    student_data = models.JSONField("data it collects about students", default=list, blank=True)
    staff_data = models.JSONField("data it collects about staff", default=list, blank=True)
    youngest_age = models.PositiveSmallIntegerField("youngest age it serves", null=True, blank=True)
    privacy_policy_url = models.URLField("privacy policy", blank=True)
    accessibility_url = models.URLField("accessibility conformance report", blank=True)
    evidence_url = models.URLField("evidence of effectiveness", blank=True)

    class Meta:
        ordering = ["product", "vendor"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "product", "version"], name="unique_tool_version"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}".strip() + f" ({self.vendor})"

    def clean(self) -> None:
        _check_codes(self.ai_functions, AIFunction.values, "ai_functions")
        if not self.ai_functions:
            raise ValidationError({"ai_functions": "Say what the AI does."})
        _check_codes(self.student_data, DataElement.values, "student_data")
        _check_codes(self.staff_data, DataElement.values, "staff_data")

    @property
    def judges_students(self) -> bool:
        return any(function in JUDGING_FUNCTIONS for function in self.ai_functions)

    @property
    def serves_under_13(self) -> bool:
        return self.youngest_age is not None and self.youngest_age < 13

    def ai_function_labels(self) -> list[str]:
        labels = dict(AIFunction.choices)
        return [str(labels[f]) for f in self.ai_functions if f in labels]

    def student_data_labels(self) -> list[str]:
        labels = dict(DataElement.choices)
        return [str(labels[d]) for d in self.student_data if d in labels]


class InventoryEntry(BaseModel):
    """A tool a district's schools use, where and for which grades."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="inventory")
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_inventory")
    schools = models.ManyToManyField(Organization, related_name="tools_in_use", blank=True)
    grades = models.JSONField(default=list, blank=True)
    purpose = models.CharField("what the schools use it for", max_length=300)

    class Meta:
        ordering = ["tool__product"]
        constraints = [models.UniqueConstraint(fields=["tool", "district"], name="unique_inventory_entry")]

    def __str__(self) -> str:
        return f"{self.tool} at {self.district}"

    def clean(self) -> None:
        if self.district_id and self.district.kind != Organization.Kind.DISTRICT:
            raise ValidationError({"district": "An inventory belongs to a district."})
        _check_codes(self.grades, GRADES, "grades")


class RubricVersion(BaseModel):
    """One published version of the review rubric; reviews keep the version they used."""

    number = models.PositiveIntegerField(unique=True)
    notes = models.CharField(max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Rubric version {self.number}"


class Criterion(models.Model):
    rubric = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="criteria")
    area = models.CharField(max_length=20, choices=ReviewArea.choices)
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=400)

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [models.UniqueConstraint(fields=["rubric", "position"], name="unique_criterion_position")]

    def __str__(self) -> str:
        return self.text


class ToolRequest(BaseModel):
    """A teacher's or school leader's request to use a tool at their school."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for the district"
        IN_REVIEW = "in_review", "In review"
        DECIDED = "decided", "Decided"

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="requests")
    school = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grades = models.JSONField(default=list, blank=True)
    purpose = models.TextField("what it would be used for", max_length=2000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.tool} for {self.school}"

    def clean(self) -> None:
        if self.school_id and self.school.kind != Organization.Kind.SCHOOL:
            raise ValidationError({"school": "A request is for one school."})
        _check_codes(self.grades, GRADES, "grades")

    @property
    def district(self) -> Organization:
        return self.school.parent


class Review(BaseModel):
    """A reviewer's ratings of a tool against one rubric version, for a district or the state."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Being written"
        SUBMITTED = "submitted", "Submitted"

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="reviews")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_reviews")
    rubric = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="reviews")
    request = models.ForeignKey(ToolRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    step = models.CharField(max_length=20, choices=StepKind.choices, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(blank=True, max_length=4000)
    adopted_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], condition=~models.Q(step=""),
                                    name="one_review_per_step"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.tool} ({self.get_step_display() or 'full'})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CriterionRating(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=30, choices=Rating.choices)
    note = models.CharField(max_length=1000, blank=True)
    evidence_url = models.URLField("evidence link", blank=True)

    class Meta:
        ordering = ["criterion__position"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="unique_rating")]


class Decision(BaseModel):
    """A district's decision on a tool; the newest one is in force until it expires."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CONDITIONS = "approved_with_conditions", _("Approved with conditions")
        PILOT_ONLY = "pilot_only", _("Pilot only")
        DENIED = "denied", _("Not approved")

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="decisions")
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_decisions")
    request = models.ForeignKey(ToolRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    reasons = models.TextField(max_length=4000)
    conditions = models.TextField(blank=True, max_length=4000)
    decided_on = models.DateField(default=datetime.date.today)
    expires_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.tool} in {self.district}"

    def clean(self) -> None:
        problems = {}
        if self.outcome == self.Outcome.CONDITIONS and not self.conditions.strip():
            problems["conditions"] = "Write the conditions of the approval."
        if self.outcome != self.Outcome.DENIED and self.expires_on is None:
            problems["expires_on"] = "Give the date this decision must be looked at again."
        if self.expires_on and self.decided_on and self.expires_on <= self.decided_on:
            problems["expires_on"] = "The expiry date must come after the decision date."
        if problems:
            raise ValidationError(problems)

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def allows_use(self) -> bool:
        return self.outcome != self.Outcome.DENIED and not self.is_expired


class Agreement(BaseModel):
    """A signed data privacy agreement between a district and a tool's vendor."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="agreements")
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_agreements")
    # The signed PDF under TRELLIS_DATA_DIR/agreements/; empty when piggybacking on another's file.
    file_name = models.CharField(max_length=80, blank=True, editable=False)
    original_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    starts_on = models.DateField()
    ends_on = models.DateField()
    data_elements = models.JSONField(default=list, blank=True)
    clauses = models.JSONField("clause areas covered", default=list, blank=True)
    coppa_basis = models.CharField("COPPA consent basis", max_length=30, choices=CoppaBasis.choices, blank=True)
    allows_piggyback = models.BooleanField("the vendor lets other districts join this agreement", default=False)
    piggyback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="joined")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-ends_on", "-id"]

    def __str__(self) -> str:
        return f"Agreement for {self.tool} in {self.district}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "The end date must come after the start date."})
        _check_codes(self.data_elements, DataElement.values, "data_elements")
        _check_codes(self.clauses, Clause.values, "clauses")
        if self.tool_id and self.tool.serves_under_13 and not self.coppa_basis:
            raise ValidationError({"coppa_basis": "This tool serves children under 13: record the COPPA "
                                   "consent basis."})
        if self.piggyback_of_id:
            source = self.piggyback_of
            if not source.allows_piggyback:
                raise ValidationError({"piggyback_of": "That agreement's vendor does not allow other districts "
                                       "to join it."})
            if source.tool.vendor != self.tool.vendor:
                raise ValidationError({"piggyback_of": "That agreement is with another vendor."})
            if source.district_id == self.district_id:
                raise ValidationError({"piggyback_of": "That agreement is already this district's own."})

    @property
    def is_lapsed(self) -> bool:
        return self.ends_on < timezone.localdate()

    @property
    def missing_clauses(self) -> list[str]:
        return [label for value, label in Clause.choices if value not in self.clauses]


def new_reference() -> str:
    import secrets

    alphabet = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alike characters for a reference read aloud
    return "TR-" + "".join(secrets.choice(alphabet) for _ in range(8))


class Incident(BaseModel):
    """A report of harm, bias or a problem with a tool, from staff or from the public."""

    class Category(models.TextChoices):
        BIAS = "bias", _("Bias or unfair treatment")
        PRIVACY = "privacy", _("Privacy or data")
        SAFETY = "safety", _("Safety")
        CONTENT = "content", _("Wrong or harmful content")
        ACCESSIBILITY = "accessibility", _("Accessibility")
        OTHER = "other", _("Something else")

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        INVESTIGATING = "investigating", _("Being looked into")
        RESOLVED = "resolved", _("Resolved")

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    tool = models.ForeignKey(Tool, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_incidents")
    category = models.CharField(max_length=20, choices=Category.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField(max_length=4000)
    from_public = models.BooleanField(default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Shown only to the staff who review incidents for the organization.
    reporter_name = models.CharField(max_length=150, blank=True)
    reporter_contact = models.CharField(max_length=200, blank=True)
    sender = models.CharField(max_length=64, blank=True, editable=False)  # keyed hash, for rate limits
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    action_taken = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_category_display()}"

    def clean(self) -> None:
        if self.status == self.Status.RESOLVED and not self.action_taken.strip():
            raise ValidationError({"action_taken": "Say what was done before marking this resolved."})

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def district(self) -> Organization:
        return self.organization if self.organization.kind != Organization.Kind.SCHOOL else self.organization.parent


class OptOutRequest(BaseModel):
    """A family asks a school to keep their child out of a tool. The child is not named here:
    the school contacts the family to confirm who the child is."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ANSWERED = "answered", _("Answered")

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    school = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="opt_out_requests")
    tool = models.ForeignKey(Tool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parent_name = models.CharField(max_length=150)
    contact = models.CharField(max_length=200)
    grade = models.CharField(max_length=2, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    sender = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    answer = models.TextField(blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: opt-out at {self.school}"


class Deployment(BaseModel):
    """An approved tool put to use in some of a district's schools and grades, as a pilot or at scale.
    A pilot becomes a scaled deployment only through the scale gate."""

    class Stage(models.TextChoices):
        PILOT = "pilot", _("Pilot")
        SCALED = "scaled", _("In use across the schools named")

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="deployments")
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tool_deployments")
    schools = models.ManyToManyField(Organization, related_name="tool_deployments_here", blank=True)
    grades = models.JSONField(default=list, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.PILOT)
    question = models.CharField("what the pilot should find out", max_length=500, blank=True)
    success_measures = models.TextField(blank=True, max_length=2000)
    participants = models.CharField("who takes part", max_length=500, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    evaluation = models.TextField("what the pilot found", blank=True, max_length=4000)
    evaluated_on = models.DateField(null=True, blank=True)
    scaled_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.tool.product} in {self.district}"

    def clean(self) -> None:
        _check_codes(self.grades, GRADES, "grades")
        if self.stage == self.Stage.PILOT and self._state.adding and not self.question.strip():
            raise ValidationError({"question": "Say what the pilot should find out."})
        if self.ends_on and self.starts_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "The end date must come after the start date."})
