"""The commons' public pages: search, facets, items and similar items, in English and Spanish,
with nothing unpublished, for anyone; and the public error pages in the page's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.commons.test_search import corpus  # noqa: F401 - a fixture
from tests.commons.test_workflow import client_for
from trellis.commons.competencies import area_ids
from trellis.commons.models import CommonsItem
from trellis.tools.public import server_error

__all__ = ["corpus"]


def url(name: str, *args: Any, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def test_the_public_finds_published_items_by_words_and_facets(corpus):  # noqa: F811
    client = Client()
    page = client.get(url("public-commons"), {"q": "math tutors"})
    titles = [i.title for i in page.context["result"].items]
    assert titles[0] == "Math coaching with AI tutors" and "Unreviewed idea about math tutors" not in titles
    page = client.get(url("public-commons"), {"q": "AI", "subject": "math", "grade_band": "6_8"})
    assert [i.title for i in page.context["result"].items] == ["Math coaching with AI tutors"]
    page = client.get(url("public-commons"), {"competency": area_ids("AI-CFT.2")})
    assert {i.title for i in page.context["result"].items} == {"Writing feedback community", "Bias detective lesson"}


def test_the_spanish_page_translates_its_words_and_labels(corpus):  # noqa: F811
    page = Client().get(url("public-commons", language="es"), {"q": "coaching"}).content.decode()
    assert "Lo que funciona: ideas que comparten nuestras escuelas" in page
    assert "Filtrar los resultados" in page and "Ciclo de acompañamiento" in page and "Materia" in page
    assert 'ideas para “coaching”' in page and 'lang="en"' in page  # items keep the language they were written in
    item = corpus["Math coaching with AI tutors"]
    page = Client().get(url("public-commons-item", item.pk, language="es")).content.decode()
    assert "Cómo funciona" in page and "Pedagogía con IA" in page and "Ideas parecidas" in page


def test_an_item_page_shows_similar_items(corpus):  # noqa: F811
    item = corpus["Math coaching with AI tutors"]
    page = Client().get(url("public-commons-item", item.pk))
    assert page.status_code == 200
    assert "Math practice with a human check" in [o.title for o in page.context["similar"]]


@pytest.mark.parametrize("who", [None, "teacher", "district_lead", "state_lead", "outsider"])
def test_unpublished_items_are_not_there_for_anyone(request, corpus, who):  # noqa: F811
    """The public pages show published items only, whoever is signed in (the state lead reviews
    drafts on the staff pages)."""
    client = client_for(request.getfixturevalue(who)) if who else Client()
    draft = corpus["Unreviewed idea about math tutors"]
    before = list(CommonsItem.objects.values_list("pk", "status", "adoptions").order_by("pk"))
    assert client.get(url("public-commons-item", draft.pk)).status_code == 404
    assert client.get(url("public-commons-item", draft.pk, language="es")).status_code == 404
    assert draft not in client.get(url("public-commons"), {"q": "unreviewed"}).context["result"].items
    assert list(CommonsItem.objects.values_list("pk", "status", "adoptions").order_by("pk")) == before


def test_query_syntax_is_read_as_words(corpus):  # noqa: F811
    client = Client()
    for query in ['math" OR "x', "'; DROP TABLE commons_commonsitem; --", "tutors*", "NEAR(math tutors)",
                  "a" * 5000]:
        assert client.get(url("public-commons"), {"q": query}).status_code == 200
    assert CommonsItem.objects.count() == 8


def test_error_pages_speak_the_page_language(db):
    client = Client()
    page = client.get("/es/public/no-such-page/")
    assert page.status_code == 404 and "No encontramos esa página" in page.content.decode()
    assert 'lang="es"' in page.content.decode()
    page = client.get("/public/no-such-page/")
    assert page.status_code == 404 and "We cannot find that page" in page.content.decode()
    page = client.get("/no-such-staff-page/")
    assert page.status_code == 404 and "Sign in" in page.content.decode()  # the staff page, signed out
    with translation.override("es"):
        response = server_error(RequestFactory().get("/es/public/commons/"))
    assert response.status_code == 500 and "Algo salió mal de nuestro lado" in response.content.decode()
    with translation.override("es"):
        from trellis.tools.public import permission_denied

        response = permission_denied(RequestFactory().get("/es/public/"), PermissionError())
    assert response.status_code == 403 and "No puede abrir esta página" in response.content.decode()
