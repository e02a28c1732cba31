"""Every API router and the prefix it is mounted at under /api/v1 (one list, easy to review)."""

from __future__ import annotations

from ninja import Router

from mallops.core.api_system import router as system_router

ROUTERS: list[tuple[str, Router]] = [
    ("/system", system_router),
]
