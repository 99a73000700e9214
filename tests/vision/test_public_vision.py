"""The vision's public pages: the published plan and the draft open for comment, in English and
Spanish; comments without an account wait for moderation; spam and oversized input change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.vision.test_vision import first_version, snapshot, tomorrow  # noqa: F401 - a fixture
from trellis.vision import services
from trellis.vision.models import VisionComment, VisionVersion

__all__ = ["first_version"]


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


@pytest.fixture
def open_draft(first_version: VisionVersion, state_lead: Any) -> VisionVersion:  # noqa: F811
    return services.vision_open_for_comment(actor=state_lead.user, version=first_version, closes=tomorrow())


def post_comment(client: Client, version: VisionVersion, language: str = "en", **fields: Any) -> Any:
    data = {"body": "Please say how families are told.", "section": "", "display_name": "Ana", "website": "",
            **fields}
    return client.post(url("public-vision-draft", language), data, REMOTE_ADDR="203.0.113.7")


def test_nothing_is_public_before_there_is_a_vision(first_version):  # noqa: F811
    client = Client()
    assert client.get(url("public-vision")).status_code == 404
    assert client.get(url("public-vision-draft")).status_code == 404  # a draft not open for comment
    page = client.get(url("public-vision", "es"))
    assert page.status_code == 404 and "No encontramos esa página" in page.content.decode()


def test_a_parent_comments_without_an_account_and_sees_it_once_moderated(open_draft, state_lead):
    client = Client()
    page = client.get(url("public-vision")).content.decode()
    assert "A new version is open for your comments" in page and "Human judgment first" not in page
    page = client.get(url("public-vision-draft")).content.decode()
    assert "Human judgment first" in page and "Teachers decide. AI suggests." in page
    response = post_comment(client, open_draft)
    assert response.status_code == 302 and response["Location"].endswith("?sent=1#comments")
    comment = VisionComment.objects.get()
    assert (comment.status, comment.author, comment.display_name) == ("pending", None, "Ana")
    assert comment.sender and "203.0.113.7" not in comment.sender
    page = client.get(response["Location"]).content.decode()
    assert "The state reads every comment" in page and "Please say how families are told." not in page
    services.vision_comment_moderate(actor=state_lead.user, comment=comment, show=True)
    services.vision_comment_answer(actor=state_lead.user, comment=comment, answer="Section 3 says so.")
    page = client.get(url("public-vision-draft", "es")).content.decode()
    assert "Please say how families are told." in page and "Section 3 says so." in page
    assert "Respuesta del estado:" in page and "Escriba su comentario" in page and 'lang="es"' in page
    services.vision_publish(actor=state_lead.user, version=open_draft)
    page = client.get(url("public-vision", "es")).content.decode()
    assert "El plan del estado para la IA en las aulas" in page and "Human judgment first" in page
    assert "Versión 1, publicada el" in page and "Please say how families are told." in page
    assert client.get(url("public-vision-draft")).status_code == 404  # nothing open for comment now


def test_the_honeypot_turns_a_bot_away_and_changes_nothing(open_draft):
    before = snapshot()
    response = post_comment(Client(), open_draft, website="http://spam.example")
    assert response.status_code == 400
    assert snapshot() == before


def test_an_oversized_comment_is_refused_keeping_nothing(open_draft):
    before = snapshot()
    response = post_comment(Client(), open_draft, body="x" * 3001)
    assert response.status_code == 400 and "at most 3000 characters" in response.content.decode()
    response = post_comment(Client(), open_draft, "es", body="x" * 30_000)
    assert response.status_code == 400 and "Su comentario es demasiado largo" in response.content.decode()
    assert snapshot() == before


def test_a_flood_from_one_sender_is_refused_in_the_page_language(open_draft):
    client = Client()
    for n in range(services.PUBLIC_COMMENTS_PER_HOUR):
        assert post_comment(client, open_draft, body=f"Comment {n}").status_code == 302
    before = snapshot()
    response = post_comment(client, open_draft, "es", body="One more")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ha enviado varios comentarios en la última hora" in page and "One more" in page  # kept as typed
    assert snapshot() == before


@pytest.mark.parametrize("who", ["teacher", "district_lead", "state_analyst", "outsider"])
def test_signed_in_people_comment_on_the_public_page_as_the_public(request, open_draft, who):
    """The public form never makes a signed-in comment: it is moderated like any other."""
    from tests.vision.test_vision import client_for

    response = post_comment(client_for(request.getfixturevalue(who)), open_draft)
    assert response.status_code == 302
    assert VisionComment.objects.get().status == "pending" and VisionComment.objects.get().author is None
