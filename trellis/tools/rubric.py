"""The review rubric. Version 1 ships with Trellis, written for Trellis from the public privacy and
generative-AI rubrics (Common Sense privacy evaluations, 1EdTech's generative AI data rubric, the
ESSA evidence tiers and WCAG 2.1). The state lead publishes later versions; a review keeps the
version it used."""

from __future__ import annotations

from django.db import transaction

from trellis.core.services import audit_record
from trellis.tools.models import Criterion, RubricVersion
from trellis.tools.vocabulary import ReviewArea

A = ReviewArea
DEFAULT_CRITERIA: list[tuple[str, str]] = [
    (A.PRIVACY, "Collects only the student data the stated purpose needs."),
    (A.PRIVACY, "Does not sell student data or use it for advertising or building profiles."),
    (A.PRIVACY, "Deletes student data on request and when the contract ends, and says how."),
    (A.PRIVACY, "Lets families see the data held about their child."),
    (A.TRANSPARENCY, "Says plainly where AI is used in the product and what it decides or suggests."),
    (A.TRANSPARENCY, "Names the model and its provider, and whether student data trains any model."),
    (A.TRANSPARENCY, "Labels AI-generated content as such to students and teachers."),
    (A.FAIRNESS, "Documents how the vendor tested for bias across student groups, with results."),
    (A.FAIRNESS, "Lets the district check the tool's outputs for disparities on its own students."),
    (A.FAIRNESS, "Offers a way for users to report a biased or unfair output inside the product."),
    (A.HUMAN_CONTROL, "A teacher can review, change or reject every AI output that affects a student."),
    (A.HUMAN_CONTROL, "No grade, placement or discipline decision is made by the AI alone."),
    (A.EVIDENCE, "Shows evidence of effect on learning and names its ESSA tier (I strong, II moderate, "
                 "III promising, IV rationale)."),
    (A.EVIDENCE, "The evidence comes from students and schools like ours."),
    (A.ACCESSIBILITY, "Has a current accessibility conformance report against WCAG 2.1 AA."),
    (A.ACCESSIBILITY, "Works with a keyboard alone and with screen readers, captions and zoom."),
    (A.INTEROPERABILITY, "Takes rosters through OneRoster and signs in through the district's accounts."),
    (A.INTEROPERABILITY, "Launches from the learning platform through LTI and aligns content with CASE."),
    (A.SECURITY, "Encrypts data in transit and at rest and limits staff access to it."),
    (A.SECURITY, "Tells the district of a breach within the time the agreement sets."),
    (A.SECURITY, "Has an independent security assessment no older than two years."),
]


@transaction.atomic
def rubric_current() -> RubricVersion:
    """The newest rubric version; the first call on a new database puts the default in place."""
    latest = RubricVersion.objects.order_by("-number").first()
    if latest is not None:
        return latest
    rubric = RubricVersion.objects.create(number=1, notes="The rubric Trellis ships with.")
    Criterion.objects.bulk_create(Criterion(rubric=rubric, area=area, position=position, text=text)
                                  for position, (area, text) in enumerate(DEFAULT_CRITERIA, start=1))
    audit_record(actor=None, action="rubric.default", target=rubric, summary="Put the default review rubric in place")
    return rubric


def criteria_by_area(rubric: RubricVersion, areas: list[str] | None = None) -> list[Criterion]:
    query = rubric.criteria.all()
    if areas is not None:
        query = query.filter(area__in=areas)
    return list(query.order_by("position"))
