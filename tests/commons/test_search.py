"""Search over published items: the database's full-text match, BM25 ranking, facets, similar items."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trellis.commons import index
from trellis.commons.competencies import area_ids
from trellis.commons.demo import AREA_CODES
from trellis.commons.models import CommonsItem, CommonsTerm
from trellis.commons.selectors import commons_search, similar_items
from trellis.commons.services import commons_item_create, commons_item_publish, commons_items_publish_many
from trellis.commons.text import query_terms
from trellis.core.models import AuditEvent

ITEMS = [
    # title, summary, description, format, subject, grade band, competencies
    ("Math coaching with AI tutors", "Coaches help math teachers use AI tutors.",
     "A coaching cycle on AI tutors in math class, with observation.", "coaching", "math", "6_8",
     ["pedagogy"]),
    ("Writing feedback community", "Teachers compare AI feedback on writing.",
     "A professional learning community on AI feedback for student writing in English class.", "plc", "ela",
     "9_12", ["pedagogy", "ethics"]),
    ("AI foundations course", "What AI is and how it fails.",
     "Four sessions on AI foundations, bias and privacy for new teachers.", "course", "all", "all",
     ["foundations"]),
    ("Bias detective lesson", "Students audit a chatbot for bias.",
     "Students compare chatbot answers about communities to find bias; a lesson on fairness.", "",
     "social_studies", "9_12", ["ethics"]),
    ("Coaching network for rural districts", "Regional coaches shared across districts.",
     "Two coaches serve nine rural districts with coaching cycles and office hours on AI.", "coaching",
     "all", "all", ["professional_learning"]),
    ("Family night on AI and homework", "An evening for families about AI.",
     "Teachers and families talk about AI, homework and the school's guidelines, in English and Spanish.",
     "workshop", "all", "all", ["human_centred"]),
    ("Math practice with a human check", "An AI tutor for math practice, checked by the teacher.",
     "Students practise math with an AI tutor; teachers review uncertain hints and track overrides.",
     "", "math", "3_5", ["pedagogy", "human_centred"]),
    ("Unreviewed idea about math tutors", "Not published.", "Math tutors math tutors math tutors.",
     "workshop", "math", "all", []),
]


@pytest.fixture
def corpus(state_lead: Any, teacher: Any, tree: Any) -> dict[str, CommonsItem]:
    items = {}
    for title, summary, description, fmt, subject, grades, areas in ITEMS:
        item = commons_item_create(actor=teacher.user, submit=True, fields={
            "kind": "pl_model" if fmt else "practice", "title": title, "summary": summary, "description": description,
            "served": "Teachers in one school", "format": fmt, "subject": subject, "grade_band": grades,
            "competencies": area_ids(*(AREA_CODES[a] for a in areas)),
        })
        if not title.startswith("Unreviewed"):
            item = commons_item_publish(actor=state_lead.user, item=item)
        items[title] = item
    return items


def reference_bm25(items: list[CommonsItem], query: str) -> list[str]:
    """BM25 written out on the items' own text, independently of the index: titles of matching
    items, best first, ties to the item added later."""
    docs = {item.title: Counter(index.item_terms(item)) for item in items}
    lengths = {title: sum(counts.values()) for title, counts in docs.items()}
    average = sum(lengths.values()) / len(lengths)
    terms = query_terms(query)
    matching = [title for title, counts in docs.items() if all(counts[t] for t in terms)]
    scores = {}
    for title in matching:
        score = 0.0
        for term in terms:
            df = sum(1 for counts in docs.values() if counts[term])
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            f = docs[title][term]
            score += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * lengths[title] / average))
        scores[title] = round(score, 9)
    order = {item.title: item.pk for item in items}
    return sorted(matching, key=lambda t: (-scores[t], -order[t]))


@pytest.mark.parametrize("query", ["math", "AI tutors", "coaching", "bias", "coaching cycles rural", "Spanish",
                                   "families homework", "the", "tutor math practice"])
def test_ranking_is_bm25_over_published_items(corpus, query):
    published = [item for item in CommonsItem.objects.filter(status="published")]
    expected = reference_bm25(published, query)
    result = commons_search(query=query)
    assert [item.title for item in result.items] == expected[:10]
    assert result.total == (len(expected) if query_terms(query) else len(published))


def test_known_answers(corpus):
    # "tutors" is in the first item's title, which counts three times.
    assert [i.title for i in commons_search(query="math tutor").items] == [
        "Math coaching with AI tutors", "Math practice with a human check"]
    assert commons_search(query="rural").items == [corpus["Coaching network for rural districts"]]
    assert commons_search(query="nothing-like-this").total == 0


@pytest.mark.parametrize("query", ['math" OR "1"="1', "math*", "NOT math", "math) OR (bias", "'; DROP TABLE x; --",
                                   "NEAR(math tutor)", "title:math", "math & bias | ai"])
def test_query_syntax_is_searched_as_text(corpus, query):
    result = commons_search(query=query)
    published = list(CommonsItem.objects.filter(status="published"))
    assert [i.title for i in result.items] == reference_bm25(published, query)[:10]


def test_unpublished_items_are_never_found(corpus):
    titles = {i.title for i in commons_search(query="math tutors").items}
    assert "Unreviewed idea about math tutors" not in titles
    assert "Unreviewed idea about math tutors" not in {i.title for i in commons_search().items}


def test_facets_narrow_and_count(corpus):
    result = commons_search(query="AI", filters={"subject": ["math"]})
    assert {i.title for i in result.items} == {"Math coaching with AI tutors", "Math practice with a human check"}
    counts = {o.value: o.count for o in result.facets["grade_band"]}
    assert counts["6_8"] == 1 and counts["3_5"] == 1 and counts["9_12"] == 0
    by_competency = commons_search(filters={"competency": area_ids("AI-CFT.2")})
    assert {i.title for i in by_competency.items} == {"Writing feedback community", "Bias detective lesson"}
    two_formats = commons_search(filters={"format": ["plc", "workshop"]})
    assert {i.title for i in two_formats.items} == {"Writing feedback community", "Family night on AI and homework"}
    poverty = {o.value: o.count for o in commons_search().facets["poverty"]}
    assert poverty["4"] == 7  # every item came from the tree's high-poverty district's school


def test_browsing_without_a_query_is_newest_first(corpus):
    titles = [i.title for i in commons_search().items]
    assert titles == [t[0] for t in reversed(ITEMS) if not t[0].startswith("Unreviewed")]


def test_similar_items_share_distinctive_words(corpus):
    similar = [i.title for i in similar_items(corpus["Math coaching with AI tutors"])]
    assert similar[0] == "Math practice with a human check"
    assert "Unreviewed idea about math tutors" not in similar
    assert similar_items(corpus["Unreviewed idea about math tutors"]) == []


def test_rebuilding_the_index_gives_the_same_results(corpus):
    from trellis.commons.index import reindex_all

    queries = ["math", "AI tutors", "coaching cycles rural", "bias"]
    before = {q: [i.pk for i in commons_search(query=q).items] for q in queries}
    terms_before = sorted(CommonsItem.objects.values_list("pk", "search_text", "term_total"))
    assert reindex_all(batch=3) == 7
    assert {q: [i.pk for i in commons_search(query=q).items] for q in queries} == before
    assert sorted(CommonsItem.objects.values_list("pk", "search_text", "term_total")) == terms_before


def entries_for(teacher: Any) -> list[tuple[Any, dict[str, Any]]]:
    return [(teacher.user, {
        "kind": "pl_model" if fmt else "practice", "title": title, "summary": summary, "description": description,
        "served": "Teachers in one school", "format": fmt, "subject": subject, "grade_band": grades,
        "competencies": area_ids(*(AREA_CODES[a] for a in areas)),
    }) for title, summary, description, fmt, subject, grades, areas in ITEMS if not title.startswith("Unreviewed")]


def test_publishing_many_at_once_indexes_and_ranks_as_publishing_one_by_one(state_lead, teacher, tree, corpus):
    one_by_one = {i.title: (i.search_text, i.term_total, i.locale, i.poverty_quartile)
                  for i in CommonsItem.objects.filter(status="published")}
    queries = ["math", "AI tutors", "coaching cycles rural", "bias", "families homework"]
    before = {q: [i.title for i in commons_search(query=q).items] for q in queries}
    CommonsItem.objects.all().delete()

    assert commons_items_publish_many(actor=state_lead.user, entries=entries_for(teacher), batch=3) == 7
    published = list(CommonsItem.objects.filter(status="published"))
    assert {i.title: (i.search_text, i.term_total, i.locale, i.poverty_quartile) for i in published} == one_by_one
    for query in queries:
        titles = [i.title for i in commons_search(query=query).items]
        assert titles == reference_bm25(published, query)[:10]
        assert sorted(titles) == sorted(before[query])
    assert CommonsTerm.objects.count() == sum(len(set(index.item_terms(i))) for i in published)
    event = AuditEvent.objects.get(action="commons.publish_many")
    assert (event.actor_id, event.details) == (state_lead.user.pk, {"items": 7})


def index_snapshot() -> tuple[Any, ...]:
    return (list(CommonsItem.objects.values_list("pk", "status", "search_text").order_by("pk")),
            CommonsTerm.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("actor", ["district_lead", "teacher", "outsider"])
def test_only_the_state_lead_publishes_many(request, actor, teacher, tree):
    person, entries = request.getfixturevalue(actor), entries_for(teacher)
    before = index_snapshot()
    with pytest.raises(PermissionDenied):
        commons_items_publish_many(actor=person.user, entries=entries)
    assert index_snapshot() == before
    assert commons_search(query="math").total == 0


def test_a_bad_item_publishes_none_of_the_load(state_lead, teacher, tree):
    entries = entries_for(teacher)
    entries.append((teacher.user, {**entries[0][1], "kind": "practice", "format": "plc"}))
    before = index_snapshot()
    with pytest.raises(ValidationError):
        commons_items_publish_many(actor=state_lead.user, entries=entries, batch=3)
    assert index_snapshot() == before
    assert commons_search(query="math").total == 0
