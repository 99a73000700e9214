"""Reads of the learning app, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from trellis.interop.xapi import events_for_actors, verb_counts_by_actor
from trellis.learning.models import (
    CoachingCycle,
    Competency,
    Framework,
    LearningActor,
    Observation,
    Offering,
    OfferingSession,
    Rating,
    Registration,
    SelfAssessment,
    Survey,
    SurveyAnswer,
    TopicProposal,
    XapiImport,
)
from trellis.learning.permissions import (
    can_organize,
    coaching_cycles_q,
    coaching_organizations,
    line_organizations,
    observations_q,
    offerings_visible_q,
    organizing_organizations,
    visible_frameworks_q,
    xapi_imports_q,
)
from trellis.learning.rubrics import rubric_rows
from trellis.orgs.models import Organization, Person, Role

ACTIVE_STATUSES = (Registration.Status.REGISTERED, Registration.Status.COMPLETED)


def framework_list_for(*, user: Any) -> QuerySet[Framework]:
    return (Framework.objects.filter(visible_frameworks_q(user)).select_related("owner")
            .annotate(item_count=Count("competencies")))


def framework_get(*, user: Any, identifier: str) -> Framework:
    """One framework the person may see; anything else is "not found"."""
    try:
        return (Framework.objects.filter(visible_frameworks_q(user)).select_related("owner", "previous_version")
                .get(identifier=identifier))
    except Framework.DoesNotExist as exc:
        raise Http404("No such framework.") from exc


@dataclass
class TreeNode:
    competency: Competency
    children: list[TreeNode] = field(default_factory=list)


def competency_tree(framework: Framework) -> list[TreeNode]:
    """The framework's items as a tree, siblings in sequence-number order, then package order."""
    nodes = {c.pk: TreeNode(c) for c in framework.competencies.all()}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.competency.parent_id) if node.competency.parent_id else None
        (parent.children if parent else roots).append(node)

    def order(siblings: list[TreeNode]) -> None:
        siblings.sort(key=lambda n: (n.competency.sequence_number is None, n.competency.sequence_number or 0,
                                     n.competency.position))
        for sibling in siblings:
            order(sibling.children)

    order(roots)
    return roots


def xapi_store() -> Path:
    """The xAPI event store: one Parquet file per import, under the data directory."""
    return Path(settings.TRELLIS_DATA_DIR) / "xapi"


def xapi_imports_for(*, user: Any) -> QuerySet[XapiImport]:
    return XapiImport.objects.filter(xapi_imports_q(user)).select_related("scope", "started_by")


@dataclass
class LearningRecord:
    """A staff member's own statements from learning systems, as their learning record shows them."""

    verb_counts: dict[str, int]
    events: list[dict[str, Any]]
    accounts: int


def learning_record_for(*, user: Any) -> LearningRecord:
    """The signed-in person's own xAPI events (nobody else's: this reads only their own actors)."""
    person = Person.objects.filter(user=user).first() if getattr(user, "is_authenticated", False) else None
    if person is None:
        return LearningRecord({}, [], 0)
    keys = list(LearningActor.objects.filter(person=person).values_list("key", flat=True))
    counts: dict[str, int] = {}
    for per_actor in verb_counts_by_actor(xapi_store(), keys).values():
        for verb, count in per_actor.items():
            counts[verb] = counts.get(verb, 0) + count
    return LearningRecord(dict(sorted(counts.items())), events_for_actors(xapi_store(), keys, limit=100), len(keys))


def offering_list_for(*, user: Any, search: str = "", format: str = "", modality: str = "",
                      competency: int | None = None) -> QuerySet[Offering]:
    """Offerings open to the person or run by them, with how many places are taken."""
    query = Offering.objects.filter(offerings_visible_q(user))
    if search:
        query = query.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if format:
        query = query.filter(format=format)
    if modality:
        query = query.filter(modality=modality)
    if competency:
        query = query.filter(Q(competencies=competency) | Q(competencies__parent=competency))
    return (query.select_related("organization").distinct()
            .annotate(taken=Count("registrations", filter=Q(registrations__status__in=ACTIVE_STATUSES),
                                  distinct=True))
            .order_by("title"))


