"""Reads of marketing: channels, spend and the channel report (R4.1.1, R4.1.3).

The channel report reads paid orders and UTM touches through ``mallops.analytics.selectors`` (the event
store and, when they hold orders, the order tables: the same GMV as the KPI report) with identities
resolved, so an anonymous device merged into a buyer on login is one person: its touches credit that
buyer's orders and the buyer is one new buyer, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Final
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum

from mallops.accounts.services import require_permission
from mallops.analytics import selectors as analytics
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.marketing import audience, engine
from mallops.marketing.errors import MarketingCode
from mallops.marketing.models import Campaign, Channel, ChannelSpend, Strategy, StrategyRun

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
DEFAULT_LOOKBACK_DAYS: Final = 30
MAX_DAYS: Final = 366
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


def _us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def day_start_us(day: date) -> int:
    """Microseconds since the epoch at 00:00 Asia/Shanghai of ``day``."""
    return _us(datetime.combine(day, time(0), tzinfo=SHANGHAI))


def channels(*, actor: Actor) -> QuerySet[Channel]:
    require_permission(actor, "analytics.view")
    return Channel.objects.order_by("code")


def spends(*, actor: Actor, start: date, end: date) -> QuerySet[ChannelSpend]:
    require_permission(actor, "analytics.view")
    return (
        ChannelSpend.objects.filter(day__gte=start, day__lte=end)
        .select_related("channel")
        .order_by("day", "channel__code")
    )


@dataclass(frozen=True)
class ChannelReport:
    start: date
    end: date
    model: engine.Model
    lookback_days: int
    channels: tuple[Channel, ...]
    attribution: engine.Attribution
    mean_roi: Fraction | None
    moves: tuple[engine.Move, ...]

    @property
    def total_spend_fen(self) -> int:
        return sum(row.spend_fen for row in self.attribution.rows)

    @property
    def total_gmv_fen(self) -> int:
        return sum(row.gmv_fen for row in self.attribution.rows)


def channel_report(
    *,
    actor: Actor,
    start: date,
    end: date,
    model: engine.Model = engine.Model.LAST_TOUCH,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    max_step_percent: int = 20,
) -> ChannelReport:
    """Spend, orders, GMV, new buyers, CAC and ROI per channel for the Beijing days ``start..end``
    (inclusive), under first- or last-touch attribution, and the budget moves. 422 on a bad range."""
    require_permission(actor, "analytics.view")
    errors = []
    if end < start:
        errors.append(FieldError(("query", "end"), "The end is before the start.", "range"))
    elif (end - start).days >= MAX_DAYS:
        errors.append(FieldError(("query", "end"), "At most 366 days.", "range"))
    if not 1 <= lookback_days <= 90:
        errors.append(FieldError(("query", "lookback_days"), "Between 1 and 90 days.", "range"))
    if not 1 <= max_step_percent <= 50:
        errors.append(FieldError(("query", "max_step_percent"), "Between 1 and 50.", "range"))
    if errors:
        raise validation_error(errors)
    from_us, to_us = day_start_us(start), day_start_us(end + timedelta(days=1))
    lookback_us = lookback_days * 86_400 * 1_000_000
    rows = list(Channel.objects.order_by("code"))
    spend = dict(
        ChannelSpend.objects.filter(day__gte=start, day__lte=end)
        .values("channel__code")
        .annotate(total=Sum("amount_fen"))
        .values_list("channel__code", "total")
    )
    orders = [
        engine.PaidOrder(person=o.distinct_id, ts_us=o.ts_us, order_id=o.order_id, amount_fen=o.amount_fen)
        for o in analytics.paid_orders(from_us=from_us, to_us=to_us)
    ]
    earlier = frozenset(o.distinct_id for o in analytics.paid_orders(from_us=0, to_us=from_us))
    touches = [
        engine.Touch(person=t.distinct_id, ts_us=t.ts_us, utm_source=t.utm_source)
        for t in analytics.utm_touches(from_us=from_us - lookback_us, to_us=to_us)
    ]
    attribution = engine.attribute(
        channel_codes=[c.code for c in rows],
        channel_of_source={c.utm_source: c.code for c in rows},
        spend_fen={code: int(total) for code, total in spend.items()},
        orders=orders,
        touches=touches,
        earlier_buyers=earlier,
        model=model,
        lookback_us=lookback_us,
    )
    mean, moves = engine.reallocate(attribution.rows, max_step_percent=max_step_percent)
    return ChannelReport(
        start=start,
        end=end,
        model=model,
        lookback_days=lookback_days,
        channels=tuple(rows),
        attribution=attribution,
        mean_roi=mean,
        moves=tuple(moves),
    )


# --- tier strategies and targeted campaigns (R4.1.2, R4.2.1) ------------------------------------------------

VIEW_CAMPAIGNS: Final = "promotion.view"


def strategies(*, actor: Actor) -> QuerySet[Strategy]:
    """Every strategy, oldest first (``promotion.view``)."""
    require_permission(actor, VIEW_CAMPAIGNS)
    return Strategy.objects.select_related("channel", "coupon_batch", "owner").order_by("pk")


def strategy_get(*, actor: Actor, strategy_id: int) -> Strategy:
    row = strategies(actor=actor).filter(pk=strategy_id).first()
    if row is None:
        raise DomainError(
            detail="No such strategy.", code=MarketingCode.STRATEGY_NOT_FOUND, status=404, title="Not found"
        )
    return row


def strategy_runs(*, actor: Actor, strategy_id: int | None = None) -> QuerySet[StrategyRun]:
    """Runs, newest first (``promotion.view``)."""
    require_permission(actor, VIEW_CAMPAIGNS)
    rows = StrategyRun.objects.select_related("strategy", "strategy__channel")
    if strategy_id is not None:
        rows = rows.filter(strategy_id=strategy_id)
    return rows.order_by("-started_at", "-pk")


def strategy_run_get(*, actor: Actor, run_id: int) -> StrategyRun:
    row = strategy_runs(actor=actor).filter(pk=run_id).first()
    if row is None:
        raise DomainError(
            detail="No such strategy.", code=MarketingCode.STRATEGY_NOT_FOUND, status=404, title="Not found"
        )
    return row


def campaigns(*, actor: Actor, status: str = "") -> QuerySet[Campaign]:
    """Every campaign, newest first (``promotion.view``)."""
    require_permission(actor, VIEW_CAMPAIGNS)
    rows = Campaign.objects.select_related("channel", "coupon_batch", "promotion")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-pk")


def campaign_get(*, actor: Actor, campaign_id: int) -> Campaign:
    row = campaigns(actor=actor).filter(pk=campaign_id).first()
    if row is None:
        raise DomainError(
            detail="No such campaign.", code=MarketingCode.CAMPAIGN_NOT_FOUND, status=404, title="Not found"
        )
    return row


@dataclass(frozen=True)
class AudiencePreview:
    matched: int
    no_consent: int
    audience: int  # consenting buyers: what a launch reaches, holdout included
    holdout: int  # of them, held out at ``holdout_percent``


def audience_preview(
    *,
    actor: Actor,
    segment: str = "",
    tier_code: str = "",
    tags: list[str] | None = None,
    holdout_percent: int = 10,
) -> AudiencePreview:
    """How many buyers the criteria match now, how many lack marketing consent, and the expected holdout
    (estimated with campaign id 0: the real split depends on the campaign's id)."""
    require_permission(actor, VIEW_CAMPAIGNS)
    found = audience.resolve(actor=actor, segment=segment, tier_code=tier_code, tags=tags)
    _treated, held = found.split(scope="campaign", scope_id=0, percent=holdout_percent)
    return AudiencePreview(
        matched=found.matched, no_consent=found.no_consent, audience=len(found.buyers), holdout=len(held)
    )
