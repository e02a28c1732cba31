"""The search index: jieba segmentation, index writes and full-text matching (SQLite FTS5 or PostgreSQL
``to_tsvector('simple', …)`` over the same segmented text). Docs: docs/storefront.md."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.db import connection

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _clean(tokens: Any) -> list[str]:
    out = []
    for token in tokens:
        word = unicodedata.normalize("NFKC", token).strip().lower()
        if word and _WORD.search(word):
            out.append(word)
    return out


def segment_document(text: str) -> str:
    """Index text: the search-engine cut (long words and their parts), space-separated."""
    return " ".join(_clean(_jieba().cut_for_search(text)))


def segment_query(text: str) -> list[str]:
    """Query words: the precise cut, each word once, in order."""
    return list(dict.fromkeys(_clean(_jieba().cut(text))))[:12]


def index_write(doc_id: int, tokens: str) -> None:
    """Put the doc's tokens into the SQLite FTS5 table (PostgreSQL indexes the column itself)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM storefront_search_fts WHERE rowid = %s", [doc_id])
        cursor.execute("INSERT INTO storefront_search_fts (rowid, tokens) VALUES (%s, %s)", [doc_id, tokens])


def index_delete(doc_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM storefront_search_fts WHERE rowid = %s", [doc_id])


def match(words: list[str], limit: int = 500) -> dict[int, float]:
    """Doc id → relevance in (0, 1] (1.0 for the best match) of the docs containing every word."""
    if not words:
        return {}
    if connection.vendor == "sqlite":
        expression = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        sql = (
            "SELECT rowid, bm25(storefront_search_fts) FROM storefront_search_fts "
            "WHERE storefront_search_fts MATCH %s ORDER BY bm25(storefront_search_fts) LIMIT %s"
        )
        params: list[Any] = [expression, limit]
    else:
        sql = (
            "SELECT id, ts_rank(to_tsvector('simple', tokens), plainto_tsquery('simple', %s)) AS r "
            "FROM storefront_searchdoc WHERE to_tsvector('simple', tokens) @@ plainto_tsquery('simple', %s) "
            "ORDER BY r DESC LIMIT %s"
        )
        params = [" ".join(words), " ".join(words), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(int(doc_id), float(value)) for doc_id, value in cursor.fetchall()]
    if not rows:
        return {}
    # the best match gets 1.0, the others their share of it (bm25 is negative and lower is better, so the
    # ratio works for both engines)
    best = rows[0][1]
    return {doc_id: (value / best if best else 1.0) for doc_id, value in rows}
