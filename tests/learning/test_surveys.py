"""Educator voice: anonymous surveys answered once, results only once five have answered."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import person_with_role
from tests.learning.conftest import client_for
from trellis.core.models import AuditEvent
from trellis.learning.models import Survey, SurveyAnswer, SurveyResponse
from trellis.learning.services import survey_create, survey_respond


def state_of() -> dict:
    return {"surveys": Survey.objects.count(), "responses": SurveyResponse.objects.count(),
            "answers": SurveyAnswer.objects.count(), "audit": AuditEvent.objects.count()}


@pytest.fixture
def survey(district_lead, tree):
    return survey_create(actor=district_lead.user, organization=tree.district, template="pl_quality")


def answers_for(survey, level: str = "4") -> dict[int, str]:
    questions = list(survey.questions.all())
    return {questions[0].pk: level, questions[3].pk: "Coaching", questions[4].pk: "More on bias"}


def test_results_appear_only_once_five_have_answered_and_never_say_who(survey, district_lead, tree, teacher):
    lead = client_for(district_lead)
    survey_respond(actor=teacher.user, survey=survey, answers=answers_for(survey, "2"))
    for number in range(3):
        person = person_with_role(f"t{number}", "teacher", tree.school)
        survey_respond(actor=person.user, survey=survey, answers=answers_for(survey))
    page = lead.get(reverse("survey-detail", args=[survey.pk]))
    assert page.context["results"] is None and "4 of the 5 responses needed" in page.content.decode()
    fifth = person_with_role("t5", "teacher", tree.other_school)
    survey_respond(actor=fifth.user, survey=survey, answers=answers_for(survey))
    results = lead.get(reverse("survey-detail", args=[survey.pk])).context["results"]
    first = results[0]
    assert first.counts == [("1", 0), ("2", 1), ("3", 0), ("4", 4), ("5", 0)] and first.mean == 3.6
    assert dict(results[3].counts)["Coaching"] == 5
    assert SurveyResponse.objects.filter(person__isnull=False).count() == 0
    assert not AuditEvent.objects.filter(action="survey.respond", actor__isnull=False).exists()


def test_each_person_answers_once_and_only_surveys_open_to_them(survey, teacher, outsider):
    survey_respond(actor=teacher.user, survey=survey, answers=answers_for(survey))
    before = state_of()
    with pytest.raises(PermissionDenied, match="already answered"):
        survey_respond(actor=teacher.user, survey=survey, answers=answers_for(survey))
    with pytest.raises(PermissionDenied):
        survey_respond(actor=outsider.user, survey=survey, answers=answers_for(survey))
    assert state_of() == before


@pytest.mark.parametrize("role", ["teacher", "state_analyst", "school_leader"])
def test_results_are_for_the_survey_organizers_only(request, role, survey):
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("survey-detail", args=[survey.pk]))
    assert page.status_code == 200 and page.context["results"] is None and not page.context["organizer"]
    assert client_for(request.getfixturevalue("outsider")).get(
        reverse("survey-detail", args=[survey.pk])).status_code == 404


@pytest.mark.parametrize("role", ["teacher", "state_analyst"])
def test_only_leaders_start_surveys(request, role, tree):
    person = request.getfixturevalue(role)
    before = state_of()
    with pytest.raises(PermissionDenied):
        survey_create(actor=person.user, organization=tree.district, template="ai_in_class")
    assert client_for(person).post(reverse("survey-list"), {"template": "ai_in_class"}).status_code == 403
    assert state_of() == before


def test_a_refused_answer_keeps_what_was_typed(survey, teacher):
    question = survey.questions.get(kind="text")
    response = client_for(teacher).post(reverse("survey-detail", args=[survey.pk]),
                                        {f"q-{survey.questions.first().pk}": "9", f"q-{question.pk}": "Kept text"})
    assert response.status_code == 400 and "Kept text" in response.content.decode()
    assert SurveyResponse.objects.count() == 0
