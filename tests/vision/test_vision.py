"""The statewide vision: drafting, comment, moderation, answers, publication and comparison."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from trellis.core.models import AuditEvent
from trellis.vision import services
from trellis.vision.models import VisionComment, VisionSection, VisionVersion
from trellis.vision.selectors import compare_versions, published_vision


def client_for(person: Any) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def snapshot() -> tuple[Any, ...]:
    return (
        list(VisionVersion.objects.values_list("number", "status", "title").order_by("pk")),
        list(VisionSection.objects.values_list("version_id", "key", "heading", "body").order_by("pk")),
        list(VisionComment.objects.values_list("status", "body", "answer").order_by("pk")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def first_version(state_lead: Any, tree: Any) -> VisionVersion:
    version = services.vision_draft_start(actor=state_lead.user, title="AI that serves every student")
    services.vision_section_save(actor=state_lead.user, version=version, heading="Human judgment first",
                                 body="Teachers decide. AI suggests.")
    services.vision_section_save(actor=state_lead.user, version=version, heading="Fair for every student",
                                 body="Tools are checked for bias before they reach classrooms.")
    return version


def test_draft_comment_answer_publish_and_the_next_version(first_version, state_lead, teacher):
    lead = state_lead.user
    version = services.vision_open_for_comment(actor=lead, version=first_version, closes=tomorrow())
    staff = services.vision_comment_add(actor=teacher.user, version=version, body="Say who decides.")
    public = services.vision_comment_add(actor=None, version=version, body="What about families?",
                                         display_name="A parent", sender="s1")
    assert (staff.status, public.status) == ("shown", "pending")
    services.vision_comment_moderate(actor=lead, comment=public, show=True)
    services.vision_comment_answer(actor=lead, comment=public, answer="Families are named in section 2.")
    services.vision_publish(actor=lead, version=version)
    assert published_vision() == version
    with pytest.raises(ValidationError):
        services.vision_section_save(actor=lead, version=version, heading="Late", body="Too late")

    second = services.vision_draft_start(actor=lead)
    assert second.number == 2 and list(second.sections.values_list("key", flat=True)) == [
        "human-judgment-first", "fair-for-every-student"]
    fair = second.sections.get(key="fair-for-every-student")
    services.vision_section_save(actor=lead, version=second, section=fair, heading="Fair for every student",
                                 body="Tools are checked for bias on our own students before they reach classrooms.")
    services.vision_section_remove(actor=lead, section=second.sections.get(key="human-judgment-first"))
    services.vision_section_save(actor=lead, version=second, heading="Families", body="Families are told.")
    services.vision_publish(actor=lead, version=second)
    version.refresh_from_db()
    assert version.status == "superseded" and published_vision() == second

    changes = {c.key: c for c in compare_versions(version, second)}
    assert [c.status for c in compare_versions(version, second)] == ["changed", "added", "removed"]
    assert "<ins>on our own students </ins>" in changes["fair-for-every-student"].after_html
    assert "<del>" not in changes["fair-for-every-student"].after_html
    assert changes["families"].before_html == ""


def test_the_compare_view_escapes_what_it_marks(state_lead, tree):
    lead = state_lead.user
    v1 = services.vision_draft_start(actor=lead, title="Vision")
    services.vision_section_save(actor=lead, version=v1, heading="Tools", body="Use <b>safe</b> tools.")
    services.vision_publish(actor=lead, version=v1)
    v2 = services.vision_draft_start(actor=lead)
    services.vision_section_save(actor=lead, version=v2, section=v2.sections.get(),
                                 heading="Tools", body="Use <script>alert(1)</script> tools.")
    change = compare_versions(v1, v2)[0]
    assert "<script>" not in change.after_html and "&lt;script&gt;" in change.after_html
    page = client_for(state_lead).get(reverse("vision:compare"), {"before": 1, "after": 2}).content.decode()
    assert "<script>alert" not in page


def test_public_comments_are_rate_limited_per_sender(first_version, state_lead):
    version = services.vision_open_for_comment(actor=state_lead.user, version=first_version, closes=tomorrow())
    for n in range(services.PUBLIC_COMMENTS_PER_HOUR):
        services.vision_comment_add(actor=None, version=version, body=f"Comment {n}", sender="same")
    with pytest.raises(ValidationError):
        services.vision_comment_add(actor=None, version=version, body="One too many", sender="same")
    services.vision_comment_add(actor=None, version=version, body="Another sender", sender="other")
    assert VisionComment.objects.count() == services.PUBLIC_COMMENTS_PER_HOUR + 1


def test_comments_need_a_version_open_for_comment(first_version, teacher):
    with pytest.raises(ValidationError):
        services.vision_comment_add(actor=teacher.user, version=first_version, body="Too early")


def test_opening_needs_a_closing_day_after_today(first_version, state_lead):
    with pytest.raises(ValidationError):
        services.vision_open_for_comment(actor=state_lead.user, version=first_version,
                                         closes=timezone.localdate())


@pytest.mark.parametrize("who", ["state_analyst", "district_lead", "teacher", "outsider"])
def test_only_the_state_lead_drafts_moderates_answers_and_publishes(request, first_version, state_lead, who):
    version = services.vision_open_for_comment(actor=state_lead.user, version=first_version, closes=tomorrow())
    comment = services.vision_comment_add(actor=None, version=version, body="Hello", sender="x")
    person = request.getfixturevalue(who).user
    before = snapshot()
    for attempt in (
        lambda: services.vision_draft_start(actor=person),
        lambda: services.vision_section_save(actor=person, version=version, heading="Mine", body="Mine"),
        lambda: services.vision_section_remove(actor=person, section=version.sections.first()),
        lambda: services.vision_comment_moderate(actor=person, comment=comment, show=True),
        lambda: services.vision_comment_answer(actor=person, comment=comment, answer="No"),
        lambda: services.vision_publish(actor=person, version=version),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert snapshot() == before


# Pages ----------------------------------------------------------------------------------------

def test_state_lead_drafts_in_the_pages_and_a_bad_form_keeps_the_text(state_lead, tree):
    client = client_for(state_lead)
    response = client.post(reverse("vision:start"))
    version = VisionVersion.objects.get()
    assert response["Location"] == reverse("vision:version", args=[version.number])
    url = reverse("vision:edit", args=[version.number])
    client.post(url, {"action": "new_section", "new-heading": "Human judgment first", "new-body": "Teachers decide."})
    assert version.sections.get().heading == "Human judgment first"
    response = client.post(url, {"action": "new_section", "new-heading": "", "new-body": "Kept text here"})
    assert response.status_code == 200 and "Kept text here" in response.content.decode()
    assert version.sections.count() == 1
    client.post(url, {"action": "open", "comment_closes": tomorrow().isoformat()})
    version.refresh_from_db()
    assert version.status == "comment"


def test_staff_comment_and_the_state_answers_in_the_pages(first_version, state_lead, teacher):
    services.vision_open_for_comment(actor=state_lead.user, version=first_version, closes=tomorrow())
    response = client_for(teacher).post(reverse("vision:comment", args=[1]), {"body": "Name the coaches."})
    assert response.status_code == 302
    comment = VisionComment.objects.get()
    assert (comment.status, comment.author) == ("shown", teacher.user)
    client_for(state_lead).post(reverse("vision:moderate", args=[1, comment.pk]), {"answer": "Done in 2."})
    comment.refresh_from_db()
    assert comment.answer == "Done in 2."
    page = client_for(teacher).get(reverse("vision:version", args=[1])).content.decode()
    assert "Name the coaches." in page and "Done in 2." in page


@pytest.mark.parametrize("who", ["state_analyst", "district_lead", "teacher", "outsider"])
def test_editing_pages_are_refused_to_all_but_the_state_lead(request, first_version, who):
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    assert client.post(reverse("vision:start")).status_code == 403
    url = reverse("vision:edit", args=[first_version.number])
    assert client.post(url, {"action": "publish"}).status_code in (403, 404)
    assert client.post(url, {"action": "new_section", "new-heading": "X", "new-body": "Y"}).status_code in (403, 404)
    assert snapshot() == before


@pytest.mark.parametrize("who,status", [("state_analyst", 200), ("district_lead", 404), ("teacher", 404),
                                        ("outsider", 404)])
def test_a_draft_is_seen_only_by_state_staff_until_it_opens(request, first_version, who, status):
    assert client_for(request.getfixturevalue(who)).get(
        reverse("vision:version", args=[first_version.number])).status_code == status


def test_pending_public_comments_are_seen_only_by_the_state_lead(first_version, state_lead, district_lead):
    version = services.vision_open_for_comment(actor=state_lead.user, version=first_version, closes=tomorrow())
    services.vision_comment_add(actor=None, version=version, body="Unmoderated words", sender="p")
    assert "Unmoderated words" in client_for(state_lead).get(reverse("vision:version", args=[1])).content.decode()
    assert "Unmoderated words" not in client_for(district_lead).get(
        reverse("vision:version", args=[1])).content.decode()
