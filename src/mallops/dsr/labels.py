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
    "purposes": _("Purposes"),
    "current": _("Current version"),
    "policy": _("Policy version"),
    "buyer": _("Buyer"),
}

# sections of a personal-data export (dsr.requests: export_sections)
EXPORT_SECTION = {
    "accounts": _("Account and addresses"),
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


# what a correction request names (dsr.requests.CORRECTION_LABELS; accounts.profile.CORRECTABLE)
CORRECTION_FIELD: dict[str, Any] = {
    "display_name": _("Display name"),
    "phone": _("Mobile number"),
    "address.recipient": _("Recipient"),
    "address.phone": _("Recipient's phone"),
    "address.province": _("Province"),
    "address.city": _("City"),
    "address.district": _("District"),
    "address.detail": _("Street address"),
}


class _PurposeNames:
    """Purpose codes are defined by each published policy (``PrivacyPolicy.purposes``); a purpose shows the
    name its latest policy gives it. Read at most once a minute per process: a page of consents asks often."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._read_at = 0.0

    def get(self, code: str) -> str | None:
        import time

        from mallops.dsr.models import PrivacyPolicy

        if time.monotonic() - self._read_at > 60:
            names: dict[str, str] = {}
            for policy in PrivacyPolicy.objects.order_by("published_at"):
                for purpose in policy.purposes or []:
                    if isinstance(purpose, dict) and purpose.get("code") and purpose.get("name"):
                        names[str(purpose["code"])] = str(purpose["name"])
            self._names, self._read_at = names, time.monotonic()
        return self._names.get(code)


_PURPOSE_NAMES = _PurposeNames()

LABELS: dict[str, Any] = {
    "kind": RequestKind,
    "status": RequestStatus,
    "legal_basis": LegalBasis,
    "consent_action": ConsentAction,
    "export_sections": EXPORT_SECTION,
    "purposes": _PURPOSE_NAMES,
    "purpose": _PURPOSE_NAMES,
    "correction_field": CORRECTION_FIELD,
}
