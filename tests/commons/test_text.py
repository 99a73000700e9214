"""The commons' search terms, the same for the index on every database."""

from __future__ import annotations

from trellis.commons.text import query_terms, terms


def test_words_are_folded_stemmed_and_common_words_left_out() -> None:
    assert terms("Coaching the coaches: a coach's Guía for AI") == ["coach", "coach", "coach", "s", "guia", "ai"]


def test_query_syntax_is_only_words() -> None:
    assert query_terms('"coaching" OR 1=1; DROP TABLE -- NOT* NEAR(a b)') == [
        "coach", "1", "drop", "tabl", "near", "b"]
    assert query_terms("!!! *** ???") == []


def test_query_terms_are_distinct_in_the_order_typed() -> None:
    assert query_terms("math coaching Math") == ["math", "coach"]
