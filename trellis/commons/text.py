"""The commons' search terms: the same words for the index on every database (plain Python).

Both databases index and match the terms this module makes, not their own: SQLite's FTS5
(``unicode61`` tokenizer) and PostgreSQL's full-text search (the ``simple`` configuration) each get
a text of lower-case, accent-free, stemmed words separated by spaces, and split it at the spaces
only. So an item matches a query on one database exactly when it matches on the other, and the
ranking (BM25, computed from the term counts kept beside the index) is the same on both.

Words are stemmed with the Snowball English stemmer ("coaching", "coaches" and "coach" are one
term) and a short list of common English and Spanish words is left out. A query goes through the
same steps, so SQL or FTS syntax typed into the search box (``NOT``, ``*``, quotes, ``OR 1=1``)
is only ever a word to look for.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")
#: Terms longer than this are cut (a pasted URL or a run of characters is not a word to rank on).
MAX_TERM = 40
STOPWORDS = frozenset(
    """a an and are as at be by for from has have in is it its of on or that the their this to was were will
    with we our you your they them i not no yes can do does how what when where who why which all any
    el la los las un una y o de del en para por con que se es su sus""".split()
)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)[:MAX_TERM]


def terms(text: str) -> list[str]:
    """The search terms of ``text``, in order, repeats kept."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has no accents to take off, and most text is ASCII
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [_stem(word) for word in _WORD.findall(folded) if word not in STOPWORDS]


def term_counts(text: str) -> Counter[str]:
    return Counter(terms(text))


def query_terms(query: str) -> list[str]:
    """A query's distinct terms, in the order typed."""
    return list(dict.fromkeys(terms(query)))
