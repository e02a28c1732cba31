"""Segment coupon issues and the campaign report of the promotions API (moved from pricing, issue 16).

Same routes and tags as before the move (ADR 0006: buyer segments and the campaign report are read
models over orders, pricing and dsr, so they sit in analytics, above them):

- ``POST /coupon-batches/{batch_id}/issue-segment`` (``promotion.manage``) and
  ``POST /merchant/coupon-batches/{batch_id}/issue-segment`` (``store.promotion.manage``, own store,
  own customers): one coupon per buyer of an RFM segment; ``GET /segments`` lists the segment sizes.
- ``GET /campaign-report`` (``promotion.view``): participation, discount cost, GMV and ROI per
  promotion and coupon batch from the orders' discount shares; ``GET /merchant/campaign-report``
  (``store.promotion.manage``): the store's own and the platform's campaigns on the store's own orders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.analytics import campaign_report, segments
from mallops.core.errors import FieldError, validation_error
from mallops.core.inputs import Schema, Text
from mallops.pricing.selectors import actor_merchant_id

router = Router(tags=["promotions"], auth=api_auth)


class SegmentIssueIn(Schema):
    segment: Text = Field(
        "", description="RFM tag: high_value, potential, at_risk, churned or regular", max_length=20
    )


class SegmentIssueOut(Schema):
    segment: str
    members: int
    issued: list[int]
    already: int
    refused: dict[str, int]
    no_consent: int = Field(0, description="Buyers skipped for lack of marketing consent")


class CampaignRowOut(Schema):
    type: str = Field(description="promotion or coupon_batch")
    id: int
    name: str
    merchant_id: int | None = Field(description="the store; null for the platform's offers")
    merchant: str
    orders: int
    buyers: int
    discount_fen: int = Field(description="the campaign's cost: the sum of its shares on the lines")
    gmv_fen: int = Field(description="paid less refunded on the orders it took part in")
    refunded_fen: int
    roi: float | None = Field(description="(gmv - cost) / cost, 4 places; null without cost")


class CampaignTotalsOut(Schema):
    orders: int
    buyers: int
    discount_fen: int
    gmv_fen: int
    roi: float | None


class CampaignReportOut(Schema):
    start: str | None
    end: str | None
    campaigns: list[CampaignRowOut]
    totals: CampaignTotalsOut


class MerchantCampaignReportOut(Schema):
    start: str | None
    end: str | None
    items: list[CampaignRowOut] = Field(
        description="the store's own campaigns, and the platform's counted on the store's orders only"
    )
    totals: CampaignTotalsOut


def _segment_out(result: segments.SegmentIssueResult) -> SegmentIssueOut:
    return SegmentIssueOut(
        segment=result.segment,
        members=result.members,
        issued=result.issued,
        already=result.already,
        refused=result.refused,
        no_consent=result.no_consent,
    )


@router.get("/segments", response=dict[str, int], summary="Buyers per RFM segment (for segment issues)")
def segment_list(request: HttpRequest) -> Any:
    require_permission(request_actor(request), "promotion.view")
    return segments.segment_sizes()


@router.post(
    "/coupon-batches/{batch_id}/issue-segment",
    response=SegmentIssueOut,
    summary="Issue a platform coupon to every buyer of a segment (once per buyer)",
)
def platform_batch_issue_segment(request: HttpRequest, batch_id: int, payload: SegmentIssueIn) -> Any:
    result = segments.coupons_issue_segment(
        actor=request_actor(request), merchant_id=None, batch_id=batch_id, segment=payload.segment
    )
    return _segment_out(result)


@router.post(
    "/merchant/coupon-batches/{batch_id}/issue-segment",
    response=SegmentIssueOut,
    summary="Issue a store coupon to the segment's buyers who paid an order of the store (once each)",
)
def merchant_batch_issue_segment(request: HttpRequest, batch_id: int, payload: SegmentIssueIn) -> Any:
    actor = request_actor(request)
    merchant_id = actor_merchant_id(actor)
    result = segments.coupons_issue_segment(
        actor=actor,
        merchant_id=merchant_id,
        batch_id=batch_id,
        segment=payload.segment,
    )
    return _segment_out(result)


@router.get(
    "/campaign-report",
    response=CampaignReportOut,
    summary="Per promotion and coupon batch: orders, buyers, discount cost, GMV (less refunds) and ROI",
)
def campaign_report_get(request: HttpRequest, start: date | None = None, end: date | None = None) -> Any:
    if start is not None and end is not None and end < start:
        raise validation_error([FieldError(loc=("query", "end"), msg="must not be before start")])
    return campaign_report.campaign_report(actor=request_actor(request), start=start, end=end)


@router.get(
    "/merchant/campaign-report",
    response=MerchantCampaignReportOut,
    summary="The store's campaigns and the platform's, counted on the store's own paid orders only",
)
def merchant_campaign_report_get(
    request: HttpRequest, start: date | None = None, end: date | None = None
) -> Any:
    merchant_id = actor_merchant_id(request_actor(request))
    if start is not None and end is not None and end < start:
        raise validation_error([FieldError(loc=("query", "end"), msg="must not be before start")])
    report = campaign_report.merchant_campaign_report(
        actor=request_actor(request), merchant_id=merchant_id, start=start, end=end
    )
    # ``items`` like every other merchant list (the platform report calls them ``campaigns``)
    report["items"] = report.pop("campaigns")
    return report
