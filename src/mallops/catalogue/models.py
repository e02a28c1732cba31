"""Catalogue: category tree with per-category schema, products (SPU), SKUs, images, certificates.

Categories are platform data (seeded by a data migration). Everything else is merchant-owned and
queried through ``MerchantScopedManager`` (``for_merchant`` / ``for_platform`` / ``unscoped``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.catalogue.schema import AttributeSpec, spec_of
from mallops.catalogue.storage import media_storage
from mallops.tenancy.managers import MerchantScopedManager

# the engine's categories (mallops.compliance.engine.CATEGORIES); a catalogue category maps onto one
COMPLIANCE_CATEGORIES = (
    "food",
    "health_food",
    "cosmetics",
    "medical_device",
    "baby",
    "apparel",
    "electronics",
    "home",
    "general",
)


class CertificateKind(models.TextChoices):
    FOOD_BUSINESS_LICENCE = "food_business_licence", _("Food business licence (食品经营许可证)")
    HEALTH_FOOD_APPROVAL = "health_food_approval", _("Health food registration (蓝帽 保健食品注册/备案)")
    COSMETICS_FILING = "cosmetics_filing", _("Cosmetics filing or registration (化妆品备案/注册)")
    MEDICAL_DEVICE_REGISTRATION = (
        "medical_device_registration",
        _("Medical device registration certificate (医疗器械注册证)"),
    )
    CCC = "ccc", _("Compulsory product certification (3C)")
    BRAND_AUTHORISATION = "brand_authorisation", _("Brand authorisation (品牌授权书)")


class ReturnPolicy(models.TextChoices):
    ELIGIBLE = "eligible", _("7-day no-reason return")
    EXCLUDED = "excluded", _("Excluded from 7-day no-reason return")


class ReturnExclusion(models.TextChoices):
    """Statutory exclusions of CPL Art. 25 (the last one needs the buyer's confirmation at purchase)."""

    CUSTOM_MADE = "custom_made", _("Custom-made to the buyer's order")
    PERISHABLE = "perishable", _("Fresh, live or perishable goods")
    DIGITAL_UNSEALED = "digital_unsealed", _("Downloaded or unsealed audio-visual products and software")
    PERIODICALS = "periodicals", _("Delivered newspapers and periodicals")
    CONFIRMED_BY_NATURE = "confirmed_by_nature", _("Unsuitable by nature, confirmed by the buyer at purchase")


class Category(models.Model):
    """A node of the category tree. ``required_attributes`` is the attribute schema: entries
    ``{"key", "label", "type", "required", "unit", "choices"}`` (see :mod:`mallops.catalogue.schema`;
    an entry with ``required: false`` is offered on the form but not demanded at submission; the field
    keeps its first name so the seeded rows and stored snapshots stay readable).
    ``required_certificates``: list of :class:`CertificateKind` values. A category that is not
    ``is_active`` takes no new products (existing ones keep it)."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    compliance_category = models.CharField(max_length=32, default="general")
    required_attributes = models.JSONField(default=list, blank=True)
    required_certificates = models.JSONField(default=list, blank=True)
    default_return_exclusion = models.CharField(max_length=32, blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def ancestors(self) -> list[Category]:
        """The chain from the root down to this category (itself last)."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def attribute_specs(self) -> list[AttributeSpec]:
        """Every attribute entry (required or not), ancestors' first, as typed specs."""
        specs: list[AttributeSpec] = []
        for category in self.ancestors():
            for raw in category.required_attributes:
                if all(s.key != raw["key"] for s in specs):
                    specs.append(spec_of(raw))
        return specs

    def effective_schema(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Required attributes and certificate kinds including those inherited from ancestors
        (attributes marked ``required: false`` are left out: they are optional)."""
        attributes: list[dict[str, Any]] = []
        certificates: list[str] = []
        node: Category | None = self
        chain: list[Category] = []
        while node is not None:
            chain.append(node)
            node = node.parent
        for category in reversed(chain):
            for attribute in category.required_attributes:
                if not attribute.get("required", True):
                    continue
                if all(a["key"] != attribute["key"] for a in attributes):
                    attributes.append(attribute)
            for kind in category.required_certificates:
                if kind not in certificates:
                    certificates.append(kind)
        return attributes, certificates


class CategoryStamp(models.Model):
    """One row (id 1) whose ``stamp`` changes with every write to the category table, in the writer's
    own transaction: database triggers (migration 0005) set it to a fresh random value on any INSERT,
    UPDATE or DELETE of ``catalogue_category``, whoever writes (services, migrations, the admin, raw SQL).
    Readers key a copy of what they derive from the categories by it (``selectors.category_stamp``); a
    random value, not a counter, so a rolled-back write can never bring back a stamp that keys other
    content. Written by the triggers only."""

    stamp = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.stamp


DESCRIPTION_SECTIONS = ("function", "material", "specs", "usage")


class Product(models.Model):
    """An SPU. ``description`` maps section keys (:data:`DESCRIPTION_SECTIONS`) to text."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    selling_points = models.JSONField(default=list, blank=True)
    description = models.JSONField(default=dict, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    return_policy = models.CharField(
        max_length=16, choices=ReturnPolicy.choices, default=ReturnPolicy.ELIGIBLE
    )
    return_exclusion = models.CharField(
        max_length=32, choices=ReturnExclusion.choices, blank=True, default=""
    )
    external_code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_code"],
                condition=~models.Q(external_code=""),
                name="catalogue_product_unique_external_code",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Sku(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64)
    spec_values = models.JSONField(default=dict, blank=True)
    price_fen = models.BigIntegerField()
    reference_price_fen = models.BigIntegerField(null=True, blank=True)
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="catalogue_sku_unique_code"),
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="catalogue_sku_stock_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.price_fen} fen)"


class PriceHistory(models.Model):
    """One row per price a SKU has had (written by catalogue.services on every change)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    price_fen = models.BigIntegerField()
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["sku_id", "changed_at", "pk"]
        indexes = [models.Index(fields=["sku", "changed_at"])]

    def __str__(self) -> str:
        return f"sku {self.sku_id}: {self.price_fen} fen at {self.changed_at:%Y-%m-%d %H:%M}"


MAX_IMAGES = 10
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MIN_IMAGE_SIDE = 200
HIGH_RES_SIDE = 800


class ProductImage(models.Model):
    """Image metadata (the file itself may be stored in ``file`` or referenced by ``url``)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=500)
    file = models.FileField(upload_to="product-images/%Y/%m/", blank=True, storage=media_storage)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    angle = models.CharField(max_length=32, blank=True, default="")
    caption = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["product_id", "position", "pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def is_high_res(self) -> bool:
        return min(self.width, self.height) >= HIGH_RES_SIDE


class Certificate(models.Model):
    """A licence or certificate. ``product`` null means it covers the whole store (e.g. 食品经营许可证).

    ``expiry_due_at`` is the UTC instant the certificate stops being valid (start of the day after
    ``expires_on`` in Asia/Shanghai); the sweep takes affected live listings down and clears it.
    """

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=CertificateKind.choices)
    number = models.CharField(max_length=100)
    file = models.FileField(upload_to="certificates/%Y/%m/", blank=True, storage=media_storage)
    expires_on = models.DateField()
    expiry_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    expired = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class MerchantNotification(models.Model):
    """A message to the merchant (listing taken down, certificate expired, ...)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


def schema_as_dict(category: Category) -> dict[str, Any]:
    attributes, certificates = category.effective_schema()
    return {"required_attributes": attributes, "required_certificates": certificates}
