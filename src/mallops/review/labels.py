"""What the console shows for listing-review codes (read by ``mallops.core.words``; glossary words)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.review.models import RejectReason, TakedownKind, VersionOrigin, VersionStatus

LISTING_STATUS = {
    "draft": _("Draft"),
    "auto_rejected": _("Rejected by the system"),
    "in_review": _("In review"),
    "rejected": _("Rejected"),
    "live": _("Listed"),
    "taken_down": _("Taken down"),
}

SEVERITY = {"block": _("Blocked"), "review": _("Manual review")}

# the image angles merchants tag (``ProductImage.angle``, free text): the usual ones by name
ANGLES: dict[str, Any] = {
    "front": _("Front"),
    "side": _("Side"),
    "back": _("Rear"),
    "detail": _("Detail"),
    "scene": _("In use"),
    "package": _("Package"),
}

LABELS: dict[str, Any] = {
    "angle": ANGLES,
    "listing_status": LISTING_STATUS,
    "version_status": VersionStatus,
    "reason": RejectReason,
    "severity": SEVERITY,
    "takedown_kind": TakedownKind,
    "version_origin": VersionOrigin,
    "stage": {
        "completeness": _("Completeness"),
        "compliance": _("Compliance"),
        "accuracy": _("Accuracy"),
        "manual": _("Cited by the reviewer"),
    },
}

# names in field paths of a listing snapshot (``selling_points[0]``, ``skus[0].spec_values.口味``)
FIELDS: dict[str, Any] = {
    "title": _("Title"),
    "selling_points": _("Selling point"),
    "description": _("Description"),
    "function": _("Function"),
    "material": _("Material"),
    "specs": _("Specifications"),
    "usage": _("Usage"),
    "skus": _("SKU spec"),
    "attributes": _("Attributes"),
    "certificates": _("Certificates"),
    "price_fen": _("Price"),
    "reference_price_fen": _("Reference price"),
    "stock": _("Stock"),
    "category": _("Category"),
    "images": _("Images"),
    "external_code": _("Product code"),
    "category_code": _("Category"),
    "return_policy": _("After-sales terms"),
    "return_exclusion": _("Statutory reason for the exclusion"),
    "reason_codes": _("Rejection reasons"),
}
# a mapping whose keys the merchant typed (spec names): shown as they are, without the mapping's own name
MAPPING_FIELDS = frozenset({"spec_values", "attributes_values"})
