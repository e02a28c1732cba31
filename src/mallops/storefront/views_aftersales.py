"""退款/售后 and 联系客服 on the storefront: the buyer asks for a refund (仅退款) or a return (退货退款) of
some units of one order line with photos, follows its status, and opens a service ticket about an order.

The amount is never typed by the buyer: ``aftersales.services.request_create`` computes the requested
refund from the line's paid amount and the units asked for (what the buyer chooses is the quantity).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from mallops.accounts.actors import request_actor
from mallops.aftersales import photos as aftersales_photos
from mallops.aftersales import selectors as aftersales
from mallops.aftersales import services as aftersales_services
from mallops.aftersales.risk_checks import refund_request_assess
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.uploads import media_storage
from mallops.risk.flows import request_context
from mallops.service import selectors as service
from mallops.service import services as service_services
from mallops.storefront import selectors
from mallops.storefront.views import _buyer_or_redirect
from mallops.storefront.views_reviews import error_text

# what the buyer picks → (the request's kind)
KINDS = {"refund": "仅退款", "return": "退货退款"}
# the buyer's reason → the request's classification (who is likely at fault)
REASONS = {
    "quality": ("商品质量问题", "product"),
    "not_as_described": ("与商品描述不符", "product"),
    "missing": ("少件、漏发或发错货", "order"),
    "damaged": ("物流途中破损", "logistics"),
    "changed_mind": ("不想要了", "order"),
}
AFTERSALES_ERRORS = {
    "qty_out_of_range": "申请数量超过可退数量",
    "order_not_eligible": "当前订单状态不能申请售后",
    "invalid_line": "请选择订单中的商品",
    "invalid_length": "请填写 1 至 500 字的问题描述",
    "risk_blocked": "申请过于频繁或存在异常，请联系客服",
}


def _aftersales_error(error: DomainError) -> str:
    codes = [str(error.code), *(str(item.code) for item in error.errors)]
    return next((AFTERSALES_ERRORS[c] for c in codes if c in AFTERSALES_ERRORS), error_text(error))


def _own_line(request: HttpRequest, order_id: int, line_id: int) -> tuple[Any, Any]:
    try:
        order = selectors.my_order(buyer=request.user, order_id=order_id)
    except DomainError as error:
        raise Http404("order") from error
    line = next((ln for ln in order.lines.all() if ln.pk == line_id), None)
    if line is None:
        raise Http404("order line")
    return order, line


@require_http_methods(["GET", "POST"])
def aftersales_new(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    """申请售后 for one line of the buyer's order: kind, reason, quantity, description and photos."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    order, line = _own_line(request, order_id, line_id)
    values = {
        "kind": request.POST.get("kind", "refund"),
        "reason": request.POST.get("reason", ""),
        "qty": request.POST.get("qty", "1"),
        "text": request.POST.get("text", "")[:500],
    }
    error = ""
    if request.method == "POST":
        kind = values["kind"] if values["kind"] in KINDS else "refund"
        reason_name, classification = REASONS.get(values["reason"], ("", "order"))
        qty = int(values["qty"]) if is_ascii_digits(values["qty"], max_digits=9) else 0
        photos = request.FILES.getlist("photos")
        try:
            if not reason_name:
                raise DomainError(detail="choose a reason", code="invalid_length", status=422)
            if len(photos) > aftersales_photos.MAX_PHOTOS:
                raise DomainError(detail="too many photos", code="too_many", status=422)
            refund_request_assess(
                actor=request_actor(request),
                order_id=order.pk,
                kind=kind,
                lines=[(line.pk, qty)],
                context=request_context(request),
            )
            created = aftersales_services.request_create(
                actor=request_actor(request),
                order_id=order.pk,
                kind=kind,
                classification=classification,
                reason=f"{reason_name}：{values['text'].strip()}" if values["text"].strip() else reason_name,
                lines=[aftersales_services.LineIn(line.pk, qty)],
            )
        except DomainError as err:
            error = _aftersales_error(err)
        else:
            for upload in photos:
                try:
                    aftersales_photos.request_photo_add(
                        actor=request_actor(request), request_id=created.pk, upload=upload
                    )
                except DomainError as err:
                    messages.warning(request, f"照片未上传 {upload.name}：{error_text(err)}")
            messages.success(request, "售后申请已提交，商家会在期限内处理")
            return redirect("storefront:aftersales", aftersales_id=created.pk)
    return render(
        request,
        "storefront/account/aftersales_form.html",
        {
            "order": order,
            "line": line,
            "values": values,
            "kinds": KINDS,
            "reasons": {code: name for code, (name, _c) in REASONS.items()},
            "max_photos": aftersales_photos.MAX_PHOTOS,
            "error": error,
        },
    )


