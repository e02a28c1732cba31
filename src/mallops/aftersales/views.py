"""Console pages: the platform's after-sales and dispute queue, the request detail (refund calculation,
messages, evidence, ruling form, review before close), and the merchant
centre's list of the store's requests with approve/reject, receipt of returned goods (or rejection of the
parcel) and the replacement shipment of an exchange."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.aftersales import disputes, photos, returns, selectors, services
from mallops.aftersales.models import (
    AfterSalesRequest,
    DisputeCategory,
    DisputeStatus,
    RequestPhoto,
    Ruling,
    Shipment,
    Status,
)
from mallops.aftersales.presenters import request_page
from mallops.aftersales.templatetags.aftersales_labels import as_label
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.money import parse_yuan
from mallops.core.uploads import media_storage
from mallops.core.words import error_lines
from mallops.orders.services import CARRIERS


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _kind_text(r: AfterSalesRequest) -> str:
    kind = as_label(r.kind, "kind")
    return f"{kind} · {_('7-day no-reason')}" if r.no_reason_return else kind


def _status_text(r: AfterSalesRequest) -> str:
    status = as_label(r.status, "status")
    return f"{status} · {as_label(r.outcome, 'outcome')}" if r.outcome else status


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _need(request, "aftersales.handle")
    table = DataTable(
        request,
        selectors.platform_requests(request_actor(request)).select_related("order", "merchant"),
        columns=[
            Column(
                "pk",
                _("Request"),
                sort="pk",
                value=lambda r: f"AS{r.pk}",
                link=lambda r: reverse("aftersales:request", args=[r.pk]),
            ),
            Column("order.number", _("Order")),
            Column("merchant.name", _("Merchant")),
            Column("kind", _("Kind"), value=_kind_text),
            Column(
                "classification",
                _("Classification"),
                value=lambda r: as_label(r.classification, "classification"),
            ),
            Column("status", _("Status"), kind="badge", display=_status_text),
            Column("requested_fen", _("Amount"), kind="money", sort="requested_fen"),
            Column("refund_fen", _("Refunded"), kind="money", sort="refund_fen"),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
            Column("respond_due_at", _("Merchant answers by"), kind="datetime", sort="respond_due_at"),
        ],
        search=["order__number", "merchant__name", "reason"],
        search_placeholder=_("Order number, store or reason"),
        filters=[Filter("status", _("Status"), Status.choices)],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        page_size=30,
        export_name="aftersales",
        testid="requests",
        empty_title=_("No requests."),
    )
    if table.export_format:
        return table.export_response()
    open_disputes = selectors.platform_disputes(request_actor(request)).exclude(status=DisputeStatus.RULED)[
        :100
    ]
    return render(
        request,
        "aftersales/queue.html",
        {
            "active": "aftersales",
            "table": table,
            "disputes": open_disputes,
            "rulings": Ruling.choices,
            "categories": dict(DisputeCategory.choices),
        },
    )


@login_required
def request_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """The platform's request detail: the order's lines with the refund calculation line by line, both
    parties' messages and evidence photos, the dispute ruling form, the review-before-close form and the
    timeline. The buyer's contact data is masked."""
    _need(request, "aftersales.handle")
    try:
        req = selectors.one(
            selectors.platform_requests(request_actor(request)).select_related("order", "merchant", "buyer"),
            request_id,
        )
    except DomainError as exc:
        raise Http404("after-sales request") from exc
    context = request_page(req)
    context |= {
        "active": "aftersales",
        "rulings": Ruling.choices,
        "can_close": req.status == Status.REVIEWING,
        "order_url": reverse("orders:detail", args=[req.order_id])
        if request.user.has_perm("order.view")
        else "",
    }
    return render(request, "aftersales/request.html", context)


