"""Japanese-aware search on top of Wagtail's database search backend.

Wagtail's database backend (SQLite FTS5 and PostgreSQL full text alike) splits text on spaces
and punctuation, so a run of Japanese such as 「地域防災リーダー養成講座」 is a single token and
a search for 防災 finds nothing.  We index an extra field of character n-grams for every run of
CJK characters (unigrams and bigrams) and turn the query into the same n-grams, all of which
must match.  Latin words are kept whole, so "NPO" and "Kobe" behave as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import strip_tags

_CJK_RUN = re.compile(r"[\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w+")


def _normalise(text: str) -> str:
    # NFKC folds full-width Latin and half-width katakana so ＮＰＯ finds NPO and ｶﾀｶﾅ finds カタカナ.
    return unicodedata.normalize("NFKC", text or "").lower()


def _ngrams(run: str, sizes: Iterable[int]) -> list[str]:
    return [run[i : i + n] for n in sizes for i in range(len(run) - n + 1)]


def ngram_text(*texts: str) -> str:
    """The text to index: every CJK run as unigrams and bigrams, other words unchanged."""
    tokens: list[str] = []
    for text in texts:
        text = _normalise(strip_tags(text or ""))
        for run in _CJK_RUN.findall(text):
            tokens.extend(_ngrams(run, (1, 2)))
        tokens.extend(_WORD.findall(_CJK_RUN.sub(" ", text)))
    return " ".join(tokens)


def ngram_query(query: str) -> str:
    """The query to send: bigrams of each CJK run (a single character stays a unigram)."""
    text = _normalise(query)
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        tokens.extend(_ngrams(run, (2,)) if len(run) > 1 else [run])
    tokens.extend(_WORD.findall(_CJK_RUN.sub(" ", text)))
    # Deduplicate while keeping order: repeated bigrams add nothing to an AND query.
    return " ".join(dict.fromkeys(tokens))


def ngram_matching_ids(queryset, query: str) -> list[int]:
    """Primary keys of the rows of ``queryset`` that match every n-gram of ``query``.  Search
    results are not a queryset to filter further, so lists that combine a keyword with other
    filters take these ids."""
    terms = ngram_query(query)
    if not terms:
        return []
    from wagtail.search.backends import get_search_backend

    # Only the keys: whole rows (a course page's body), or the search vector PostgreSQL's
    # backend selects with them, cost more to send than the search itself.
    results = get_search_backend().search(
        terms, queryset.only("pk"), operator="and", order_by_relevance=False
    )
    return list(results.get_queryset().values_list("pk", flat=True))


def streamfield_text(value) -> str:
    """All text inside a StreamField value (headings, paragraphs, captions), without rendering."""
    raw = getattr(value, "raw_data", value)
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            parts.append(strip_tags(node))
        elif isinstance(node, dict):
            for key, item in node.items():
                if key not in {"id", "type"}:
                    walk(item)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif hasattr(node, "raw_data"):
            walk(node.raw_data)

    walk(list(raw) if raw is not None else [])
    return " ".join(part for part in parts if part.strip())
