"""Professional learning: competency frameworks (CASE) and participation reported by learning systems (xAPI)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel
from trellis.orgs.models import Organization, Person


class Framework(BaseModel):
    """A competency framework: one CASE CFDocument with its items, associations, definitions and
    rubrics. A published framework never changes; a new version is a new framework with its own
    identifier that names the one it replaces."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    identifier = models.CharField("CASE identifier", max_length=36, unique=True)
    title = models.CharField(max_length=300)
    creator = models.CharField(max_length=300, blank=True)
    version = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    is_default = models.BooleanField(default=False)
    # Who added it: everyone at and under this organization sees it. None for the shipped default.
    owner = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_versions"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    source_name = models.CharField("imported from", max_length=255, blank=True)
    # The package's own JSON, as the publisher wrote it, so an export is the same framework.
    document = models.JSONField()
    definitions = models.JSONField(default=dict, blank=True)
    rubrics = models.JSONField(default=list, blank=True)
    extensions = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "title", "version"]

    def __str__(self) -> str:
        return f"{self.title} {self.version}".strip()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Competency(BaseModel):
    """A CASE CFItem, placed in the framework's tree by its isChildOf association."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competencies")
    identifier = models.CharField("CASE identifier", max_length=36)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField(help_text="Where the item stands in the package, for export.")
    sequence_number = models.IntegerField(null=True, blank=True)
    full_statement = models.TextField()
    abbreviated_statement = models.CharField(max_length=500, blank=True)
    human_coding_scheme = models.CharField(max_length=120, blank=True)
    list_enumeration = models.CharField(max_length=60, blank=True)
    item_type = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=20, blank=True)
    raw = models.JSONField()

    class Meta:
        ordering = ["framework", "position"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["framework", "identifier"], name="unique_competency_identifier"),
        ]

    def __str__(self) -> str:
        code = f"{self.human_coding_scheme} " if self.human_coding_scheme else ""
        return f"{code}{self.abbreviated_statement or self.full_statement[:80]}"


class FrameworkAssociation(BaseModel):
    """A CASE CFAssociation. Either end may be outside the package (another framework's item)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="associations")
    identifier = models.CharField("CASE identifier", max_length=36)
    association_type = models.CharField(max_length=80)
    origin_identifier = models.CharField(max_length=255)
    destination_identifier = models.CharField(max_length=255)
    sequence_number = models.IntegerField(null=True, blank=True)
    position = models.PositiveIntegerField()
    raw = models.JSONField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "identifier"], name="unique_association_identifier"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_identifier} {self.association_type} {self.destination_identifier}"


class XapiImport(BaseModel):
    """One file of xAPI statements read into the event store (``TRELLIS_DATA_DIR/xapi``)."""

    source_name = models.CharField(max_length=255)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Statements are placed only on staff of this organization's subtree; None is the whole state.
    scope = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    statements = models.PositiveBigIntegerField(default=0)
    new = models.PositiveBigIntegerField(default=0)
    duplicates = models.PositiveBigIntegerField(default=0)
    derived_ids = models.PositiveBigIntegerField(default=0)
    per_verb = models.JSONField(default=dict, blank=True)
    other_verbs = models.PositiveBigIntegerField(default=0)
    voiding = models.PositiveBigIntegerField(default=0)
    voided = models.PositiveBigIntegerField(default=0)
    unplaced_statements = models.PositiveBigIntegerField(default=0)
    unplaced_actors = models.PositiveBigIntegerField(default=0)
    events_file = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.new:,} new statements)"


