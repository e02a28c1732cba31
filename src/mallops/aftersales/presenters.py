"""What the platform's request detail page shows, from a request already read in the viewer's scope.

- the refund calculation line by line: each order line's paid amount (its amount less its share of the
  order's discounts), split unit by unit with the largest remainder (``rules.paid_for``), the part paid for
  the units of this request, their sum (what was asked for) and what actually went back (a ruling may
  change it); every figure exact in fen;
- both parties' messages in time order: the buyer's reason, the merchant's answer, evidence of each side
  with its photos, the platform's ruling and the reviewer's note;
- the buyer's name and phone masked (nobody on this page ships anything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.aftersales import selectors
from mallops.aftersales.models import AfterSalesRequest, Kind, Outcome, Party
from mallops.orders import selectors as orders_selectors


@dataclass(frozen=True)
class CalcLine:
    sku_code: str
    title: str
    amount_fen: int  # unit price × quantity of the order line
    discount_fen: int  # the line's share of the order's discounts
    paid_fen: int  # what the line was paid: amount − discount
    line_qty: int
    qty: int  # units of the line in this request
    refund_fen: int  # paid for those units (largest remainder of the line's paid amount)


@dataclass(frozen=True)
class Photo:
    name: str
    url: str  # "" when the evidence names a file the console cannot open


@dataclass(frozen=True)
class Message:
    at: datetime | None
    party: str  # buyer | merchant | platform
    who: Any
    text: str
    photos: tuple[Photo, ...] = ()
    kind: Any = ""


def _photo(value: str) -> Photo:
    value = str(value)
    openable = value.startswith(("/", "https://", "http://"))
    return Photo(name=value.rsplit("/", 1)[-1] or value, url=value if openable else "")


def _calc(req: AfterSalesRequest) -> list[CalcLine]:
    request_lines = list(req.lines.for_merchant(req.merchant_id).order_by("pk"))
    order_lines = orders_selectors.order_line_rows(
        merchant_id=req.merchant_id, line_ids=[rl.order_line_id for rl in request_lines]
    )
    rows = []
    for rl in request_lines:
        line = order_lines[rl.order_line_id]
        rows.append(
            CalcLine(
                sku_code=line.sku_code,
                title=line.title,
                amount_fen=line.amount_fen,
                discount_fen=line.discount_fen,
                paid_fen=line.paid_fen,
                line_qty=line.qty,
                qty=rl.qty,
                refund_fen=rl.paid_fen,
            )
        )
    return rows


WHO = {Party.BUYER: _("Buyer"), Party.MERCHANT: _("Merchant"), "platform": _("Platform")}


def _request_photos(req: AfterSalesRequest) -> tuple[Photo, ...]:
    """The buyer's photos of the request (``aftersales.photos``), opened through the console's own URL."""
    from django.urls import reverse

    from mallops.aftersales.models import RequestPhoto

    rows = RequestPhoto.objects.for_merchant(req.merchant_id).filter(request=req).order_by("pk")
    return tuple(
        Photo(name=f"{row.width}×{row.height}", url=reverse("aftersales:photo", args=[req.pk, row.pk]))
        for row in rows
    )


def _messages(req: AfterSalesRequest, detail: dict[str, Any]) -> list[Message]:
    out = [
        Message(
            req.created_at,
            Party.BUYER,
            WHO[Party.BUYER],
            req.reason,
            _request_photos(req),
            kind=_("Request"),
        )
    ]
    if req.reject_reason:
        out.append(
            Message(
                req.responded_at, Party.MERCHANT, WHO[Party.MERCHANT], req.reject_reason, kind=_("Rejection")
            )
        )
    dispute = detail.get("dispute")
    if dispute:
        for e in dispute["evidence"]:
            out.append(
                Message(
                    e["at"],
                    e["party"],
                    WHO.get(e["party"], e["party"]),
                    e["text"],
                    tuple(_photo(i) for i in e["images"]),
                    kind=_("Evidence"),
                )
            )
        if dispute["ruled_at"]:
            out.append(
                Message(
                    dispute["ruled_at"], "platform", WHO["platform"], dispute["ruling_note"], kind=_("Ruling")
                )
            )
    if req.reviewed_at and req.review_note:
        out.append(
            Message(req.reviewed_at, "platform", WHO["platform"], req.review_note, kind=_("Review note"))
        )
    far = datetime.max.replace(tzinfo=req.created_at.tzinfo)
    return sorted(out, key=lambda m: m.at or far)


def confirmation_display(req: AfterSalesRequest) -> str:
    """The customer's confirmation as the console shows it (in the viewer's language, money in yuan).

    The request keeps the sentence the customer was sent (``confirmation_text``, written in English like
    every timeline record); this says the same from the request's own figures."""
    from mallops.console.formats import yuan

    if req.outcome == Outcome.REFUSED:
        return str(_("The platform ruled on the dispute: no refund.")) + (
            f" {req.dispute.ruling_note}" if hasattr(req, "dispute") and req.dispute.ruling_note else ""
        )
    if req.outcome == Outcome.LAPSED:
        return str(_("The goods were not sent back in time; the request is closed without a refund."))
    if req.refund_fen:
        return str(_("Your request is complete: %(amount)s goes back to the original payment.")) % {
            "amount": yuan(req.refund_fen)
        }
    if req.kind == Kind.EXCHANGE:
        return str(_("Your exchange is complete: the replacement is on its way."))
    return str(_("Your request is approved; the merchant will contact you."))


