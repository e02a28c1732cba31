"""HTTP API of tier strategies (R4.1.2) and targeted campaigns (R4.2.1) under /api/v1/marketing/...

Split from :mod:`mallops.marketing.api` (channels, spend and the ROI report) along the domain; same
permissions and conventions.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Status
from pydantic import AfterValidator

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Fen, Id, MultilineText, Schema, Text
from mallops.marketing import campaigns as campaign_services
from mallops.marketing import selectors, services, targeting
from mallops.marketing import strategies as strategy_services
from mallops.marketing.models import Campaign, Strategy, StrategyRun

router = Router(tags=["marketing"], auth=api_auth)


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else f"{float(value):.6f}"


# --- tier strategies (R4.1.2) and targeted campaigns (R4.2.1) -----------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _aware(value: datetime) -> datetime:
    """A time without offset is Beijing time; years outside 2000-2100 are refused."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


Moment = Annotated[datetime, AfterValidator(_aware)]
SegmentIn = Literal["", "high_value", "potential", "at_risk", "churned", "regular"]
StrategyActionIn = Literal["care_task", "retarget_list", "winback_coupon"]
OfferKindIn = Literal["coupon", "promotion"]
Tag = Annotated[Text, Field(min_length=1, max_length=30)]


class MarketingStrategyIn(Schema):
    name: Text = Field(..., min_length=1, max_length=80)
    action: StrategyActionIn
    segment: SegmentIn = ""
    tier_code: Text = Field("", max_length=20)
    channel_id: Id | None = None
    coupon_batch_id: Id | None = None
    holdout_percent: int = Field(10, ge=0, le=50)
    measure_days: int = Field(14, ge=1, le=90)


class MarketingStrategyOut(Schema):
    id: int
    name: str
    action: str
    segment: str
    tier_code: str
    channel_id: int | None
    coupon_batch_id: int | None
    holdout_percent: int
    measure_days: int
    is_active: bool


class MarketingStrategyListOut(Schema):
    items: list[MarketingStrategyOut]


class MarketingResultsOut(Schema):
    """Exact figures: amounts in fen, rates and ROI as decimal strings with six places (null when the
    denominator is zero)."""

    reach: int
    conversions: int
    orders: int
    gmv_fen: int
    cost_fen: int
    roi: str | None
    conversion_rate: str | None
    holdout_size: int
    holdout_conversions: int
    holdout_conversion_rate: str | None
    uplift: str | None


class MarketingStrategyRunOut(Schema):
    id: int
    strategy_id: int
    trigger: str
    started_at: datetime
    matched: int
    no_consent: int
    held_out: int
    acted: int
    skipped: int
    error: str
    results: MarketingResultsOut | None = None


