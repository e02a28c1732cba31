"""Console pages of the compliance self-inspection, mounted under /compliance/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.compliance import views

app_name = "compliance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/start", views.inspection_start, name="start"),
    path("inspections/<int:inspection_id>/", views.inspection, name="inspection"),
    path("inspections/<int:inspection_id>/export.xlsx", views.inspection_export, name="export"),
    path("inspections/<int:inspection_id>/print", views.inspection_print, name="print"),
    path("inspections/<int:inspection_id>/report.pdf", views.inspection_pdf, name="pdf"),
    path("inspections/<int:inspection_id>/<slug:action>", views.inspection_action, name="action"),
    path("findings/<int:finding_id>/<slug:action>", views.finding_action, name="finding_action"),
]
