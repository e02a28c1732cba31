from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from mallops.core.api import build_api
from mallops.core.health import healthz, readyz
from mallops.routers import ROUTERS

api = build_api()
for prefix, router in ROUTERS:
    api.add_router(prefix, router)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("mallops.console.urls")),
]
