"""Merchant centre product pages: list, new-product and edit forms, image upload, quality score."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.catalogue import selectors as catalogue
from mallops.catalogue import services as catalogue_services
from mallops.catalogue import uploads
from mallops.catalogue.console_forms import ATTR_PREFIX, ProductForm, form_for, parse_post, url_images
from mallops.catalogue.models import (
    DESCRIPTION_SECTIONS,
    MAX_IMAGES,
    Category,
    CertificateKind,
    Product,
    ProductImage,
    ReturnExclusion,
)
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import field_label
from mallops.review import selectors
from mallops.review.models import Listing
from mallops.review.views import _merchant_id

SECTION_LABELS = {
    "function": gettext_lazy("Function"),
    "material": gettext_lazy("Material"),
    "specs": gettext_lazy("Specifications"),
    "usage": gettext_lazy("Usage"),
}


def _product(merchant_id: int, product_id: int) -> Product:
    try:
        return catalogue.product_get(merchant_id=merchant_id, product_id=product_id)
    except DomainError as exc:
        raise Http404 from exc


def _attribute_fields(form: ProductForm, category: Category | None) -> list[dict[str, Any]]:
    """One field per schema attribute of the chosen category, with its value and errors."""
    if category is None:
        return []
    typed = form.values.get("attr", {})
    fields = []
    for spec in category.attribute_specs():
        errors = [
            msg
            for path, msgs in form.errors.items()
            if path in (f"attributes.{spec.key}", f"attributes.{spec.label}")
            for msg in msgs
        ]
        fields.append(
            {
                "name": f"{ATTR_PREFIX}{spec.key}",
                "key": spec.key,
                "label": spec.label,
                "type": spec.type,
                "required": spec.required,
                "unit": spec.unit,
                "choices": spec.choices,
                "value": typed.get(spec.key, ""),
                "errors": errors,
            }
        )
    return fields


def _form_context(form: ProductForm, product: Product | None) -> dict[str, Any]:
    categories = catalogue.category_tree()
    current = next((c for c, _d in categories if c.code == form.values.get("category_code")), None)
    shown = {f"attributes.{spec.key}" for spec in current.attribute_specs()} if current else set()
    return {
        "active": "merchant_products",
        "form": form,
        "product": product,
        "category": current,
        "category_choices": [
            (c.code, "　" * depth + c.name)
            for c, depth in categories
            if c.is_active or (current is not None and c.pk == current.pk)
        ],
        "attribute_fields": _attribute_fields(form, current),
        "other_errors": {
            path: msgs
            for path, msgs in form.errors.items()
            if path not in shown
            and not any(
                path == f"attributes.{s.label}" for s in (current.attribute_specs() if current else [])
            )
        },
        "required_attributes": current.effective_schema()[0] if current else [],
        "required_certificates": current.effective_schema()[1] if current else [],
        "sections": [
            (key, SECTION_LABELS.get(key, key), form.values.get(f"description_{key}", ""))
            for key in DESCRIPTION_SECTIONS
        ],
        "exclusions": ReturnExclusion.choices,
        "sku_rows": [
            {
                "index": index,
                "row": row,
                "errors": [
                    f"{field_label(path.split('.')[-1], 'review')}: {msg}"
                    for path, msgs in form.errors.items()
                    if path.startswith(f"skus.{index}.") or path == f"skus.{index}"
                    for msg in msgs
                ],
            }
            for index, row in enumerate(form.skus)
        ],
    }


@login_required
def merchant_products(request: HttpRequest) -> HttpResponse:
    merchant_id = _merchant_id(request)
    table = DataTable(
        request,
        catalogue.product_list(merchant_id=merchant_id),
        columns=[
            Column(
                "pk",
                _("Product"),
                sort="pk",
                value=lambda p: f"#{p.pk}",
                link=lambda p: reverse("review:merchant_product", args=[p.pk]),
            ),
            Column("title", _("Title"), sort="title"),
            Column("category.name", _("Category")),
            Column("updated_at", _("Updated"), kind="datetime", sort="updated_at"),
        ],
        search=["title", "external_code"],
        search_placeholder=_("Title or product code"),
        date_range=DateRange("updated_at", _("Updated")),
        default_sort="-pk",
        export_name="products",
        testid="merchant-products",
        empty_title=_("No products yet."),
        empty_hint=_("Create a product, then submit it for review."),
        empty_action_url=reverse("review:merchant_product_new"),
        empty_action_label=_("New product"),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "review/merchant_products.html", {"active": "merchant_products", "table": table})


def _save(
    request: HttpRequest, merchant_id: int, product: Product | None
) -> tuple[Product | None, ProductForm]:
    data, form = parse_post(request.POST, keep_images=url_images(product) if product else [])
    if data is None:
        return None, form
    try:
        if product is None:
            saved = catalogue_services.product_create(
                actor=request_actor(request), merchant_id=merchant_id, data=data
            )
        else:
            saved = catalogue_services.product_update(
                actor=request_actor(request), merchant_id=merchant_id, product_id=product.pk, data=data
            )
    except DomainError as exc:
        form.add_errors(list(exc.errors))
        if not exc.errors:
            form.errors.setdefault("form", []).append(exc.detail)
        return None, form
    return saved, form


def _chosen_category(request: HttpRequest, form: ProductForm) -> None:
    """``?category=<code>`` (the category picker) sets the form's category before anything is saved."""
    code = str(request.GET.get("category", "")).strip()
    if code and catalogue.categories().filter(code=code).exists():
        form.values["category_code"] = code