def offering_get(*, user: Any, pk: int) -> Offering:
    try:
        return Offering.objects.filter(offerings_visible_q(user)).select_related("organization").get(pk=pk)
    except Offering.DoesNotExist as exc:
        raise Http404("No such offering.") from exc


def session_get(*, user: Any, offering: Offering, pk: int) -> OfferingSession:
    session = offering.sessions.filter(pk=pk).first()
    if session is None:
        raise Http404("No such session.")
    return session


def registration_of(*, user: Any, offering: Offering) -> Registration | None:
    return Registration.objects.filter(offering=offering, person__user=user).first()


def registrations_of(*, user: Any) -> QuerySet[Registration]:
    """The person's own registrations, newest first."""
    return (Registration.objects.filter(person__user=user).select_related("offering", "offering__organization")
            .order_by("-created_at"))


def offering_roster(*, offering: Offering) -> list[Registration]:
    """Who is registered (and waiting), for the offering's organizers."""
    return list(offering.registrations.exclude(status=Registration.Status.CANCELLED)
                .select_related("person").order_by("status", "person__family_name", "person__given_name"))


def certificate_get(*, user: Any, number: str) -> Registration:
    """A certificate of completion: its holder and the offering's organizers may see it."""
    registration = (Registration.objects.filter(certificate_number=number, status=Registration.Status.COMPLETED)
                    .select_related("offering", "offering__organization", "person").first())
    if registration is None or not (registration.person.user_id == getattr(user, "pk", None)
                                    or can_organize(user, registration.offering.organization)):
        raise Http404("No such certificate.")
    return registration


def framework_competencies_for(*, user: Any) -> QuerySet[Competency]:
    """Competencies of the published frameworks the person can see, for tagging offerings."""
    return (Competency.objects.filter(framework__in=Framework.objects.filter(visible_frameworks_q(user),
                                                                            status=Framework.Status.PUBLISHED))
            .select_related("framework").order_by("framework__title", "position"))


def cycles_for(*, user: Any) -> QuerySet[CoachingCycle]:
    """Cycles the person may read: their caseload as coach, their own as teacher, and their line's."""
    return (CoachingCycle.objects.filter(coaching_cycles_q(user))
            .select_related("teacher", "coach", "school", "competency").order_by("stage", "-started_on"))


def cycle_get(*, user: Any, pk: int) -> CoachingCycle:
    cycle = cycles_for(user=user).filter(pk=pk).first()
    if cycle is None:
        raise Http404("No such coaching cycle.")
    return cycle


def observations_for(*, user: Any, teacher: Person | None = None, cycle: CoachingCycle | None = None
                     ) -> QuerySet[Observation]:
    query = Observation.objects.filter(observations_q(user))
    if teacher is not None:
        query = query.filter(teacher=teacher)
    if cycle is not None:
        query = query.filter(cycle=cycle)
    return query.select_related("observer", "framework").prefetch_related("ratings__competency").order_by(
        "observed_on", "pk")


def level_history(ratings_by_date: list[tuple[Any, list[Rating]]]) -> list[dict[str, Any]]:
    """Rows of (competency, level on each date) for a table of levels over time."""
    competencies: dict[int, Competency] = {}
    cells: dict[int, dict[int, int]] = {}
    for index, (_, ratings) in enumerate(ratings_by_date):
        for rating in ratings:
            competencies[rating.competency_id] = rating.competency
            cells.setdefault(rating.competency_id, {})[index] = rating.level
    return [{"competency": competencies[cid], "levels": [cells[cid].get(i) for i in range(len(ratings_by_date))]}
            for cid in sorted(competencies, key=lambda c: competencies[c].position)]