@login_required
@require_POST
def request_close_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """Review before close: the CS agent confirms the outcome; the customer gets the confirmation."""
    _need(request, "aftersales.handle")
    try:
        req = services.request_close(
            actor=request_actor(request), request_id=request_id, note=request.POST.get("note", "")
        )
        messages.success(
            request,
            _("Request AS%(id)s reviewed and closed; the customer got the confirmation.") % {"id": req.pk},
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404("after-sales request") from exc
        messages.error(request, "; ".join(error_lines(exc.errors or [], "aftersales")) or exc.detail)
    return redirect("aftersales:request", request_id=request_id)


@login_required
@require_POST
def rule(request: HttpRequest, dispute_id: int) -> HttpResponse:
    _need(request, "aftersales.handle")
    # the form types a part refund in yuan (``amount``); ``amount_fen`` stays for scripts
    typed = request.POST.get("amount", "").strip()
    raw = request.POST.get("amount_fen", "").strip()
    amount: int | None
    try:
        amount = parse_yuan(typed) if typed else (int(raw) if raw else None)
    except ValueError:
        amount = -1
    try:
        d = disputes.dispute_rule(
            actor=request_actor(request),
            dispute_id=dispute_id,
            ruling=request.POST.get("ruling", ""),
            note=request.POST.get("note", ""),
            amount_fen=amount,
        )
        messages.success(request, _("Dispute %(id)s ruled.") % {"id": d.pk})
    except DomainError as exc:
        messages.error(request, "; ".join(error_lines(exc.errors or [], "aftersales")) or exc.detail)
    return redirect("aftersales:queue")


@login_required
def merchant(request: HttpRequest) -> HttpResponse:
    _need(request, "store.service.handle")
    try:
        rows = selectors.merchant_requests(request_actor(request))
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    merchant_id = selectors.merchant_id_of(request_actor(request))
    parcels = Prefetch(
        "shipments", queryset=Shipment.objects.for_merchant(merchant_id).order_by("pk"), to_attr="parcels"
    )
    # the buyer's photos, shown as thumbnails in the request cell (one query per page)
    pictures = Prefetch(
        "photos", queryset=RequestPhoto.objects.for_merchant(merchant_id).order_by("pk"), to_attr="pictures"
    )
    table = DataTable(
        request,
        rows.select_related("order").prefetch_related(parcels, pictures),
        columns=[
            Column(
                "pk", _("Request"), sort="pk", kind="template", template="aftersales/_merchant_request.html"
            ),
            Column("order.number", _("Order"), sort="order__number"),
            Column("kind", _("Kind"), value=_kind_text),
            Column("reason", _("Reason")),
            Column("status", _("Status"), kind="badge", display=_status_text),
            Column("requested_fen", _("Amount"), kind="money", sort="requested_fen"),
            Column("respond_due_at", _("Answer by"), kind="datetime", sort="respond_due_at"),
            Column("actions", _("Actions"), kind="template", template="aftersales/_merchant_actions.html"),
        ],
        search=["order__number", "reason"],
        search_placeholder=_("Order number or reason"),
        filters=[Filter("status", _("Status"), Status.choices)],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        page_size=30,
        export_name="my-aftersales",
        testid="merchant-aftersales",
        empty_title=_("No requests."),
        context={"carriers": CARRIERS},
    )
    if table.export_format:
        return table.export_response()
    return render(request, "aftersales/merchant.html", {"active": "merchant_aftersales", "table": table})


@login_required
@require_POST
def merchant_answer(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    _need(request, "store.service.handle")
    try:
        req = selectors.one(selectors.merchant_requests(request_actor(request)), request_id)
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    try:
        if action == "approve":
            services.request_approve(
                actor=request_actor(request), request_id=req.pk, merchant_id=req.merchant_id
            )
            messages.success(request, _("Request AS%(id)s approved.") % {"id": req.pk})
        elif action == "reject":
            services.request_reject(
                actor=request_actor(request),
                request_id=req.pk,
                merchant_id=req.merchant_id,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Request AS%(id)s rejected.") % {"id": req.pk})
        elif action == "receive":
            returns.return_receive(
                actor=request_actor(request), request_id=req.pk, merchant_id=req.merchant_id
            )
            messages.success(request, _("Returned goods of AS%(id)s received.") % {"id": req.pk})
        elif action == "replacement":
            returns.replacement_ship(
                actor=request_actor(request),
                request_id=req.pk,
                merchant_id=req.merchant_id,
                carrier=request.POST.get("carrier", ""),
                tracking_number=request.POST.get("tracking_number", ""),
            )
            messages.success(request, _("Replacement for AS%(id)s sent.") % {"id": req.pk})
        else:
            raise PermissionDenied(action)
    except DomainError as exc:
        messages.error(request, "; ".join(error_lines(exc.errors or [], "aftersales")) or exc.detail)
    return redirect("aftersales:merchant")


def _photo_response(photo: RequestPhoto) -> FileResponse:
    response = FileResponse(media_storage.open(photo.file, "rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def photo(request: HttpRequest, request_id: int, photo_id: int) -> FileResponse:
    """One of the buyer's photos of a request, for the platform's after-sales staff."""
    _need(request, "aftersales.handle")
    try:
        row = photos.request_photo(
            actor=request_actor(request), request_id=request_id, photo_id=photo_id, scope="platform"
        )
    except DomainError as exc:
        raise Http404("photo") from exc
    return _photo_response(row)


@login_required
def merchant_photo(request: HttpRequest, request_id: int, photo_id: int) -> FileResponse:
    """One of the buyer's photos of a request of the signed-in user's own store (404 for any other)."""
    _need(request, "store.service.handle")
    try:
        row = photos.request_photo(
            actor=request_actor(request), request_id=request_id, photo_id=photo_id, scope="merchant"
        )
    except DomainError as exc:
        raise Http404("photo") from exc
    return _photo_response(row)
