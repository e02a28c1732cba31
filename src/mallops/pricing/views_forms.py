"""Console forms: create and edit promotions (a form per kind) and coupon batches, stop a batch.

The merchant centre (``store.promotion.manage``) writes its own store's rows, the merchant taken from the
signed-in user; platform staff with ``promotion.manage`` write platform rows. A row outside the user's
scope is a 404. Every write goes through one service call (audited there); the pre-launch checks run on
the unsaved terms with the "check" button and on the saved draft on its page, each finding with its article.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import merchant_store_id, request_actor
from mallops.core.errors import DomainError
from mallops.core.words import label
from mallops.pricing import coupons, services
from mallops.pricing.checks import blocking
from mallops.pricing.console_forms import (
    PROMOTION_FORMS,
    CouponBatchForm,
    PromotionForm,
    add_service_errors,
    kind_choices,
)
from mallops.pricing.models import CouponBatch, PromotionStatus
from mallops.pricing.views import _can_act, _row


def _manage_side(request: HttpRequest) -> int | None:
    """The user's store id (merchant centre) or None (platform staff with ``promotion.manage``)."""
    user: Any = request.user
    if user.has_perm("store.promotion.manage"):
        return merchant_store_id(request, "store.promotion.manage")
    if user.has_perm("promotion.manage"):
        return None
    raise PermissionDenied("promotion.manage")


def _refusal(request: HttpRequest, form: forms.Form, error: DomainError) -> None:
    """A service refusal on a form page: field errors under their fields, anything else as a toast."""
    if error.code == "validation_error" and add_service_errors(form, error):
        return
    findings = [f for f in error.extra.get("findings", []) if f.get("severity") == "block"]
    if findings:
        # blocked by a pre-launch check (a coupon batch's name): each finding with its article, on the form
        for finding in findings:
            form.add_error(None, f"{finding['message']}（{finding['citation']['text']}）")
        return
    if error.code == "validation_error":
        return  # the unplaced ones are on top of the form already
    messages.error(request, _("Not saved: %(detail)s") % {"detail": error.detail})


def _promotion_page(
    request: HttpRequest,
    form: PromotionForm,
    merchant_id: int | None,
    *,
    row: Any = None,
    findings: list[Any] | None = None,
) -> HttpResponse:
    kind_label = label(form.kind, "pricing.kind")
    title = (
        _("Edit %(name)s") % {"name": row.name}
        if row is not None
        else _("New promotion: %(kind)s") % {"kind": kind_label}
    )
    return render(
        request,
        "pricing/promotion_form.html",
        {
            "active": "store_promotions" if merchant_id is not None else "promotions",
            "form": form,
            "kind": form.kind,
            "kind_label": kind_label,
            "title": title,
            "row": row,
            "findings": findings,
            "blocked": bool(blocking(findings or [])),
            "cancel_url": reverse("pricing:detail", args=[row.pk]) if row else reverse("pricing:list"),
        },
    )


def _preview(
    request: HttpRequest, form: PromotionForm, merchant_id: int | None, promotion_id: int | None
) -> list[Any] | None:
    try:
        return services.promotion_preview(
            actor=request_actor(request),
            merchant_id=merchant_id,
            data=form.to_input(),
            promotion_id=promotion_id,
        )
    except DomainError as error:
        _refusal(request, form, error)
        return None


@login_required
def promotion_new(request: HttpRequest) -> HttpResponse:
    """Choose a kind, then fill its form; "check" shows the findings, "save" stores a draft."""
    merchant_id = _manage_side(request)
    platform = merchant_id is None
    kind = request.GET.get("kind", "")
    form_class = PROMOTION_FORMS.get(kind)
    if form_class is None or (platform and not form_class.platform_allowed):
        return render(
            request,
            "pricing/promotion_kinds.html",
            {
                "active": "store_promotions" if not platform else "promotions",
                "kinds": kind_choices(platform),
            },
        )
    form = form_class(request.POST or None, platform=platform)
    findings = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("op") == "check":
            findings = _preview(request, form, merchant_id, None)
        else:
            try:
                row = services.promotion_create(
                    actor=request_actor(request), merchant_id=merchant_id, data=form.to_input()
                )
            except DomainError as error:
                _refusal(request, form, error)
            else:
                messages.success(request, _("Draft saved. Check the findings below, then launch."))
                return redirect("pricing:detail", promotion_id=row.pk)
    return _promotion_page(request, form, merchant_id, findings=findings)