def coachable_teachers(*, user: Any) -> QuerySet[Person]:
    """Teachers at the schools the person coaches."""
    paths = [o.path for o in coaching_organizations(user)]
    if not paths:
        return Person.objects.none()
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(memberships__organization__path__startswith=path)
    return (Person.objects.filter(query, is_active=True, memberships__role=Role.TEACHER,
                                  memberships__organization__kind=Organization.Kind.SCHOOL)
            .distinct().order_by("family_name", "given_name"))


def self_assessments_of(*, user: Any) -> QuerySet[SelfAssessment]:
    return (SelfAssessment.objects.filter(person__user=user).select_related("framework")
            .prefetch_related("ratings__competency").order_by("assessed_on", "pk"))


@dataclass(frozen=True)
class SummaryRow:
    competency: Competency
    teachers: int
    mean_level: float | None  # None when fewer than the minimum number of teachers answered


def self_assessment_summary(*, user: Any, organization: Organization, framework: Framework) -> list[SummaryRow]:
    """Each rubric row's mean self-assessed level among the organization's teachers (each teacher's
    latest self-assessment on the framework). A row with fewer than ``TRELLIS_MIN_N`` teachers
    shows only that it has too few: no mean, so no teacher's own answer can be read from it."""
    if not any(organization.path.startswith(o.path) for o in line_organizations(user)):
        raise Http404("No such summary.")
    latest: dict[int, int] = {}
    for assessment_id, person_id in (
        SelfAssessment.objects.filter(framework=framework,
                                      person__memberships__organization__path__startswith=organization.path,
                                      person__memberships__role=Role.TEACHER)
        .order_by("assessed_on", "pk").values_list("pk", "person_id")
    ):
        latest[person_id] = assessment_id
    levels: dict[int, list[int]] = {}
    for competency_id, level in Rating.objects.filter(self_assessment_id__in=set(latest.values())).values_list(
            "competency_id", "level"):
        levels.setdefault(competency_id, []).append(level)
    minimum = settings.TRELLIS_MIN_N
    rows = []
    for row in rubric_rows(framework):
        found = levels.get(row.competency.pk, [])
        mean = sum(found) / len(found) if len(found) >= minimum else None
        rows.append(SummaryRow(row.competency, len(found), mean))
    return rows


def surveys_for(*, user: Any) -> QuerySet[Survey]:
    """Surveys open to the person and those they run (the same reach as offerings)."""
    return (Survey.objects.filter(offerings_visible_q(user, drafts=False)).select_related("organization")
            .annotate(response_count=Count("responses")))


def survey_get(*, user: Any, pk: int) -> Survey:
    survey = surveys_for(user=user).filter(pk=pk).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey


@dataclass(frozen=True)
class QuestionResult:
    question: Any
    counts: list[tuple[str, int]]
    mean: float | None
    texts: list[str]


def survey_results(*, user: Any, survey: Survey, minimum: int) -> list[QuestionResult] | None:
    """The survey's results for the people who run it, or None while fewer than ``minimum`` have answered."""
    if not can_organize(user, survey.organization):
        raise Http404("No such survey.")
    if survey.responses.count() < minimum:
        return None
    results = []
    for question in survey.questions.all():
        values = list(SurveyAnswer.objects.filter(question=question).values_list("value", flat=True))
        if question.kind == "scale":
            numbers = [int(v) for v in values]
            counts = [(str(n), numbers.count(n)) for n in range(1, question.scale_max + 1)]
            results.append(QuestionResult(question, counts, sum(numbers) / len(numbers) if numbers else None, []))
        elif question.kind == "choice":
            results.append(QuestionResult(question, [(o, values.count(o)) for o in question.options], None, []))
        else:
            results.append(QuestionResult(question, [], None, sorted(values)))
    return results


def proposals_for(*, user: Any) -> QuerySet[TopicProposal]:
    """The person's own proposals, and those sent to an organization they organize for."""
    query = Q(person__user=user)
    for organization in organizing_organizations(user):
        query |= Q(organization__path__startswith=organization.path)
    return TopicProposal.objects.filter(query).select_related("person", "organization", "answered_by")