class MarketingAudienceIn(Schema):
    segment: SegmentIn = ""
    tier_code: Text = Field("", max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    holdout_percent: int = Field(10, ge=0, le=50)


class MarketingAudienceOut(Schema):
    matched: int
    no_consent: int
    audience: int
    holdout: int


class MarketingCampaignIn(Schema):
    name: Text = Field(..., min_length=1, max_length=80)
    segment: SegmentIn = ""
    tier_code: Text = Field("", max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    offer_kind: OfferKindIn
    coupon_batch_id: Id | None = None
    promotion_id: Id | None = None
    message: MultilineText = Field(..., min_length=1, max_length=500)
    channel_id: Id
    starts_at: Moment
    ends_at: Moment
    holdout_percent: int = Field(10, ge=0, le=50)
    message_cost_fen: Fen = 0


class MarketingCampaignOut(Schema):
    id: int
    name: str
    status: str
    segment: str
    tier_code: str
    tags: list[str]
    offer_kind: str
    coupon_batch_id: int | None
    promotion_id: int | None
    message: str
    channel_id: int
    starts_at: datetime
    ends_at: datetime
    holdout_percent: int
    message_cost_fen: int
    findings: list[dict[str, Any]]
    findings_acknowledged: bool
    approved_at: datetime | None
    launched_at: datetime | None
    delivered_at: datetime | None
    finished_at: datetime | None


class MarketingCampaignListOut(Schema):
    items: list[MarketingCampaignOut]


class MarketingApproveIn(Schema):
    acknowledge_findings: bool = False


class MarketingBuyerTagsIn(Schema):
    tag: Tag
    usernames: list[Text] = Field(..., min_length=1, max_length=1000)


class MarketingBuyerTagsOut(Schema):
    tagged: int
    unknown: list[str]


def _results_out(result: targeting.Results | None) -> MarketingResultsOut | None:
    if result is None:
        return None
    return MarketingResultsOut(
        reach=result.reach,
        conversions=result.conversions,
        orders=result.orders,
        gmv_fen=result.gmv_fen,
        cost_fen=result.cost_fen,
        roi=_ratio(result.roi),
        conversion_rate=_ratio(result.conversion_rate),
        holdout_size=result.holdout_size,
        holdout_conversions=result.holdout_conversions,
        holdout_conversion_rate=_ratio(result.holdout_conversion_rate),
        uplift=_ratio(result.uplift),
    )


def _strategy_out(row: Strategy) -> MarketingStrategyOut:
    return MarketingStrategyOut(
        id=row.pk,
        name=row.name,
        action=row.action,
        segment=row.segment,
        tier_code=row.tier_code,
        channel_id=row.channel_id,
        coupon_batch_id=row.coupon_batch_id,
        holdout_percent=row.holdout_percent,
        measure_days=row.measure_days,
        is_active=row.is_active,
    )


def _run_out(run: StrategyRun, *, measured: bool = False) -> MarketingStrategyRunOut:
    return MarketingStrategyRunOut(
        id=run.pk,
        strategy_id=run.strategy_id,
        trigger=run.trigger,
        started_at=run.started_at,
        matched=run.matched,
        no_consent=run.no_consent,
        held_out=run.held_out,
        acted=run.acted,
        skipped=run.skipped,
        error=run.error,
        results=_results_out(strategy_services.run_results(run=run)) if measured and not run.error else None,
    )


def _campaign_out(row: Campaign) -> MarketingCampaignOut:
    return MarketingCampaignOut(
        id=row.pk,
        name=row.name,
        status=row.status,
        segment=row.segment,
        tier_code=row.tier_code,
        tags=list(row.tags),
        offer_kind=row.offer_kind,
        coupon_batch_id=row.coupon_batch_id,
        promotion_id=row.promotion_id,
        message=row.message,
        channel_id=row.channel_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        holdout_percent=row.holdout_percent,
        message_cost_fen=row.message_cost_fen,
        findings=list(row.findings),
        findings_acknowledged=row.findings_acknowledged,
        approved_at=row.approved_at,
        launched_at=row.launched_at,
        delivered_at=row.delivered_at,
        finished_at=row.finished_at,
    )


@router.get("/marketing/strategies", response=MarketingStrategyListOut, summary="Tier strategies")
def marketing_strategies(request: HttpRequest) -> MarketingStrategyListOut:
    return MarketingStrategyListOut(
        items=[_strategy_out(s) for s in selectors.strategies(actor=request_actor(request))]
    )


@router.post("/marketing/strategies", response={201: MarketingStrategyOut}, summary="Create a tier strategy")
def marketing_strategy_create(
    request: HttpRequest, payload: MarketingStrategyIn
) -> Status[MarketingStrategyOut]:
    row = strategy_services.strategy_create(actor=request_actor(request), **payload.model_dump())
    return Status(201, _strategy_out(row))


@router.post(
    "/marketing/strategies/{strategy_id}/run",
    response={201: MarketingStrategyRunOut},
    summary="Run a strategy now (Idempotency-Key required: a win-back run issues coupons)",
)
def marketing_strategy_run(request: HttpRequest, strategy_id: int) -> Status[MarketingStrategyRunOut]:
    require_idempotency_key(request)
    run = strategy_services.strategy_run(actor=request_actor(request), strategy_id=strategy_id)
    return Status(201, _run_out(run))


@router.get(
    "/marketing/strategy-runs/{run_id}",
    response=MarketingStrategyRunOut,
    summary="A strategy run with its counts and its measurement against the holdout",
)
def marketing_strategy_run_get(request: HttpRequest, run_id: int) -> MarketingStrategyRunOut:
    return _run_out(selectors.strategy_run_get(actor=request_actor(request), run_id=run_id), measured=True)


@router.get(
    "/marketing/strategy-runs/{run_id}/retarget.csv",
    summary="The run's retargeting audience as CSV (channel,utm_source,buyer)",
    description="Recorded as an export of personal data; `purpose` (导出用途) is required from 50 buyers.",
)
def marketing_strategy_run_export(request: HttpRequest, run_id: int, purpose: str = "") -> HttpResponse:
    actor = request_actor(request)
    run = selectors.strategy_run_get(actor=actor, run_id=run_id)
    text = strategy_services.retarget_export(actor=actor, run=run, purpose=purpose[:200])
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="retarget-run-{run.pk}.csv"'
    return response


@router.post(
    "/marketing/buyer-tags", response=MarketingBuyerTagsOut, summary="Tag buyers (campaign audiences)"
)
def marketing_buyer_tags(request: HttpRequest, payload: MarketingBuyerTagsIn) -> MarketingBuyerTagsOut:
    result = services.buyer_tags_add(
        actor=request_actor(request), tag=payload.tag, usernames=payload.usernames
    )
    return MarketingBuyerTagsOut(tagged=result.tagged, unknown=result.unknown)


@router.post(
    "/marketing/audience-preview",
    response=MarketingAudienceOut,
    summary="How many buyers an audience reaches now (buyers without marketing consent excluded)",
)
def marketing_audience_preview(request: HttpRequest, payload: MarketingAudienceIn) -> MarketingAudienceOut:
    preview = selectors.audience_preview(actor=request_actor(request), **payload.model_dump())
    return MarketingAudienceOut(
        matched=preview.matched,
        no_consent=preview.no_consent,
        audience=preview.audience,
        holdout=preview.holdout,
    )


@router.get("/marketing/campaigns", response=MarketingCampaignListOut, summary="Targeted campaigns")
def marketing_campaigns(request: HttpRequest, status: str = "") -> MarketingCampaignListOut:
    rows = selectors.campaigns(actor=request_actor(request), status=status)
    return MarketingCampaignListOut(items=[_campaign_out(c) for c in rows[:500]])


@router.post("/marketing/campaigns", response={201: MarketingCampaignOut}, summary="Create a draft campaign")
def marketing_campaign_create(
    request: HttpRequest, payload: MarketingCampaignIn
) -> Status[MarketingCampaignOut]:
    data = payload.model_dump()
    data["tags"] = tuple(data["tags"])
    row = campaign_services.campaign_create(
        actor=request_actor(request), data=campaign_services.CampaignInput(**data)
    )
    return Status(201, _campaign_out(row))


@router.get("/marketing/campaigns/{campaign_id}", response=MarketingCampaignOut, summary="One campaign")
def marketing_campaign_get(request: HttpRequest, campaign_id: int) -> MarketingCampaignOut:
    return _campaign_out(selectors.campaign_get(actor=request_actor(request), campaign_id=campaign_id))


@router.post(
    "/marketing/campaigns/{campaign_id}/approve",
    response=MarketingCampaignOut,
    summary="Approve a draft (a second person; compliance block refuses, review findings need acknowledging)",
)
def marketing_campaign_approve(
    request: HttpRequest, campaign_id: int, payload: MarketingApproveIn
) -> MarketingCampaignOut:
    row = campaign_services.campaign_approve(
        actor=request_actor(request),
        campaign_id=campaign_id,
        acknowledge_findings=payload.acknowledge_findings,
    )
    return _campaign_out(row)


@router.post(
    "/marketing/campaigns/{campaign_id}/launch",
    response=MarketingCampaignOut,
    summary="Launch an approved campaign (Idempotency-Key required: starting it issues coupons)",
)
def marketing_campaign_launch(request: HttpRequest, campaign_id: int) -> MarketingCampaignOut:
    require_idempotency_key(request)
    return _campaign_out(
        campaign_services.campaign_launch(actor=request_actor(request), campaign_id=campaign_id)
    )


@router.post(
    "/marketing/campaigns/{campaign_id}/finish", response=MarketingCampaignOut, summary="Stop a campaign"
)
def marketing_campaign_finish(request: HttpRequest, campaign_id: int) -> MarketingCampaignOut:
    return _campaign_out(
        campaign_services.campaign_finish(actor=request_actor(request), campaign_id=campaign_id)
    )


@router.get(
    "/marketing/campaigns/{campaign_id}/results",
    response={200: MarketingResultsOut, 204: None},
    summary="Reach, conversion, cost, GMV, ROI and uplift vs the holdout (204 before delivery)",
)
def marketing_campaign_results(request: HttpRequest, campaign_id: int) -> Any:
    campaign = selectors.campaign_get(actor=request_actor(request), campaign_id=campaign_id)
    result = _results_out(campaign_services.campaign_results(campaign=campaign))
    return Status(204, None) if result is None else result