class LearningActor(BaseModel):
    """A person as a learning system names them in xAPI, and the staff member they were matched to.

    The key never holds a name or an email address: ``sha1:`` of the ``mailto:`` IRI for ``mbox``
    and ``mbox_sha1sum``, ``account:<homePage>|<name>`` for an account, ``openid:`` for OpenID.
    """

    key = models.CharField(max_length=400, unique=True)
    account_name = models.CharField(max_length=255, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Where the statements that named this actor came from, so placing it later stays in that scope.
    scope = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.key


class Offering(BaseModel):
    """A professional learning offering: what it is, who runs it, who it is for and what it builds."""

    class Format(models.TextChoices):
        WORKSHOP = "workshop", "One-time workshop"
        COURSE = "course", "Multi-session course"
        COACHING = "coaching", "Coaching cycle"
        PLC = "plc", "Professional learning community"
        MICRO_CREDENTIAL = "micro_credential", "Micro-credential"

    # Formats that build capacity over time, as against a one-time workshop.
    DURABLE_FORMATS = (Format.COURSE, Format.COACHING, Format.PLC, Format.MICRO_CREDENTIAL)

    class Provider(models.TextChoices):
        STATE = "state", "State agency"
        REGION = "region", "Regional service center"
        DISTRICT = "district", "District"
        VENDOR = "vendor", "Vendor"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft: only its organizers see it"
        PUBLISHED = "published", "Published"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online, live"
        HYBRID = "hybrid", "Hybrid"
        SELF_PACED = "self_paced", "Online, self-paced"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    format = models.CharField(max_length=20, choices=Format.choices)
    # The organization that offers it: its staff and everyone below may join.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    vendor_name = models.CharField("vendor", max_length=200, blank=True)
    audience = models.CharField(max_length=200, blank=True, help_text="Who it is for, e.g. middle school teachers.")
    modality = models.CharField(max_length=12, choices=Modality.choices)
    credit_hours = models.DecimalField(max_digits=5, decimal_places=1)
    cost = models.DecimalField("cost per participant (USD)", max_digits=9, decimal_places=2, default=0)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    is_open = models.BooleanField("open for registration", default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="offerings")
    # The activity id a learning system uses for it in xAPI, to relate its statements to the offering.
    xapi_activity_id = models.CharField("xAPI activity id", max_length=500, blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_durable(self) -> bool:
        return self.format in self.DURABLE_FORMATS


class OfferingSession(BaseModel):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    hours = models.DecimalField(max_digits=4, decimal_places=1)
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.offering}: {self.starts_at:%Y-%m-%d %H:%M}"


class Registration(BaseModel):
    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    credit_hours = models.DecimalField("credit hours earned", max_digits=5, decimal_places=1, default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate_number = models.CharField(max_length=36, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["offering", "person"], name="unique_registration")]

    def __str__(self) -> str:
        return f"{self.person} – {self.offering} ({self.get_status_display()})"


class Attendance(BaseModel):
    session = models.ForeignKey(OfferingSession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.person} {'present' if self.present else 'absent'} at {self.session}"


class CoachingCycle(BaseModel):
    """A coach and a teacher working on one goal: planning, observations, feedback, reflection.

    Its notes are about the teacher: only the teacher, the coach and the people above the teacher
    in their line (their school leader, district AI lead, state AI lead) may read them.
    """

    class Stage(models.TextChoices):
        PLANNING = "planning", "Planning"
        OBSERVING = "observing", "Observing"
        FEEDBACK = "feedback", "Feedback"
        REFLECTION = "reflection", "Reflection"
        CLOSED = "closed", "Closed"

    coach = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+",
                                   help_text="The competency the goal builds.")
    goal = models.TextField()
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PLANNING)
    planning_notes = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    reflection = models.TextField(blank=True)
    started_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.teacher} with {self.coach}: {self.goal[:60]}"


class Observation(BaseModel):
    """A classroom observation or walkthrough, rated on a framework's rubric (rows are competencies,
    columns its levels), so practice is recorded on the framework's own scale."""

    class Kind(models.TextChoices):
        OBSERVATION = "observation", "Classroom observation"
        WALKTHROUGH = "walkthrough", "Walkthrough"

    cycle = models.ForeignKey(CoachingCycle, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="observations")
    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    observer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OBSERVATION)
    observed_on = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["observed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.teacher} on {self.observed_on}"


class Rating(BaseModel):
    """One row of a rubric: the level (the rubric column's score) observed or self-assessed."""

    observation = models.ForeignKey(Observation, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="ratings")
    self_assessment = models.ForeignKey("SelfAssessment", null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="ratings")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(observation__isnull=False, self_assessment__isnull=True)
                | models.Q(observation__isnull=True, self_assessment__isnull=False),
                name="rating_belongs_to_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.level}"


class SelfAssessment(BaseModel):
    """A teacher's own rating of themselves against a framework; they see their growth, leaders
    see only aggregates of at least TRELLIS_MIN_N teachers."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()

    class Meta:
        ordering = ["assessed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person} on {self.assessed_on}"


class Survey(BaseModel):
    """An educator-voice survey by the state, a region or a district, for its staff and those below."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_anonymous = models.BooleanField(default=True)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(BaseModel):
    class Kind(models.TextChoices):
        SCALE = "scale", "Scale"
        CHOICE = "choice", "Choice"
        TEXT = "text", "Text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.CharField(max_length=500)
    # Choice questions: the options; scale questions: the labels of 1 and of the top of the scale.
    options = models.JSONField(default=list, blank=True)
    scale_max = models.PositiveSmallIntegerField(default=5)

    class Meta:
        ordering = ["survey", "position"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(BaseModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # A keyed hash of the survey and the respondent: it stops a second answer without saying whose.
    respondent_key = models.CharField(max_length=64)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               help_text="Only for surveys that are not anonymous.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "respondent_key"], name="one_response_each")]

    def __str__(self) -> str:
        return f"Response to {self.survey}"


class SurveyAnswer(BaseModel):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField()

    def __str__(self) -> str:
        return self.value[:60]


class TopicProposal(BaseModel):
    """A teacher's proposal for professional learning, perhaps with an offer to help design it, and
    the organizer's answer, which the teacher sees."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        PLANNED = "planned", "Planned"
        DECLINED = "declined", "Not planned"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # Where it goes: the organizers of this organization (the teacher's district) answer it.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    volunteers_to_co_design = models.BooleanField("I would help design it", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.topic