@require_GET
def aftersales_list(request: HttpRequest) -> HttpResponse:
    """退款/售后: the buyer's requests, newest first."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    rows = (
        aftersales.buyer_requests(request_actor(request))
        .select_related("order")
        .order_by("-created_at", "-pk")[:50]
    )
    return render(request, "storefront/account/aftersales_list.html", {"rows": rows})


@require_GET
def aftersales_detail(request: HttpRequest, aftersales_id: int) -> HttpResponse:
    """One request: status, requested and refunded amount, timeline and photos."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = aftersales.one(aftersales.buyer_requests(request_actor(request)), aftersales_id)
    except DomainError as error:
        raise Http404("after-sales request") from error
    return render(
        request,
        "storefront/account/aftersales.html",
        {
            "row": row,
            "detail": aftersales.detail(row),
            "photos": aftersales_photos.request_photos(
                actor=request_actor(request), request_id=row.pk, scope="buyer"
            ),
        },
    )


@require_GET
def aftersales_photo(request: HttpRequest, aftersales_id: int, photo_id: int) -> HttpResponse | FileResponse:
    """One of the buyer's own photos (404 for anyone else's)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        photo = aftersales_photos.request_photo(
            actor=request_actor(request), request_id=aftersales_id, photo_id=photo_id, scope="buyer"
        )
    except DomainError as error:
        raise Http404("photo") from error
    return FileResponse(media_storage.open(photo.file, "rb"), content_type=photo.content_type)


# ---------------------------------------------------------------- 联系客服

TICKET_EVENTS = {"created": "我", "customer_reply": "我", "reply": "客服"}


@require_http_methods(["GET", "POST"])
def tickets(request: HttpRequest) -> HttpResponse:
    """联系客服: the buyer's tickets and a form to open one (about an order, or in general)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    my_orders = selectors.my_orders(buyer=request.user)
    values = {
        "order": request.POST.get("order", request.GET.get("order", "")),
        "subject": request.POST.get("subject", "")[:200],
        "text": request.POST.get("text", "")[:2000],
    }
    error = ""
    if request.method == "POST":
        order = next((o for o in my_orders if str(o.pk) == values["order"]), None)
        try:
            ticket = service_services.ticket_create(
                actor=request_actor(request),
                subject=values["subject"] or (f"订单 {order.number} 咨询" if order else "咨询"),
                description=values["text"],
                channel="app",
                merchant_id=order.merchant_id if order else None,
                order_ref=order.number if order else "",
            )
        except DomainError as err:
            error = "请填写问题描述" if err.status == 422 else "提交未成功，请稍后重试"
        else:
            messages.success(request, f"已提交，工单号 {ticket.number}")
            return redirect("storefront:ticket", ticket_id=ticket.pk)
    return render(
        request,
        "storefront/account/tickets.html",
        {
            "tickets": list(service.ticket_list(actor=request_actor(request))[:30]),
            "orders": my_orders,
            "values": values,
            "error": error,
        },
    )


@require_http_methods(["GET", "POST"])
def ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One ticket: the conversation (customer-facing steps only) and the buyer's reply."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = service.ticket_get(actor=request_actor(request), ticket_id=ticket_id)
    except DomainError as error:
        raise Http404("ticket") from error
    if request.method == "POST":
        try:
            service_services.ticket_reply(
                actor=request_actor(request),
                ticket_id=row.pk,
                body=request.POST.get("text", ""),
                reopen=bool(request.POST.get("reopen")),
            )
        except DomainError as err:
            messages.error(request, "工单已关闭，请新建工单" if err.status == 409 else "请填写回复内容")
        else:
            messages.success(request, "回复已发送")
        return redirect("storefront:ticket", ticket_id=row.pk)
    events = [
        {"who": TICKET_EVENTS[e.kind], "text": e.body, "at": e.at, "staff": e.kind == "reply"}
        for e in service.ticket_events(row, include_internal=False)
        if e.kind in TICKET_EVENTS and e.body
    ]
    return render(request, "storefront/account/ticket.html", {"ticket": row, "events": events})
