"""HTTP API of the review app (django-ninja router mounted in mallops.routers)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["review"])
