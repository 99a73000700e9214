"""The fixed vocabularies of tool governance: what an AI does, the data it takes, the review areas
and the clause areas of the national model data privacy agreement."""

from __future__ import annotations

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class AIFunction(models.TextChoices):
    GENERATES = "generates", _("Generates content")
    TUTORS = "tutors", _("Tutors students")
    SCORES = "scores", _("Scores student work")
    DETECTS = "detects", _("Detects (for example AI-written work)")
    PREDICTS = "predicts", _("Predicts student outcomes")
    RECOMMENDS = "recommends", _("Recommends content or actions")


# A fairness audit is required before scaling a tool that judges students in one of these ways.
JUDGING_FUNCTIONS = {AIFunction.SCORES, AIFunction.DETECTS, AIFunction.PREDICTS, AIFunction.RECOMMENDS}


class DataElement(models.TextChoices):
    NAME = "name", _("Name")
    EMAIL = "email", _("Email address")
    SCHOOL_ID = "school_id", _("School id number")
    GRADE = "grade", _("Grade level")
    DEMOGRAPHICS = "demographics", _("Demographics (such as race or English learner status)")
    DISABILITY = "disability", _("Disability or special education information")
    ASSESSMENT = "assessment", _("Test scores and grades")
    WRITTEN_WORK = "written_work", _("Written work and answers")
    VOICE = "voice", _("Voice recordings")
    IMAGES = "images", _("Photos or video")
    CHAT = "chat", _("Chat messages with the AI")
    USAGE = "usage", _("How the tool is used (clicks, time)")
    DEVICE = "device", _("Device and browser information")
    LOCATION = "location", _("Location")


class ReviewArea(models.TextChoices):
    PRIVACY = "privacy", "Privacy"
    TRANSPARENCY = "transparency", "AI transparency"
    FAIRNESS = "fairness", "Fairness and bias"
    HUMAN_CONTROL = "human_control", "Human control and override"
    EVIDENCE = "evidence", "Evidence (ESSA tiers I–IV)"
    ACCESSIBILITY = "accessibility", "Accessibility (WCAG 2.1 AA)"
    INTEROPERABILITY = "interoperability", "Interoperability (OneRoster, LTI, CASE)"
    SECURITY = "security", "Security"


class StepKind(models.TextChoices):
    PRIVACY = "privacy", "Privacy"
    INSTRUCTION = "instruction", "Instruction"
    ACCESSIBILITY = "accessibility", "Accessibility"
    FAIRNESS = "fairness", "Fairness"
    SECURITY = "security", "Security"


# Which rubric areas each review step rates.
STEP_AREAS: dict[str, list[str]] = {
    StepKind.PRIVACY: [ReviewArea.PRIVACY],
    StepKind.INSTRUCTION: [ReviewArea.EVIDENCE, ReviewArea.TRANSPARENCY, ReviewArea.HUMAN_CONTROL],
    StepKind.ACCESSIBILITY: [ReviewArea.ACCESSIBILITY],
    StepKind.FAIRNESS: [ReviewArea.FAIRNESS],
    StepKind.SECURITY: [ReviewArea.SECURITY, ReviewArea.INTEROPERABILITY],
}


class Rating(models.TextChoices):
    DOES_NOT_MEET = "does_not_meet", "Does not meet"
    MEETS_WITH_RESERVATIONS = "meets_with_reservations", "Meets with reservations"
    MEETS = "meets", "Meets"


class Clause(models.TextChoices):
    PURPOSE = "purpose", "Purpose of the agreement"
    DATA_PROVIDED = "data_provided", "Data provided"
    OWNERSHIP = "ownership", "Data ownership"
    AUTHORISED_USE = "authorised_use", "Authorised use"
    PARENT_ACCESS = "parent_access", "Parent access to records"
    THIRD_PARTY = "third_party", "Third-party requests"
    TRAINING = "training", "No training of AI models on student data"
    DISPOSITION = "disposition", "Disposition (deletion) of data"
    BREACH = "breach", "Breach notice"
    SECURITY = "security", "Data security"
    SUBPROCESSORS = "subprocessors", "Subprocessors"
    NO_ADVERTISING = "no_advertising", "No advertising"


class CoppaBasis(models.TextChoices):
    NOT_APPLICABLE = "", "Not needed (the tool does not serve children under 13)"
    SCHOOL_AUTHORIZATION = "school_authorization", "School authorises collection for educational use only"
    PARENT_CONSENT = "parent_consent", "Verifiable parental consent"


GRADES = ["PK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]
GRADE_CHOICES = [("PK", _("Pre-K")), ("KG", _("Kindergarten"))] + [
    (g, format_lazy(_("Grade {number}"), number=int(g))) for g in GRADES[2:]
]


def grade_label(grades: list[str]) -> str:
    labels = dict(GRADE_CHOICES)
    return ", ".join(str(labels.get(g, g)) for g in grades)
