"""Assisted service (R5.4.2) and frequent-problem detection (R5.3.1) with TF-IDF on character n-grams.

Chinese text has no spaces, so documents are compared on character 1-3-grams (``analyzer="char_wb"``),
weighted by TF-IDF and matched by cosine similarity. The library matrix is rebuilt only when the reply
library changes (count and last update form the cache key).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Max
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from mallops.service.models import Category, ReplyTemplate, Ticket

_lock = threading.Lock()
_library: dict[str, Any] = {}


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)


def ticket_text(ticket: Ticket) -> str:
    return f"{ticket.subject} {ticket.description}"


def _library_index() -> tuple[TfidfVectorizer, Any, list[ReplyTemplate]] | None:
    stats = ReplyTemplate.objects.filter(is_active=True).aggregate(n=Count("id"), latest=Max("updated_at"))
    key = f"{stats['n']}:{stats['latest']}"
    with _lock:
        if _library.get("key") == key:
            return _library["index"]  # type: ignore[no-any-return]
    templates = list(ReplyTemplate.objects.filter(is_active=True).order_by("pk"))
    index = None
    if templates:
        vectorizer = _vectorizer()
        matrix = vectorizer.fit_transform(
            [f"{t.title} {t.keywords} {t.keywords} {t.body}" for t in templates]
        )
        index = (vectorizer, matrix, templates)
    with _lock:
        _library.update(key=key, index=index)
    return index


@dataclass(frozen=True)
class Suggestion:
    template_id: int
    title: str
    body: str
    category: str
    score: float


def suggest(text: str, *, limit: int = 3, minimum: float = 0.05) -> list[Suggestion]:
    """The library replies closest to ``text``, best first (none when nothing is similar)."""
    index = _library_index()
    if index is None or not text.strip():
        return []
    vectorizer, matrix, templates = index
    scores = (matrix @ vectorizer.transform([text]).T).toarray().ravel()
    order = np.argsort(-scores, kind="stable")[:limit]
    return [
        Suggestion(
            templates[i].pk, templates[i].title, templates[i].body, templates[i].category, float(scores[i])
        )
        for i in order
        if scores[i] >= minimum
    ]


def suggest_for_ticket(ticket: Ticket, *, limit: int = 3) -> list[Suggestion]:
    """Suggestions for one ticket with the reply variables ({买家昵称}, {订单号}, ...) filled from it."""
    from mallops.service.configuration import fill_variables

    return [
        Suggestion(s.template_id, s.title, fill_variables(s.body, ticket), s.category, s.score)
        for s in suggest(ticket_text(ticket), limit=limit)
    ]


def predict_category(text: str) -> str | None:
    """Routing by prediction: the category of the best-matching library reply, if any matches."""
    for suggestion in suggest(text, limit=5, minimum=0.12):
        if suggestion.category:
            return suggestion.category
    return None


@dataclass(frozen=True)
class Group:
    ticket_ids: list[int]
    label: str
    category: str
    signature: str


def find_groups(tickets: list[Ticket], *, threshold: float = 0.45, min_size: int = 3) -> list[Group]:
    """Groups of similar tickets (connected components of the cosine-similarity graph), largest first."""
    if len(tickets) < min_size:
        return []
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=2)
    try:
        matrix = vectorizer.fit_transform([ticket_text(t) for t in tickets])
    except ValueError:
        return []
    similarity = (matrix @ matrix.T).tocsr()
    similarity.data[similarity.data < threshold] = 0
    similarity.eliminate_zeros()
    n_groups, labels = connected_components(similarity, directed=False)
    groups = []
    for label in range(n_groups):
        members = [i for i in range(len(tickets)) if labels[i] == label]
        if len(members) < min_size:
            continue
        centroid = np.asarray(matrix[members].mean(axis=0)).ravel()
        closest = max(members, key=lambda i: float(matrix[i].toarray().ravel() @ centroid))
        ids = sorted(tickets[i].pk for i in members)
        category = Counter(tickets[i].category for i in members).most_common(1)[0][0]
        signature = hashlib.sha256(tickets[closest].subject.encode()).hexdigest()[:32]
        groups.append(Group(ids, tickets[closest].subject, category, signature))
    groups.sort(key=lambda g: (-len(g.ticket_ids), g.label))
    return groups


CATEGORY_VALUES = {c.value for c in Category}
