"""Teachers propose topics and volunteer to co-design; the organizers answer and the teacher sees it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.learning.conftest import client_for
from trellis.learning.models import TopicProposal
from trellis.learning.services import proposal_answer, proposal_create


def test_a_teacher_proposes_and_sees_the_district_answer(teacher, district_lead, tree):
    client_for(teacher).post(reverse("proposals"), {"topic": "AI and student writing", "details": "Essays",
                                                    "volunteers_to_co_design": "on"})
    proposal = TopicProposal.objects.get()
    assert proposal.organization == tree.district and proposal.volunteers_to_co_design
    lead = client_for(district_lead)
    assert [p.topic for p in lead.get(reverse("proposals")).context["received"]] == ["AI and student writing"]
    lead.post(reverse("proposal-answer", args=[proposal.pk]), {"status": "planned", "answer": "A PLC in spring."})
    mine = client_for(teacher).get(reverse("proposals"))
    assert [(p.status, p.answer) for p in mine.context["mine"]] == [("planned", "A PLC in spring.")]


def test_a_refused_proposal_keeps_what_was_typed(teacher):
    response = client_for(teacher).post(reverse("proposals"), {"topic": "", "details": "Kept details"})
    assert response.status_code == 400 and "Kept details" in response.content.decode()
    assert TopicProposal.objects.count() == 0


@pytest.mark.parametrize("role", ["outsider", "school_leader", "state_analyst", "other_teacher"])
def test_only_the_receiving_organizers_see_and_answer(request, role, teacher, tree):
    from tests.factories import person_with_role

    proposal = proposal_create(actor=teacher.user, topic="AI and student writing")
    person = (person_with_role("other.teacher", "teacher", tree.school) if role == "other_teacher"
              else request.getfixturevalue(role))
    client = client_for(person)
    assert list(client.get(reverse("proposals")).context["received"]) == []
    assert client.post(reverse("proposal-answer", args=[proposal.pk]),
                       {"status": "declined", "answer": "No"}).status_code == 404
    with pytest.raises(PermissionDenied):
        proposal_answer(actor=person.user, proposal=proposal, status="declined", answer="No")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.answer) == ("open", "")
