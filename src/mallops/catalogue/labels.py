"""What the console shows for catalogue codes (read by ``mallops.core.words``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.catalogue.models import CertificateKind, ReturnExclusion, ReturnPolicy

COMPLIANCE_CATEGORY = {
    "food": _("Food"),
    "health_food": _("Health food"),
    "cosmetics": _("Cosmetics"),
    "medical_device": _("Medical devices"),
    "baby": _("Mother and baby"),
    "apparel": _("Apparel"),
    "electronics": _("Electronics"),
    "home": _("Home"),
    "general": _("General merchandise"),
}

ATTRIBUTE_TYPE = {"text": _("Text"), "number": _("Numeric"), "choice": _("Choice")}

LABELS: dict[str, Any] = {
    "compliance_category": COMPLIANCE_CATEGORY,
    "attribute_type": ATTRIBUTE_TYPE,
    "certificate_kind": CertificateKind,
    "return_policy": ReturnPolicy,
    "return_exclusion": ReturnExclusion,
}

FIELDS: dict[str, Any] = {
    "code": _("Code"),
    "parent_id": _("Parent category"),
    "compliance_category": _("Compliance category"),
    "attributes": _("Attributes"),
    "required_certificates": _("Required certificates"),
    "default_return_exclusion": _("Default return exclusion"),
    "category_code": _("Category"),
    "key": _("Key"),
    "label": _("Name"),
    "unit": _("Unit"),
    "choices": _("Choices"),
}
