"""Flash sale writes of a store and of operations: create (store side), edit before the start, cancel.

Registered on the orders router (``mallops.orders.api``), so mounted at /api/v1. The merchant side
(``store.promotion.manage``) works on its own store's SKUs and sales only (another store's sale is a 404;
the store comes from the caller, never from the body). POSTs that move stock (create, cancel) need an
``Idempotency-Key``; the edit is a PATCH (the fields sent replace the sale's; repeating it changes nothing
more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Count, Fen, Schema, Text
from mallops.core.pagination import Pagination
from mallops.orders.api import router
from mallops.orders.flash import selectors
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashSale
from mallops.orders.schemas import FlashSaleIn, FlashSaleOut


class FlashSalePatchIn(Schema):
    """A partial change of a flash sale before it starts: the fields sent replace the sale's (the SKU
    stays)."""

    title: Text | None = Field(default=None, max_length=200)
    flash_price_fen: Fen | None = None
    quantity: Count | None = None
    per_buyer_limit: Count | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _terms(sale: FlashSale, payload: FlashSalePatchIn) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "title": sale.title,
        "flash_price_fen": sale.flash_price_fen,
        "quantity": sale.quantity,
        "per_buyer_limit": sale.per_buyer_limit,
        "starts_at": sale.starts_at,
        "ends_at": sale.ends_at,
    }
    terms.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    return terms


class MerchantFlashSaleOut(FlashSaleOut):
    cancelled_at: datetime | None


@router.post(
    "/merchant/flash-sales",
    response={201: MerchantFlashSaleOut},
    summary="Create a flash sale of one of the store's SKUs (Idempotency-Key required; reserves stock)",
)
def merchant_flash_create(request: HttpRequest, payload: FlashSaleIn) -> Status[Any]:
    require_idempotency_key(request)
    actor = request_actor(request)
    merchant_id = selectors.actor_store(actor)
    sale = flash.flash_sale_create(actor=actor, merchant_id=merchant_id, **payload.dict())
    return Status(201, sale)


@router.get("/merchant/flash-sales", response=list[MerchantFlashSaleOut], summary="The store's flash sales")
@paginate(Pagination)
def merchant_flash_list(request: HttpRequest, **kwargs: Any) -> Any:
    return selectors.store_flash_sales(actor=request_actor(request))


@router.patch(
    "/merchant/flash-sales/{sale_id}",
    response=MerchantFlashSaleOut,
    summary="Change a flash sale before it starts: the fields sent replace the sale's (409 flash_started after)",
)
def merchant_flash_update(request: HttpRequest, sale_id: int, payload: FlashSalePatchIn) -> Any:
    sale = selectors.store_flash_sale(actor=request_actor(request), sale_id=sale_id)
    return flash.flash_sale_update(
        actor=request_actor(request),
        merchant_id=sale.merchant_id,
        sale_id=sale.pk,
        **_terms(sale, payload),
    )


@router.post(
    "/merchant/flash-sales/{sale_id}/cancel",
    response=MerchantFlashSaleOut,
    summary="Cancel a flash sale (Idempotency-Key required; unheld units go back to stock)",
)
def merchant_flash_cancel(request: HttpRequest, sale_id: int) -> Any:
    sale = selectors.store_flash_sale(
        actor=request_actor(request), sale_id=sale_id
    )  # another store's: 404 first
    require_idempotency_key(request)
    return flash.flash_sale_cancel(
        actor=request_actor(request), merchant_id=sale.merchant_id, sale_id=sale.pk
    )


@router.patch(
    "/flash-sales/{sale_id}",
    response=MerchantFlashSaleOut,
    summary="Change any store's flash sale before it starts (promotion.manage)",
)
def platform_flash_update(request: HttpRequest, sale_id: int, payload: FlashSalePatchIn) -> Any:
    sale = selectors.platform_flash_sale(actor=request_actor(request), sale_id=sale_id)
    return flash.flash_sale_update(actor=request_actor(request), sale_id=sale.pk, **_terms(sale, payload))


@router.post(
    "/flash-sales/{sale_id}/cancel",
    response=MerchantFlashSaleOut,
    summary="Cancel any store's flash sale (promotion.manage; Idempotency-Key required)",
)
def platform_flash_cancel(request: HttpRequest, sale_id: int) -> Any:
    sale = selectors.platform_flash_sale(actor=request_actor(request), sale_id=sale_id)
    require_idempotency_key(request)
    return flash.flash_sale_cancel(actor=request_actor(request), sale_id=sale.pk)
