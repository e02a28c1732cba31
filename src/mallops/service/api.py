"""HTTP API of the service app (django-ninja router mounted in mallops.routers)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service"])
