"""Every API router and the prefix it is mounted at under /api/v1 (one list, easy to review)."""

from __future__ import annotations

from ninja import Router

from mallops.accounts.api import merchant_router as merchant_staff_router
from mallops.accounts.api import router as identity_router
from mallops.compliance.api import router as compliance_router
from mallops.core.api_system import router as system_router
from mallops.pricing.api import router as pricing_router

ROUTERS: list[tuple[str, Router]] = [
    ("/system", system_router),
    ("", identity_router),
    ("/merchant", merchant_staff_router),
    ("/compliance", compliance_router),
    ("/pricing", pricing_router),
]