@login_required
def promotion_edit(request: HttpRequest, promotion_id: int) -> HttpResponse:
    row, merchant_id = _row(request, promotion_id)
    if not _can_act(request, row, merchant_id):
        raise PermissionDenied("promotion.manage")
    if row.status != PromotionStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("pricing:detail", promotion_id=row.pk)
    form_class = PROMOTION_FORMS[row.kind]
    platform = merchant_id is None
    if request.method == "POST":
        form = form_class(request.POST, platform=platform)
    else:
        form = form_class(initial=form_class.initial_from(row), platform=platform)
    findings = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("op") == "check":
            findings = _preview(request, form, merchant_id, row.pk)
        else:
            try:
                services.promotion_update(
                    actor=request_actor(request),
                    merchant_id=merchant_id,
                    promotion_id=row.pk,
                    data=form.to_input(),
                )
            except DomainError as error:
                _refusal(request, form, error)
            else:
                messages.success(request, _("Draft saved. Check the findings below, then launch."))
                return redirect("pricing:detail", promotion_id=row.pk)
    return _promotion_page(request, form, merchant_id, row=row, findings=findings)


# ---------------------------------------------------------------- coupon batches


def _batches_url(merchant_id: int | None) -> str:
    return reverse("pricing:store_coupons" if merchant_id is not None else "pricing:coupon_batches")


def _batch(request: HttpRequest, batch_id: int) -> tuple[CouponBatch, int | None]:
    merchant_id = _manage_side(request)
    if merchant_id is not None:
        qs = CouponBatch.objects.for_merchant(merchant_id)
    else:
        qs = CouponBatch.objects.for_platform(request.user, "promotion.manage").filter(merchant__isnull=True)
    batch: CouponBatch | None = qs.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("coupon batch")
    return batch, merchant_id


def _batch_page(
    request: HttpRequest, form: CouponBatchForm, merchant_id: int | None, batch: CouponBatch | None
) -> HttpResponse:
    return render(
        request,
        "pricing/coupon_batch_form.html",
        {
            "active": "store_coupons" if merchant_id is not None else "coupon_batches",
            "form": form,
            "batch": batch,
            "title": _("Edit %(name)s") % {"name": batch.name} if batch else _("New coupon batch"),
            "cancel_url": _batches_url(merchant_id),
        },
    )


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    merchant_id = _manage_side(request)
    form = CouponBatchForm(request.POST or None, platform=merchant_id is None)
    if request.method == "POST" and form.is_valid():
        try:
            coupons.coupon_batch_create(
                actor=request_actor(request), merchant_id=merchant_id, data=form.to_input()
            )
        except DomainError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, _("Coupon batch created."))
            return redirect(_batches_url(merchant_id))
    return _batch_page(request, form, merchant_id, None)


@login_required
def batch_edit(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch, merchant_id = _batch(request, batch_id)
    if batch.status != CouponBatch.Status.ACTIVE or batch.issued_count:
        messages.error(
            request, _("Coupons of this batch have been issued or it was stopped: it cannot change.")
        )
        return redirect(_batches_url(merchant_id))
    platform = merchant_id is None
    if request.method == "POST":
        form = CouponBatchForm(request.POST, platform=platform)
    else:
        form = CouponBatchForm(initial=CouponBatchForm.initial_from(batch), platform=platform)
    if request.method == "POST" and form.is_valid():
        try:
            coupons.coupon_batch_update(
                actor=request_actor(request),
                merchant_id=merchant_id,
                batch_id=batch.pk,
                data=form.to_input(),
            )
        except DomainError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, _("Coupon batch saved."))
            return redirect(_batches_url(merchant_id))
    return _batch_page(request, form, merchant_id, batch)


@login_required
@require_POST
def batch_stop(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch, merchant_id = _batch(request, batch_id)
    try:
        coupons.coupon_batch_cancel(actor=request_actor(request), merchant_id=merchant_id, batch_id=batch.pk)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The batch no longer issues coupons; coupons already held stay valid."))
    return redirect(_batches_url(merchant_id))
