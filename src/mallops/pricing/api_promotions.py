"""Promotions, coupons and the live cart quote: merchant, platform and buyer endpoints (mounted at /api/v1).

Merchant side (``store.promotion.manage``, own store only): /merchant/promotions, /merchant/coupon-batches,
/merchant/price-suggestions. Platform side: /promotions and /coupon-batches (``promotion.view`` to read,
``promotion.manage`` to write). Buyers: /buyer/coupons, /buyer/cart/quote.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.roles import require_buyer
from mallops.core.actors import Actor
from mallops.core.pagination import Pagination
from mallops.pricing import cart, coupons, selectors, services, strategy
from mallops.pricing.adapters import promotion_facts
from mallops.pricing.checks import blocking
from mallops.pricing.rulestext import generate
from mallops.pricing.schemas import (
    BatchIn,
    BatchOut,
    BatchPatchIn,
    CartIn,
    CheckOut,
    ClaimIn,
    CouponOut,
    IssueIn,
    IssueOut,
    PromotionIn,
    PromotionOut,
    PromotionPatchIn,
    PublicPromotionOut,
    SuggestionsIn,
)
from mallops.risk.flows import request_context

router = Router(tags=["promotions"], auth=api_auth)


def _actor(request: HttpRequest) -> Actor:
    """The operation's actor for a service call (built once per operation, issue 16)."""
    return request_actor(request)


def _user(request: HttpRequest) -> Any:
    """The signed-in user, for the selectors (they read what a ``User`` and an ``Actor`` both answer)."""
    return request.user


def _promotion_input(payload: PromotionIn) -> services.PromotionInput:
    data = payload.dict()
    data["tiers"] = [dict(t) for t in data["tiers"]]
    data["sku_prices"] = [dict(sp) for sp in data["sku_prices"]]
    return services.PromotionInput(**data)


def _check(row: Any) -> CheckOut:
    findings = services.promotion_findings(row)
    names = services.merchant_names(row)
    generated = generate(promotion_facts(row, names.get(row.merchant_id or 0, "")), names).text
    return CheckOut(
        blocked=bool(blocking(findings)),
        findings=[f.as_dict() for f in findings],
        generated_rules_text=generated,
    )


# ---------------------------------------------------------------- partial edits (PATCH)

_NULLABLE_PROMOTION = frozenset({"cap_fen", "per_buyer_limit", "total_limit", "budget_fen", "rules_text"})
_NULLABLE_BATCH = frozenset({"off_fen", "percent", "max_off_fen", "valid_days", "claim_code"})


def _sent(payload: Any, nullable: frozenset[str]) -> dict[str, Any]:
    """The fields the client sent; an explicit null only where the field may be empty."""
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in nullable}


def _promotion_patch(row: Any, payload: PromotionPatchIn) -> services.PromotionInput:
    changes = _sent(payload, _NULLABLE_PROMOTION)
    for key in ("tiers", "sku_prices"):
        if key in changes:
            changes[key] = [dict(item) for item in changes[key]]
    return replace(services.promotion_input_from(row), **changes)


def _batch_patch(batch: Any, payload: BatchPatchIn) -> coupons.BatchInput:
    return replace(coupons.batch_input_from(batch), **_sent(payload, _NULLABLE_BATCH))


# ---------------------------------------------------------------- merchant: promotions


@router.post("/merchant/promotions", response={201: PromotionOut}, summary="Create a draft store promotion")
def merchant_promotion_create(request: HttpRequest, payload: PromotionIn) -> Status[Any]:
    merchant_id = selectors.actor_merchant_id(_user(request))
    row = services.promotion_create(
        actor=_actor(request), merchant_id=merchant_id, data=_promotion_input(payload)
    )
    return Status(201, row)


@router.get("/merchant/promotions", response=list[PromotionOut], summary="The store's promotions")
@paginate(Pagination)
def merchant_promotion_list(request: HttpRequest) -> Any:
    return selectors.merchant_promotions(actor=_user(request))