@login_required
def merchant_product_new(request: HttpRequest) -> HttpResponse:
    """Step one: choose the category; step two: the form generated from its schema."""
    merchant_id = _merchant_id(request)
    form = form_for(None)
    _chosen_category(request, form)
    if request.method == "POST":
        saved, form = _save(request, merchant_id, None)
        if saved is not None:
            messages.success(request, _("Product created. Add images, then open a listing to submit it."))
            return redirect("review:merchant_product", product_id=saved.pk)
    status = 422 if form.errors else 200
    return render(request, "review/merchant_product_form.html", _form_context(form, None), status=status)


@login_required
def merchant_product(request: HttpRequest, product_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    product = _product(merchant_id, product_id)
    form = form_for(product)
    _chosen_category(request, form)
    if request.method == "POST":
        saved, form = _save(request, merchant_id, product)
        if saved is not None:
            messages.success(request, _("Saved. Submit the listing again to publish the change."))
            return redirect("review:merchant_product", product_id=product_id)
    context = _form_context(form, product)
    context.update(
        {
            "images": catalogue.product_images(product),
            "quality": selectors.product_quality(merchant_id=merchant_id, product_id=product_id),
            "listing": Listing.objects.for_merchant(merchant_id).filter(product_id=product_id).first(),
            "max_images": MAX_IMAGES,
        }
    )
    return render(request, "review/merchant_product_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def merchant_image_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    _product(merchant_id, product_id)
    try:
        uploads.image_upload(
            actor=request_actor(request),
            merchant_id=merchant_id,
            product_id=product_id,
            upload=request.FILES.get("file"),
            angle=str(request.POST.get("angle", "")),
            caption=str(request.POST.get("caption", "")),
        )
        messages.success(request, _("Image uploaded."))
    except DomainError as exc:
        messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
    return redirect("review:merchant_product", product_id=product_id)


@login_required
@require_POST
def merchant_image_delete(request: HttpRequest, product_id: int, image_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    try:
        uploads.image_delete(
            actor=request_actor(request),
            merchant_id=merchant_id,
            product_id=product_id,
            image_id=image_id,
        )
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, _("Image deleted."))
    return redirect("review:merchant_product", product_id=product_id)


@login_required
def merchant_image_file(request: HttpRequest, product_id: int, image_id: int) -> HttpResponseBase:
    """The stored file of an uploaded image (own store only)."""
    merchant_id = _merchant_id(request)
    image = ProductImage.objects.for_merchant(merchant_id).filter(pk=image_id, product_id=product_id).first()
    if image is None or not image.file.name:
        raise Http404
    handle = uploads.open_stored(image.file.name)
    content_type = uploads.sniff_type(handle.read(16)) or "application/octet-stream"
    handle.seek(0)
    return FileResponse(handle, content_type=content_type)


@login_required
@require_POST
def merchant_product_listing(request: HttpRequest, product_id: int) -> HttpResponse:
    """Open the listing of a product (one per product) and go to its page."""
    from mallops.review import services

    merchant_id = _merchant_id(request)
    _product(merchant_id, product_id)
    listing = Listing.objects.for_merchant(merchant_id).filter(product_id=product_id).first()
    if listing is None:
        try:
            listing = services.listing_create(
                actor=request_actor(request), merchant_id=merchant_id, product_id=product_id
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("review:merchant_product", product_id=product_id)
    return redirect("review:merchant_listing", listing_id=listing.pk)


@login_required
def merchant_certificates(request: HttpRequest) -> HttpResponse:
    """Own certificates: add one, upload its scan."""
    merchant_id = _merchant_id(request)
    if request.method == "POST":
        try:
            expires_on = date.fromisoformat(str(request.POST.get("expires_on", "")))
        except ValueError:
            messages.error(request, _("Enter the expiry date as YYYY-MM-DD."))
        else:
            product_text = str(request.POST.get("product_id", "")).strip()
            try:
                catalogue_services.certificate_create(
                    actor=request_actor(request),
                    merchant_id=merchant_id,
                    kind=str(request.POST.get("kind", "")),
                    number=str(request.POST.get("number", "")),
                    expires_on=expires_on,
                    product_id=int(product_text) if is_ascii_digits(product_text) else None,
                )
                messages.success(request, _("Certificate added."))
                return redirect("review:merchant_certificates")
            except DomainError as exc:
                messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
    expiring_only = request.GET.get("expiring") == "1"  # the workbench's to-do link
    table = DataTable(
        request,
        catalogue.certificates_expiring(merchant_id=merchant_id, now=timezone.now())
        if expiring_only
        else catalogue.certificate_list(merchant_id=merchant_id),
        columns=[
            Column("kind", _("Kind"), sort="kind", value=lambda c: c.get_kind_display()),
            Column("number", _("Number"), sort="number"),
            Column("expires_on", _("Valid through"), kind="date", sort="expires_on"),
            Column(
                "expired",
                _("Status"),
                kind="badge",
                value=lambda c: "expired" if c.expired else "valid",
                display=lambda c: _("expired") if c.expired else _("Valid"),
                tone=lambda c: "danger" if c.expired else "success",
            ),
            Column(
                "product",
                _("Product"),
                value=lambda c: f"#{c.product_id}" if c.product_id else _("whole store"),
                link=lambda c: (
                    reverse("review:merchant_product", args=[c.product_id]) if c.product_id else None
                ),
            ),
            Column(
                "file", _("Scan"), kind="template", template="review/_certificate_scan.html", export=False
            ),
        ],
        search=["number"],
        search_placeholder=_("Number"),
        filters=[
            Filter("kind", _("Kind"), CertificateKind.choices),
            Filter("expired", _("Status"), [("False", _("Valid")), ("True", _("expired"))]),
        ],
        date_range=DateRange("expires_on", _("Valid through"), is_date=True),
        default_sort="expires_on" if expiring_only else "-pk",
        page_size=50,
        export_name="certificates",
        keep=["expiring"],
        testid="certificates",
        row_testid="certificate-{key}",
        empty_title=_("No certificates yet."),
        empty_hint=_("Add a certificate with the form below, then upload its scan."),
    )
    if table.export_format:
        return table.export_response()
    context = {
        "active": "merchant_certificates",
        "table": table,
        "expiring_only": expiring_only,
        "kinds": CertificateKind.choices,
    }
    return render(request, "review/merchant_certificates.html", context)


@login_required
@require_POST
def merchant_certificate_file(request: HttpRequest, certificate_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    try:
        uploads.certificate_file_upload(
            actor=request_actor(request),
            merchant_id=merchant_id,
            certificate_id=certificate_id,
            upload=request.FILES.get("file"),
        )
        messages.success(request, _("Scan uploaded."))
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
    return redirect("review:merchant_certificates")
