"""HTTP API of marketing under /api/v1/marketing/... (R4.1.1, R4.1.2, R4.1.3, R4.2.1).

Writes need ``promotion.manage`` (checked by the services), reads ``analytics.view``. Spend is set per
channel and Beijing day with PUT (idempotent by nature: the same amount again changes nothing); the CSV
import is all or nothing. The report's figures are integers in fen; ROI is an exact fraction given as a
decimal string with six places (``null`` without spend).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.core.errors import FieldError, validation_error
from mallops.core.inputs import Fen, QuerySchema, Schema, Text, multipart_files
from mallops.marketing import selectors, services
from mallops.marketing.engine import Model
from mallops.marketing.models import Channel, ChannelSpend

router = Router(tags=["marketing"], auth=api_auth)

MAX_CSV_BYTES = 1024 * 1024

ChannelKindIn = Literal["search_ads", "social", "content", "live_streaming", "private_domain"]


class MarketingChannelIn(Schema):
    code: Text = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: Text = Field(..., min_length=1, max_length=80)
    kind: ChannelKindIn
    utm_source: Text = Field(..., min_length=1, max_length=80)
    is_active: bool = True


class MarketingChannelOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    utm_source: str
    is_active: bool


class MarketingChannelListOut(Schema):
    items: list[MarketingChannelOut]


class MarketingSpendIn(Schema):
    amount_fen: Fen


class MarketingSpendOut(Schema):
    channel_id: int
    channel: str
    day: date
    amount_fen: int
    source: str


class MarketingSpendImportOut(Schema):
    rows: int
    changed: int


class MarketingReportQuery(QuerySchema):
    start: date
    end: date
    model: Literal["first_touch", "last_touch"] = "last_touch"
    lookback_days: int = Field(selectors.DEFAULT_LOOKBACK_DAYS, ge=1, le=90)
    max_step_percent: int = Field(20, ge=1, le=50)


class MarketingReportRowOut(Schema):
    channel: str  # "" for the unattributed row
    spend_fen: int
    orders: int
    gmv_fen: int
    new_buyers: int
    cac_fen: int | None
    roi: str | None


class MarketingMoveOut(Schema):
    channel: str
    spend_fen: int
    roi: str
    change_fen: int
    reason_zh: str


class MarketingReportOut(Schema):
    start: date
    end: date
    model: str
    lookback_days: int
    rows: list[MarketingReportRowOut]
    total_spend_fen: int
    total_orders: int
    total_gmv_fen: int
    mean_roi: str | None
    moves: list[MarketingMoveOut]


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else f"{float(value):.6f}"


def _channel_out(row: Channel) -> MarketingChannelOut:
    return MarketingChannelOut(
        id=row.pk,
        code=row.code,
        name=row.name,
        kind=row.kind,
        utm_source=row.utm_source,
        is_active=row.is_active,
    )


@router.get("/marketing/channels", response=MarketingChannelListOut, summary="Marketing channels")
def marketing_channels(request: HttpRequest) -> MarketingChannelListOut:
    return MarketingChannelListOut(
        items=[_channel_out(c) for c in selectors.channels(actor=request_actor(request))]
    )


@router.post("/marketing/channels", response={201: MarketingChannelOut}, summary="Create a channel")
def marketing_channel_create(
    request: HttpRequest, payload: MarketingChannelIn
) -> Status[MarketingChannelOut]:
    row = services.channel_create(
        actor=request_actor(request),
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        utm_source=payload.utm_source,
        is_active=payload.is_active,
    )
    return Status(201, _channel_out(row))


@router.put(
    "/marketing/channels/{channel_id}/spend/{day}",
    response=MarketingSpendOut,
    summary="Set a channel's spend for a Beijing day (replaces the amount)",
)
def marketing_spend_set(
    request: HttpRequest, channel_id: int, day: date, payload: MarketingSpendIn
) -> MarketingSpendOut:
    row: ChannelSpend = services.spend_set(
        actor=request_actor(request),
        channel_id=channel_id,
        day=day,
        amount_fen=payload.amount_fen,
        source="api",
    )
    return MarketingSpendOut(
        channel_id=row.channel_id,
        channel=row.channel.code,
        day=row.day,
        amount_fen=row.amount_fen,
        source=row.source,
    )


@router.post(
    "/marketing/spend/import",
    response=MarketingSpendImportOut,
    summary="Import spend from CSV (multipart field 'file': channel,day,amount_yuan; all or nothing)",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    },
)
def marketing_spend_import(request: HttpRequest) -> MarketingSpendImportOut:
    require_permission(request_actor(request), "promotion.manage")
    _form, files = multipart_files(request)  # read only after the permission check
    upload = files.get("file")
    if upload is None:
        raise validation_error([FieldError(("body", "file"), "Required.", "required")])
    if upload.size > MAX_CSV_BYTES:
        raise validation_error([FieldError(("body", "file"), "The file is too large (1 MB).", "too_large")])
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise validation_error([FieldError(("body", "file"), "The file is not UTF-8.", "encoding")]) from None
    result = services.spend_import_csv(actor=request_actor(request), text=text)
    return MarketingSpendImportOut(rows=result.rows, changed=result.changed)


@router.get("/marketing/report", response=MarketingReportOut, summary="Channel ROI report and budget moves")
def marketing_report(request: HttpRequest, query: Query[MarketingReportQuery]) -> MarketingReportOut:
    report = selectors.channel_report(
        actor=request_actor(request),
        start=query.start,
        end=query.end,
        model=Model(query.model),
        lookback_days=query.lookback_days,
        max_step_percent=query.max_step_percent,
    )
    rows = report.attribution.rows
    return MarketingReportOut(
        start=report.start,
        end=report.end,
        model=str(report.model),
        lookback_days=report.lookback_days,
        rows=[
            MarketingReportRowOut(
                channel=r.code,
                spend_fen=r.spend_fen,
                orders=r.orders,
                gmv_fen=r.gmv_fen,
                new_buyers=r.new_buyers,
                cac_fen=r.cac_fen,
                roi=_ratio(r.roi),
            )
            for r in rows
        ],
        total_spend_fen=sum(r.spend_fen for r in rows),
        total_orders=sum(r.orders for r in rows),
        total_gmv_fen=report.total_gmv_fen,
        mean_roi=_ratio(report.mean_roi),
        moves=[
            MarketingMoveOut(
                channel=m.code,
                spend_fen=m.spend_fen,
                roi=_ratio(m.roi) or "",
                change_fen=m.change_fen,
                reason_zh=m.reason_zh,
            )
            for m in report.moves
        ],
    )