@router.get("/merchant/promotions/{promotion_id}", response=PromotionOut, summary="One store promotion")
def merchant_promotion_get(request: HttpRequest, promotion_id: int) -> Any:
    return selectors.merchant_promotion(actor=_user(request), promotion_id=promotion_id)


@router.get(
    "/merchant/promotions/{promotion_id}/checks",
    response=CheckOut,
    summary="Run the pre-launch checks without launching",
)
def merchant_promotion_checks(request: HttpRequest, promotion_id: int) -> Any:
    return _check(selectors.merchant_promotion(actor=_user(request), promotion_id=promotion_id))


@router.patch(
    "/merchant/promotions/{promotion_id}",
    response=PromotionOut,
    summary="Edit a draft store promotion: the fields sent replace the draft's (409 promotion_not_draft after launch)",
)
def merchant_promotion_update(request: HttpRequest, promotion_id: int, payload: PromotionPatchIn) -> Any:
    row = selectors.merchant_promotion(actor=_user(request), promotion_id=promotion_id)
    return services.promotion_update(
        actor=_actor(request),
        merchant_id=row.merchant_id,
        promotion_id=row.pk,
        data=_promotion_patch(row, payload),
    )


@router.post(
    "/merchant/promotions/{promotion_id}/launch",
    response=PromotionOut,
    summary="Launch a draft (409 promotion_blocked with the findings when a check blocks it)",
)
def merchant_promotion_launch(request: HttpRequest, promotion_id: int) -> Any:
    merchant_id = selectors.actor_merchant_id(_user(request))
    return services.promotion_launch(
        actor=_actor(request), merchant_id=merchant_id, promotion_id=promotion_id
    )


@router.post(
    "/merchant/promotions/{promotion_id}/cancel", response=PromotionOut, summary="Cancel a promotion"
)
def merchant_promotion_cancel(request: HttpRequest, promotion_id: int) -> Any:
    merchant_id = selectors.actor_merchant_id(_user(request))
    return services.promotion_cancel(
        actor=_actor(request), merchant_id=merchant_id, promotion_id=promotion_id
    )


# ---------------------------------------------------------------- merchant: coupon batches


def _batch_input(payload: BatchIn) -> coupons.BatchInput:
    return coupons.BatchInput(**payload.dict())


@router.post("/merchant/coupon-batches", response={201: BatchOut}, summary="Create a store coupon batch")
def merchant_batch_create(request: HttpRequest, payload: BatchIn) -> Status[Any]:
    merchant_id = selectors.actor_merchant_id(_user(request))
    batch = coupons.coupon_batch_create(
        actor=_actor(request), merchant_id=merchant_id, data=_batch_input(payload)
    )
    return Status(201, batch)


@router.get("/merchant/coupon-batches", response=list[BatchOut], summary="The store's coupon batches")
@paginate(Pagination)
def merchant_batch_list(request: HttpRequest) -> Any:
    return selectors.merchant_batches(actor=_user(request))


@router.get("/merchant/coupon-batches/{batch_id}", response=BatchOut, summary="One store coupon batch")
def merchant_batch_get(request: HttpRequest, batch_id: int) -> Any:
    return selectors.merchant_batch(actor=_user(request), batch_id=batch_id)


@router.patch(
    "/merchant/coupon-batches/{batch_id}",
    response=BatchOut,
    summary="Edit a store coupon batch before any coupon is issued (409 coupon_batch_issued after)",
)
def merchant_batch_update(request: HttpRequest, batch_id: int, payload: BatchPatchIn) -> Any:
    batch = selectors.merchant_batch(actor=_user(request), batch_id=batch_id)
    return coupons.coupon_batch_update(
        actor=_actor(request),
        merchant_id=batch.merchant_id,
        batch_id=batch.pk,
        data=_batch_patch(batch, payload),
    )


@router.post("/merchant/coupon-batches/{batch_id}/cancel", response=BatchOut, summary="Stop issuing a batch")
def merchant_batch_cancel(request: HttpRequest, batch_id: int) -> Any:
    merchant_id = selectors.actor_merchant_id(_user(request))
    return coupons.coupon_batch_cancel(actor=_actor(request), merchant_id=merchant_id, batch_id=batch_id)


