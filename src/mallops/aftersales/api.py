"""HTTP API of the aftersales app (django-ninja router mounted in mallops.routers)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["aftersales"])
