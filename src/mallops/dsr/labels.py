"""What the console shows for data-subject-request codes (read by ``mallops.core.words``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.dsr.models import ConsentAction, LegalBasis, RequestKind, RequestStatus

FIELDS: dict[str, Any] = {
    "kind": _("Request type"),
    "escalated_at": _("Escalated at"),
    "result": _("Result"),
    "legal_basis": _("Legal basis"),
    "purpose": _("Purpose"),
    "scope": _("Scope"),
    "retention": _("Retention period"),
    "late": _("Late"),
    "export_sections": _("Exported sections"),
    "consents_withdrawn": _("Consents withdrawn"),
    "correction": _("Correction"),
    "hold_until": _("Held until"),
    "object": _("Record"),
    "code": _("Reason code"),
}

# sections of a personal-data export (dsr.requests: export_sections)
EXPORT_SECTION = {
    "profile": _("Profile"),
    "addresses": _("Addresses"),
    "orders": _("Orders"),
    "aftersales": _("After-sales"),
    "service": _("Customer service"),
    "privacy": _("Consents and requests"),
    "flash": _("Flash sales"),
    "generated_at": _("Generated at"),
    "analytics": _("Behaviour data"),
    "pricing": _("Coupons and memberships"),
    "payments": _("Payments"),
    "reviews": _("Product reviews"),
}

LABELS: dict[str, Any] = {
    "kind": RequestKind,
    "status": RequestStatus,
    "legal_basis": LegalBasis,
    "consent_action": ConsentAction,
    "export_sections": EXPORT_SECTION,
}