@router.post(
    "/merchant/price-suggestions",
    response=dict[str, Any],
    summary="Price suggestions (cost-plus, competitor, sales/stock/season); never changes a price",
)
def merchant_price_suggestions(request: HttpRequest, payload: SuggestionsIn) -> Any:
    selectors.actor_merchant_id(_user(request))
    config = strategy.StrategyConfig(
        target_margin_percent=payload.target_margin_percent, min_margin_percent=payload.min_margin_percent
    )
    month = timezone.localtime().month
    out = {}
    for item in payload.items:
        inp = strategy.StrategyInput(
            sku=item.sku,
            current_price_fen=item.current_price_fen,
            unit_cost_fen=item.unit_cost_fen,
            competitor_prices_fen=tuple(item.competitor_prices_fen),
            sales_last_30d=item.sales_last_30d,
            sales_prev_30d=item.sales_prev_30d,
            stock=item.stock,
            month=item.month or month,
            peak_months=tuple(item.peak_months),
            off_months=tuple(item.off_months),
        )
        out[item.sku] = [s.as_dict() for s in strategy.suggest(inp, config)]
    return {"suggestions": out, "config": asdict(config), "applied": False}


# ---------------------------------------------------------------- platform


@router.post(
    "/promotions", response={201: PromotionOut}, summary="Create a platform promotion (跨店满减 ...)"
)
def platform_promotion_create(request: HttpRequest, payload: PromotionIn) -> Status[Any]:
    row = services.promotion_create(actor=_actor(request), merchant_id=None, data=_promotion_input(payload))
    return Status(201, row)


@router.get("/promotions", response=list[PromotionOut], summary="Promotions (platform and every store's)")
@paginate(Pagination)
def platform_promotion_list(
    request: HttpRequest,
    platform_only: bool = False,
    status: str | None = None,
    merchant_id: int | None = None,
) -> Any:
    return selectors.platform_promotions(
        actor=_user(request), platform_only=platform_only, status=status, merchant_id=merchant_id
    )


@router.get("/promotions/{promotion_id}", response=PromotionOut, summary="One promotion")
def platform_promotion_get(request: HttpRequest, promotion_id: int) -> Any:
    return selectors.platform_promotion(actor=_user(request), promotion_id=promotion_id)


@router.get("/promotions/{promotion_id}/checks", response=CheckOut, summary="Run the pre-launch checks")
def platform_promotion_checks(request: HttpRequest, promotion_id: int) -> Any:
    return _check(selectors.platform_promotion(actor=_user(request), promotion_id=promotion_id))


@router.patch("/promotions/{promotion_id}", response=PromotionOut, summary="Edit a draft platform promotion")
def platform_promotion_update(request: HttpRequest, promotion_id: int, payload: PromotionPatchIn) -> Any:
    row = selectors.platform_promotion(actor=_user(request), promotion_id=promotion_id)
    return services.promotion_update(
        actor=_actor(request),
        merchant_id=None,
        promotion_id=row.pk,
        data=_promotion_patch(row, payload),
    )


@router.post(
    "/promotions/{promotion_id}/launch", response=PromotionOut, summary="Launch a platform promotion"
)
def platform_promotion_launch(request: HttpRequest, promotion_id: int) -> Any:
    return services.promotion_launch(actor=_actor(request), merchant_id=None, promotion_id=promotion_id)


@router.post(
    "/promotions/{promotion_id}/cancel", response=PromotionOut, summary="Cancel a platform promotion"
)
def platform_promotion_cancel(request: HttpRequest, promotion_id: int) -> Any:
    return services.promotion_cancel(actor=_actor(request), merchant_id=None, promotion_id=promotion_id)


@router.post("/coupon-batches", response={201: BatchOut}, summary="Create a platform coupon batch")
def platform_batch_create(request: HttpRequest, payload: BatchIn) -> Status[Any]:
    batch = coupons.coupon_batch_create(actor=_actor(request), merchant_id=None, data=_batch_input(payload))
    return Status(201, batch)


