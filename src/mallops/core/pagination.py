"""The one pagination of the API (docs/api.md): ``limit`` 1..500 (default 50), ``offset`` 0..10,000,000.

django-ninja's own limit/offset class leaves the offset unbounded, which a client can push past what a
database accepts (a 500 instead of a 422). Every list endpoint uses this class.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