def _parcel(text: str) -> str:
    from mallops.core.words import label

    carrier, _sep, tracking = text.partition(" ")
    return f"{label(carrier, 'orders.carrier')} {tracking}".strip()


def _timeline(req: AfterSalesRequest, detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The timeline entries with ``shown``: the text in the viewer's language where the service wrote a
    sentence from figures (money, carrier codes); typed texts (reasons, notes) stay as typed."""
    from mallops.console.formats import yuan
    from mallops.core.words import label

    rows = []
    for t in detail["timeline"]:
        data = t["data"] or {}
        if t["event"] == "refunded" and "amount_fen" in data:
            shown = str(_("%(amount)s back to the original payment.")) % {
                "amount": yuan(int(data["amount_fen"]))
            }
        elif t["event"] == "closed":
            shown = confirmation_display(req) if req.confirmation_text or req.reviewed_at else ""
        elif t["event"] == "concluded":
            shown = str(label(data.get("outcome", ""), "aftersales.outcome"))
        elif t["event"] in ("return_shipped", "replacement_shipped"):
            shown = _parcel(t["text"])
        elif t["event"] == "ruled":
            amount = int(data.get("amount_fen") or 0)
            ruling = str(label(data.get("ruling", ""), "aftersales.ruling"))
            shown = " · ".join(part for part in (ruling, yuan(amount) if amount else "", t["text"]) if part)
        else:
            shown = str(label(t["text"], "aftersales.timeline_text")) if t["text"] else ""
        rows.append(t | {"shown": shown})
    return rows


def request_page(req: AfterSalesRequest) -> dict[str, Any]:
    """The template context of the detail page (``req`` read through ``selectors.platform_requests``)."""
    from mallops.core.words import label
    from mallops.privacy.registry import always_masked

    detail = selectors.detail(req)
    calc = _calc(req)
    buyer = req.buyer
    return {
        "req": detail,
        "obj": req,
        "order_number": req.order.number,
        "merchant_name": req.merchant.name,
        "buyer_name": always_masked(buyer, "display_name") or "",
        "buyer_phone": always_masked(buyer, "phone") or "",
        "calc": calc,
        "calc_total_fen": sum(row.refund_fen for row in calc),
        "messages_": _messages(req, detail),
        "timeline": _timeline(req, detail),
        "title": f"AS{req.pk}",
        "subtitle": f"{label(req.kind, 'aftersales.kind')} · {label(req.status, 'aftersales.status')}",
        "confirmation": confirmation_display(req),
        "ruled_fen": detail["dispute"]["ruling_fen"] if detail.get("dispute") else None,
    }