@router.get(
    "/coupon-batches", response=list[BatchOut], summary="Coupon batches (platform; all=true: every store's)"
)
@paginate(Pagination)
def platform_batch_list(request: HttpRequest, all: bool = False) -> Any:
    return selectors.platform_batches(actor=_user(request), platform_only=not all)


@router.get("/coupon-batches/{batch_id}", response=BatchOut, summary="One coupon batch")
def platform_batch_get(request: HttpRequest, batch_id: int) -> Any:
    return selectors.platform_batch(actor=_user(request), batch_id=batch_id)


@router.post(
    "/coupon-batches/{batch_id}/issue", response=IssueOut, summary="Issue a platform coupon to buyers"
)
def platform_batch_issue(request: HttpRequest, batch_id: int, payload: IssueIn) -> Any:
    result = coupons.coupons_issue(
        actor=_actor(request), merchant_id=None, batch_id=batch_id, usernames=payload.buyers
    )
    return IssueOut(
        issued=result.issued,
        refused=result.refused,
        no_consent=result.no_consent,
        no_consent_reason=coupons.NO_CONSENT_REASON if result.no_consent else "",
    )


@router.patch(
    "/coupon-batches/{batch_id}",
    response=BatchOut,
    summary="Edit a platform coupon batch before any coupon is issued",
)
def platform_batch_update(request: HttpRequest, batch_id: int, payload: BatchPatchIn) -> Any:
    batch = selectors.platform_batch(actor=_user(request), batch_id=batch_id)
    return coupons.coupon_batch_update(
        actor=_actor(request),
        merchant_id=None,
        batch_id=batch.pk,
        data=_batch_patch(batch, payload),
    )


@router.post("/coupon-batches/{batch_id}/cancel", response=BatchOut, summary="Stop issuing a platform batch")
def platform_batch_cancel(request: HttpRequest, batch_id: int) -> Any:
    return coupons.coupon_batch_cancel(actor=_actor(request), merchant_id=None, batch_id=batch_id)


# ---------------------------------------------------------------- buyers


def _buyer(request: HttpRequest) -> Any:
    return require_buyer(_user(request))  # 403 buyer_only (once buyers_only, issue 16)


@router.get(
    "/buyer/promotions",
    response=list[PublicPromotionOut],
    auth=None,
    summary="Live promotions and their rules, as buyers see them (public)",
)
@paginate(Pagination)
def buyer_promotion_list(request: HttpRequest, merchant_id: int | None = None) -> Any:
    return selectors.live_promotions(merchant_id=merchant_id)


@router.post("/buyer/coupons/claim", response={201: CouponOut}, summary="Claim a coupon with a code")
def buyer_coupon_claim(request: HttpRequest, payload: ClaimIn) -> Status[Any]:
    coupon = coupons.coupon_claim(
        buyer=_buyer(request), code=payload.code, context=request_context(request), request=request
    )
    return Status(201, CouponOut.from_row(coupon))


@router.get("/buyer/coupons", response=list[CouponOut], summary="My coupons")
@paginate(Pagination)
def buyer_coupon_list(request: HttpRequest, status: str | None = None) -> Any:
    return [CouponOut.from_row(c) for c in selectors.buyer_coupons(buyer=_buyer(request), status=status)]


@router.post(
    "/buyer/cart/quote",
    response=dict[str, Any],
    summary="Quote my cart: live promotions and my unused coupons, best combination, apportioned",
)
def buyer_cart_quote(request: HttpRequest, payload: CartIn) -> Any:
    buyer = _buyer(request)
    asked = [
        cart.LineIn(
            id=ln.id or f"L{i + 1}",
            merchant_id=ln.merchant_id,
            qty=ln.qty,
            sku=ln.sku,
            sku_id=ln.sku_id,
        )
        for i, ln in enumerate(payload.lines)
    ]
    lines, sources = cart.resolve_lines(asked)
    body = cart.cart_quote(buyer=buyer, lines=lines, coupon_ids=payload.coupon_ids).as_json()
    body["prices"] = sources
    return body


# Segment issues, memberships and the campaign report register their routes on this router.
from mallops.pricing import api_campaigns as _api_campaigns  # noqa: E402, F401
