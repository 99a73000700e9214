"""Educator-voice surveys: built from templates, answered once each, results only for groups of five."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from trellis.core.services import audit_record
from trellis.learning.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from trellis.learning.permissions import can_organize, is_open_to
from trellis.orgs.models import Organization, Person

#: Results are shown only once at least this many people have answered (the issue's rule for educator voice).
RESULTS_MIN_RESPONSES = 5
AGREE = ["Strongly disagree", "Strongly agree"]

# Question sets in our own words, after the questions professional-learning standards ask about.
TEMPLATES: dict[str, dict[str, Any]] = {
    "pl_quality": {
        "title": "Quality and relevance of professional learning",
        "description": "How useful was the professional learning on AI you took part in this year?",
        "questions": [
            ("scale", "The professional learning was relevant to the students I teach.", AGREE),
            ("scale", "I had time to practise what I learned and get feedback on it.", AGREE),
            ("scale", "It changed how I use AI in my teaching.", AGREE),
            ("choice", "Which format helped you most?", ["One-time workshop", "Multi-session course",
                                                          "Coaching", "Professional learning community",
                                                          "Micro-credential"]),
            ("text", "What should the next professional learning on AI cover?", []),
        ],
    },
    "ai_in_class": {
        "title": "AI use in class",
        "description": "How you and your students use AI tools, so that support goes where it is needed.",
        "questions": [
            ("choice", "How often do you use AI tools to prepare lessons?", ["Never", "Monthly", "Weekly", "Daily"]),
            ("choice", "How often do your students use AI tools in your class?", ["Never", "Monthly", "Weekly",
                                                                                 "Daily"]),
            ("scale", "I know how to check an AI tool's output for bias and mistakes.", AGREE),
            ("scale", "I know my district's rules for student data in AI tools.", AGREE),
            ("text", "What gets in the way of using AI well in your class?", []),
        ],
    },
}


def _respondent_key(survey: Survey, person: Person) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"survey:{survey.pk}:person:{person.pk}".encode(),
                    hashlib.sha256).hexdigest()


@transaction.atomic
def survey_create(*, actor: Any, organization: Organization, template: str, is_anonymous: bool = True) -> Survey:
    if actor is not None and not can_organize(actor, organization):
        raise PermissionDenied("Only state, regional, district and school leaders create surveys.")
    if template not in TEMPLATES:
        raise ValidationError(f"No survey template {template!r}.")
    spec = TEMPLATES[template]
    survey = Survey(organization=organization, title=spec["title"], description=spec["description"],
                    is_anonymous=is_anonymous,
                    created_by=Person.objects.filter(user=actor).first() if actor is not None else None)
    survey.full_clean()
    survey.save()
    SurveyQuestion.objects.bulk_create([
        SurveyQuestion(survey=survey, position=index, kind=kind, text=text, options=options)
        for index, (kind, text, options) in enumerate(spec["questions"], start=1)
    ])
    audit_record(actor=actor, action="survey.create", target=survey, organization_id=organization.pk,
                 summary=f"Created the survey {survey.title} for {organization.name}")
    return survey


def _checked_answers(survey: Survey, answers: dict[int, str]) -> list[tuple[SurveyQuestion, str]]:
    checked = []
    for question in survey.questions.all():
        value = (answers.get(question.pk) or "").strip()
        if not value:
            continue
        if question.kind == SurveyQuestion.Kind.SCALE and not (
                value.isdigit() and 1 <= int(value) <= question.scale_max):
            raise ValidationError(f"“{question.text}” needs a number from 1 to {question.scale_max}.")
        if question.kind == SurveyQuestion.Kind.CHOICE and value not in question.options:
            raise ValidationError(f"“{question.text}” needs one of its choices.")
        checked.append((question, value[:5000]))
    if not checked:
        raise ValidationError("Answer at least one question.")
    return checked


@transaction.atomic
def survey_respond(*, actor: Any, survey: Survey, answers: dict[int, str]) -> SurveyResponse:
    """Record one person's answers; each person answers a survey once. An anonymous survey keeps
    no link from the response to the person: only a keyed hash that stops a second answer."""
    person = Person.objects.filter(user=actor).first() if actor is not None else None
    if person is None or not is_open_to(actor, survey.organization) or not survey.is_open:
        raise PermissionDenied("This survey is not open to you.")
    checked = _checked_answers(survey, answers)
    response = SurveyResponse(survey=survey, respondent_key=_respondent_key(survey, person),
                              person=None if survey.is_anonymous else person)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise PermissionDenied("You have already answered this survey.") from exc
    SurveyAnswer.objects.bulk_create([SurveyAnswer(response=response, question=q, value=v) for q, v in checked])
    # The audit log says a response came in, never whose it is on an anonymous survey.
    audit_record(actor=None if survey.is_anonymous else actor, action="survey.respond", target=survey,
                 organization_id=survey.organization_id, summary=f"A response to {survey.title}")
    return response


def has_answered(*, actor: Any, survey: Survey) -> bool:
    person = Person.objects.filter(user=actor).first()
    return person is not None and survey.responses.filter(respondent_key=_respondent_key(survey, person)).exists()
