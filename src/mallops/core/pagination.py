"""The one pagination of the API (docs/api.md): ``limit`` 1..500 (default 50), ``offset`` 0..10,000,000.

django-ninja's own limit/offset class leaves the offset unbounded, which a client can push past what a
database accepts (a 500 instead of a 422). Every list endpoint uses this class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, paginate

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# ---------------------------------------------------------------- lists answered from plain rows
#
# A long list rendered through django-ninja's output validation costs a DjangoGetter look-up per field per
# row (about 20 ms for 50 orders with their lines). A selector that already builds the response shape as
# plain dicts (``.values()``, a fixed number of queries) can answer through ``paginate_rows`` instead: the
# same ``limit``/``offset`` parameters and the same ``{"items", "count"}`` schema in the OpenAPI document,
# rendered by the API's own JSON renderer without re-validation. The selector's rows must have the item
# schema's keys in its field order (each use has a test comparing them with the schema).


@dataclass(frozen=True)
class PageRows:
    """What a ``paginate_rows`` view returns: the scoped, ordered queryset and how a page becomes rows."""

    queryset: QuerySet[Any]
    rows: Callable[[QuerySet[Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class FixedPage:
    """What a ``paginate_rows`` view may return instead of ``PageRows``: a read whose SQL is compiled once
    per process (``core.fixedsql``). ``rows(offset, limit)`` is the page's rows, ``count()`` all of them."""

    rows: Callable[[int, int], list[dict[str, Any]]]
    count: Callable[[], int]


class _RowsPagination(Pagination):
    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        offset, limit = pagination.offset, pagination.limit
        if isinstance(queryset, FixedPage):
            return {"items": queryset.rows(offset, limit), "count": queryset.count()}
        assert isinstance(queryset, PageRows), "a paginate_rows view returns PageRows or FixedPage"
        return {
            "items": queryset.rows(queryset.queryset[offset : offset + limit]),
            "count": queryset.queryset.count(),
        }


def rows_response(request: HttpRequest, data: Any) -> HttpResponse:
    """``data`` (already the response schema's dump) rendered by the API's JSON renderer, without
    django-ninja's second validation pass; the operation keeps its ``response=`` schema for OpenAPI."""
    from mallops.core.api import Utf8Renderer

    renderer = Utf8Renderer()
    content_type = f"{renderer.media_type}; charset={renderer.charset}"
    return HttpResponse(renderer.render(request, data, response_status=200), content_type=content_type)


def paginate_rows(func: Callable[..., PageRows | FixedPage]) -> Callable[..., HttpResponse]:
    """``@paginate(Pagination)`` for a view returning ``PageRows`` (or ``FixedPage``); answers the rendered JSON directly."""
    paged = paginate(_RowsPagination)(func)

    @wraps(paged)
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return rows_response(request, paged(request, **kwargs))

    return view
