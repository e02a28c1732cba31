"""Points writes (R2.3.1): the append-only ledger and each buyer's balance row.

Every change appends one :class:`PointsEntry` and updates the buyer's :class:`PointsAccount` in the same
transaction, under ``select_for_update`` of that account row, so the balance always equals the sum of the
entries (and the database refuses a negative balance). Each change is audited (``membership.points_<kind>``).

Lock order: the points account is the last row lock a transaction takes (the audit head comes after it,
at the end of the ``audited`` block): checkout locks its stock rows, then the account; the sweeps lock an
order (or its points row), then the account. Nothing locks an account and then an order or stock row.

- **Earn**: the ``membership.points_earn`` sweep gives points for paid orders (per whole 元 paid in cash,
  by the buyer's tier, times the best points campaign of the payment time), frozen.
- **Unfreeze**: ``membership.points_unfreeze`` at ``unfreeze_due_at``: once the return window after
  delivery closed (``POINTS_FREEZE_DAYS``) and no money request of the order is open.
- **Redeem** at checkout (:class:`CheckoutPoints`, registered as the orders app's points tender).
- **Refunds** (``membership.points_settle``): an order's refund gives back exactly the points of the
  refunded units (line by line) and takes back the earned points the refunded cash had earned.
- **Expire** (``membership.points_expire``) and the notice before (``membership.points_expiry_notice``).
- **Coupons for points** and staff **adjustments** (reason required).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import F, Max, Q, QuerySet, Sum
from django.utils import timezone

from mallops.accounts.models import User
from mallops.accounts.roles import Kind as UserKind
from mallops.accounts.services import require_permission
from mallops.aftersales.models import MONEY_KINDS, RequestLine
from mallops.aftersales.models import Status as RequestStatus
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.core.timeutil import SHANGHAI
from mallops.membership import points_conf as conf
from mallops.membership import points_engine as engine
from mallops.membership.errors import MembershipCode
from mallops.membership.models import (
    Member,
    PointsAccount,
    PointsCampaign,
    PointsCouponOffer,
    PointsEntry,
    PointsLine,
    PointsNotice,
    PointsOrder,
)
from mallops.orders.models import Order, OrderStatus
from mallops.orders.permissions import require_buyer
from mallops.orders.tender import TenderLine, TenderPlan
from mallops.pricing import selectors as pricing_selectors

EntryKind = PointsEntry.Kind
FINAL = (OrderStatus.REFUNDED, OrderStatus.CANCELLED)  # every unit of the order went back (or never sold)
_OPEN_REQUESTS = (
    RequestStatus.PENDING,
    RequestStatus.AWAITING_RETURN,
    RequestStatus.RETURNING,
    RequestStatus.DISPUTED,
)
_REASON = "points of an order"


def _account(buyer_id: int) -> PointsAccount:
    """The buyer's account row, locked (created at first use). Take it after any order or stock lock."""
    PointsAccount.objects.get_or_create(buyer_id=buyer_id)
    account: PointsAccount = PointsAccount.objects.select_for_update().get(buyer_id=buyer_id)
    return account


def _expires_at(earned_at: datetime) -> datetime:
    day = engine.expiry_month_end(earned_at.astimezone(SHANGHAI).date(), conf.value("POINTS_EXPIRY_MONTHS"))
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


def _notice_due(expires_at: datetime) -> datetime:
    return expires_at - timedelta(days=conf.value("POINTS_EXPIRY_NOTICE_DAYS"))


def _append(
    account: PointsAccount,
    *,
    kind: str,
    now: datetime,
    delta: int = 0,
    frozen_delta: int = 0,
    order_id: int | None = None,
    reference: str = "",
    reason: str = "",
    actor: Actor | None = None,
    expires_at: datetime | None = None,
) -> PointsEntry:
    """Append one entry and move the (locked) balance with it; 409 ``points_insufficient`` below 0."""
    before = {"available": account.available, "frozen": account.frozen}
    if account.available + delta < 0 or account.frozen + frozen_delta < 0:
        raise conflict(
            "Not enough points.", code=MembershipCode.POINTS_INSUFFICIENT, available=account.available
        )
    account.available += delta
    account.frozen += frozen_delta
    fields = ["available", "frozen", "updated_at"]
    if expires_at is not None and (account.expiry_due_at is None or expires_at < account.expiry_due_at):
        account.expiry_due_at, account.notice_due_at = expires_at, _notice_due(expires_at)
        fields += ["expiry_due_at", "notice_due_at"]
    account.save(update_fields=fields)
    entry = PointsEntry.objects.create(
        buyer_id=account.buyer_id,
        kind=kind,
        delta=delta,
        frozen_delta=frozen_delta,
        order_id=order_id,
        expires_at=expires_at,
        reason=reason[:200],
        reference=reference[:64],
        actor_id=actor.user_id if actor is not None else None,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=f"membership.points_{kind}",
        obj=entry,
        before=before,
        after={
            "available": account.available,
            "frozen": account.frozen,
            "buyer": account.buyer_id,
            "order": order_id,
            "reference": entry.reference,
            "reason": entry.reason,
        },
    )
    return entry


# --- earn and unfreeze -----------------------------------------------------------------------------------


def earn_rule(buyer_id: int, at: datetime) -> tuple[int, int]:
    """(points per 元, campaign multiplier %) for an order of ``buyer_id`` paid at ``at``."""
    member = Member.objects.filter(buyer_id=buyer_id).select_related("tier").first()
    if member is not None and member.tier is not None and member.tier.active:
        per_yuan = member.tier.points_per_yuan
    else:
        per_yuan = conf.value("POINTS_PER_YUAN")
    best = PointsCampaign.objects.filter(active=True, starts_at__lte=at, ends_at__gt=at).aggregate(
        m=Max("multiplier_percent")
    )["m"]
    return per_yuan, int(best or 100)


def _points_order(order: Order) -> PointsOrder:
    PointsOrder.objects.get_or_create(order_id=order.pk, defaults={"buyer_id": order.buyer_id})
    row: PointsOrder = PointsOrder.objects.select_for_update().get(order_id=order.pk)
    return row


def earn_due(now: datetime) -> QuerySet[Order]:
    """Paid orders of the last 30 days whose points were not yet earned (the earn sweep's due set)."""
    done = PointsOrder.objects.filter(earned_at__isnull=False).values("order_id")
    rows: QuerySet[Order] = (
        Order.objects.unscoped(reason="points earned on paid orders")
        .filter(paid_at__isnull=False, paid_at__gt=now - timedelta(days=30), paid_at__lte=now)
        .exclude(pk__in=done)
    )
    return rows


def points_earn_sweep(order: Order, now: datetime) -> None:
    """Sweep handler of ``membership.points_earn`` (``earn_due`` rows): :func:`points_earn`."""
    points_earn(order, now)


def points_earn(order: Order, now: datetime) -> PointsOrder:
    """Earn the frozen points of one paid order (the caller holds the order row's lock); idempotent.

    Points per whole 元 of the cash paid for the goods (``order.paid_fen`` net of the points tender, less the
    shipping: shipping earns no points), by the buyer's
    tier (``Tier.points_per_yuan``, else ``POINTS_PER_YUAN``), times the best active points campaign at
    the payment time. They stay frozen until ``unfreeze_due_at`` and expire at the end of the
    ``POINTS_EXPIRY_MONTHS``-th month after the payment. A refund seen already is settled at once."""
    po = _points_order(order)
    if po.earned_at is not None:
        return po
    paid_at = order.paid_at or now
    per_yuan, multiplier = earn_rule(order.buyer_id, paid_at)
    # an order refunded in full or cancelled before the sweep saw it earns nothing (no earn-and-reverse pair)
    earned = (
        0
        if order.status in FINAL
        else engine.earn_points(order.paid_fen - order.shipping_fen, per_yuan, multiplier)
    )
    po.earned, po.points_per_yuan, po.multiplier_percent, po.earned_at = earned, per_yuan, multiplier, now
    if earned:
        po.unfreeze_due_at = (order.delivered_at or now) + timedelta(days=conf.value("POINTS_FREEZE_DAYS"))
        _append(
            _account(order.buyer_id),
            kind=EntryKind.EARN,
            now=now,
            frozen_delta=earned,
            order_id=order.pk,
            reference=f"order:{order.pk}",
            expires_at=_expires_at(paid_at),
        )
    po.save()
    points_settle(po, now, order=order)
    return po


def points_unfreeze(po: PointsOrder, now: datetime) -> None:
    """Unfreeze an order's earned points once its return window closed (the sweep holds ``po``'s lock).

    Not yet delivered, inside ``POINTS_FREEZE_DAYS`` after delivery, or with a money request open: the
    timer moves on (a day, or to the window's end). Refunds seen meanwhile are settled first."""
    order = Order.objects.unscoped(reason=_REASON).get(pk=po.order_id)
    window_end = (
        order.delivered_at + timedelta(days=conf.value("POINTS_FREEZE_DAYS")) if order.delivered_at else None
    )
    if order.status not in FINAL:
        if window_end is None or window_end > now:
            po.unfreeze_due_at = window_end if window_end is not None else now + timedelta(days=1)
            po.save(update_fields=["unfreeze_due_at"])
            return
        if order.status == OrderStatus.REFUNDING or (
            RequestLine.objects.unscoped(reason=_REASON)
            .filter(
                request__order_id=order.pk, request__kind__in=MONEY_KINDS, request__status__in=_OPEN_REQUESTS
            )
            .exists()
        ):
            po.unfreeze_due_at = now + timedelta(days=1)
            po.save(update_fields=["unfreeze_due_at"])
            return
    points_settle(po, now, order=order)
    left = po.earned - po.reversed
    if left > 0 and po.unfrozen_at is None:
        _append(
            _account(po.buyer_id),
            kind=EntryKind.UNFREEZE,
            now=now,
            delta=left,
            frozen_delta=-left,
            order_id=po.order_id,
            reference=f"order:{po.order_id}",
        )
    po.unfrozen_at = now if po.unfrozen_at is None else po.unfrozen_at
    po.unfreeze_due_at = None
    po.save(update_fields=["unfrozen_at", "unfreeze_due_at"])


# --- refunds ---------------------------------------------------------------------------------------------


def settle_due(now: datetime) -> QuerySet[PointsOrder]:
    """Points rows whose order was refunded (more) or cancelled since their last settlement."""
    rows: QuerySet[PointsOrder] = PointsOrder.objects.filter(
        (Q(order__status__in=FINAL) & ~Q(settled_status=F("order__status")))
        | ~Q(refunded_seen_fen=F("order__refunded_fen"))
    )
    return rows


def _refunded_units(order_id: int) -> dict[int, int]:
    """Units of each line of the order that after-sales refunds paid back."""
    rows = (
        RequestLine.objects.unscoped(reason=_REASON)
        .filter(
            request__order_id=order_id,
            request__kind__in=MONEY_KINDS,
            request__refunded_at__isnull=False,
            request__refund_fen__gt=0,
        )
        .values("order_line_id")
        .annotate(units=Sum("qty"))
    )
    return {row["order_line_id"]: int(row["units"]) for row in rows}


def points_settle(po: PointsOrder, now: datetime, *, order: Order | None = None) -> None:
    """Bring an order's points in line with its refunds (the caller holds ``po``'s lock); idempotent.

    Redeemed points: each line gives back the share of its refunded units (``units_share``: unit by unit,
    largest remainder, so partial refunds add up to the line exactly); a refunded or cancelled order gives
    back all. Earned points: the buyer keeps what the cash not refunded earns (``reverse_target``); they are
    taken from the frozen points, or, once unfrozen, from the available ones (what was spent meanwhile is
    recorded as ``reverse_shortfall``, the balance never goes below 0)."""
    order = order or Order.objects.unscoped(reason=_REASON).get(pk=po.order_id)
    final = order.status in FINAL
    account: PointsAccount | None = None
    lines = list(po.lines.all()) if po.redeemed else []
    units = {} if final or not lines else _refunded_units(order.pk)
    give = 0
    for pl in lines:
        want = engine.units_share(pl.points, pl.qty, pl.qty if final else units.get(pl.order_line_id, 0))
        if want > pl.returned:
            give += want - pl.returned
            pl.returned = want
            pl.save(update_fields=["returned"])
    if give:
        account = _account(po.buyer_id)
        _append(
            account,
            kind=EntryKind.RETURN,
            now=now,
            delta=give,
            order_id=po.order_id,
            reference=f"refund:{order.pk}:{order.refunded_fen}",
        )
        po.returned += give
    if po.earned_at is not None and po.earned:
        target = (
            po.earned
            if final
            else engine.reverse_target(
                earned=po.earned,
                paid_fen=order.paid_fen - order.shipping_fen,
                refunded_fen=order.refunded_fen,
                points_per_yuan=po.points_per_yuan,
                multiplier_percent=po.multiplier_percent,
            )
        )
        take = target - po.reversed
        if take > 0:
            account = account or _account(po.buyer_id)
            if po.unfrozen_at is None:
                _append(account, kind=EntryKind.REVERSE, now=now, frozen_delta=-take, order_id=po.order_id)
            else:
                available = min(take, account.available)
                po.reverse_shortfall += take - available
                if available:
                    _append(account, kind=EntryKind.REVERSE, now=now, delta=-available, order_id=po.order_id)
            po.reversed = target
    if final and po.unfreeze_due_at is not None and po.earned == po.reversed:
        po.unfreeze_due_at = None
    po.refunded_seen_fen = order.refunded_fen
    po.settled_status = order.status if final else ""
    po.save()


# --- redemption at checkout ------------------------------------------------------------------------------


class CheckoutPoints:
    """The orders app's points tender (``orders.tender``): plan, split over lines, redeem."""

    def plan(self, *, buyer_id: int, requested: int, payable_fen: int) -> TenderPlan:
        """What the buyer's ``requested`` points pay of ``payable_fen`` (no lock: a quote)."""
        balance = (
            PointsAccount.objects.filter(buyer_id=buyer_id).values_list("available", flat=True).first() or 0
        )
        r = engine.redemption(
            requested=requested,
            balance=balance,
            payable_fen=payable_fen,
            rate=conf.value("POINTS_RATE"),
            cap_percent=conf.value("POINTS_CAP_PERCENT"),
        )
        return TenderPlan(balance=balance, points=r.points, fen=r.fen)

    def split(self, *, points: int, fen: int, line_paid_fen: list[int]) -> list[tuple[int, int]]:
        return engine.split_over_lines(points, fen, line_paid_fen)

    def redeem(self, *, buyer_id: int, checkout_id: int, lines: list[TenderLine], now: datetime) -> None:
        """Spend the points of a checkout, one ledger entry per order (called inside the checkout's
        transaction after its stock locks; the account lock comes last). 409 ``points_insufficient`` when
        the balance fell below the plan meanwhile (the whole checkout rolls back)."""
        lines = [ln for ln in lines if ln.points > 0]
        if not lines:
            return
        account = _account(buyer_id)
        by_order: dict[int, list[TenderLine]] = {}
        for ln in lines:
            by_order.setdefault(ln.order_id, []).append(ln)
        for order_id in sorted(by_order):
            group = by_order[order_id]
            points, fen = sum(ln.points for ln in group), sum(ln.fen for ln in group)
            po = PointsOrder.objects.create(
                order_id=order_id, buyer_id=buyer_id, redeemed=points, redeemed_fen=fen
            )
            PointsLine.objects.bulk_create(
                [
                    PointsLine(
                        points_order=po,
                        order_line_id=ln.order_line_id,
                        qty=ln.qty,
                        points=ln.points,
                        points_fen=ln.fen,
                    )
                    for ln in group
                ]
            )
            _append(
                account,
                kind=EntryKind.REDEEM,
                now=now,
                delta=-points,
                order_id=order_id,
                reference=f"checkout:{checkout_id}",
            )


# --- expiry ----------------------------------------------------------------------------------------------


def expiry_state(buyer_id: int) -> tuple[list[engine.Lot], int, int]:
    """(lots with an expiry, points spent or taken back, points expired) from the buyer's ledger."""
    lots: list[engine.Lot] = []
    spent = expired = 0
    rows = PointsEntry.objects.filter(buyer_id=buyer_id).values_list(
        "kind", "delta", "frozen_delta", "expires_at"
    )
    for kind, delta, frozen_delta, expires_at in rows:
        if kind == EntryKind.EXPIRE:
            expired -= delta
        elif expires_at is not None:
            lots.append(engine.Lot(delta + frozen_delta, expires_at))
        else:
            spent -= delta + frozen_delta
    return lots, spent, expired


def points_expire(account: PointsAccount, now: datetime) -> None:
    """Expire the buyer's points due by ``now`` (first in, first out; the sweep holds the account lock)
    and move the timer to the next lot's expiry (and its notice)."""
    lots, spent, expired = expiry_state(account.buyer_id)
    due = min(engine.expired_by(lots, spent, expired, now), account.available)
    if due > 0:
        _append(
            account, kind=EntryKind.EXPIRE, now=now, delta=-due, reference=f"expiry:{now.date().isoformat()}"
        )
    later = [lot.expires_at for lot in lots if lot.expires_at > now]
    account.expiry_due_at = min(later) if later else None
    account.notice_due_at = _notice_due(account.expiry_due_at) if account.expiry_due_at else None
    account.save(update_fields=["expiry_due_at", "notice_due_at", "updated_at"])


def points_expiry_notice(account: PointsAccount, now: datetime) -> PointsNotice | None:
    """Tell the buyer how many points expire at the next expiry (once per expiry; none if nothing does)."""
    account.notice_due_at = None
    account.save(update_fields=["notice_due_at", "updated_at"])
    at = account.expiry_due_at
    if at is None:
        return None
    lots, spent, expired = expiry_state(account.buyer_id)
    points = min(engine.expired_by(lots, spent, expired, at), account.available)
    if points <= 0:
        return None
    local = at.astimezone(SHANGHAI) - timedelta(days=1)
    return PointsNotice.objects.create(
        buyer_id=account.buyer_id,
        points=points,
        expires_at=at,
        title=f"{points} points expire after {local.date().isoformat()}",
        created_at=now,
    )


# --- coupons for points, staff adjustments ---------------------------------------------------------------


@audited()
def points_coupon_redeem(*, actor: Actor, offer_id: int, now: datetime | None = None) -> int:
    """The buyer takes one coupon of an offer's batch for its points; returns the coupon id.

    409 ``points_insufficient`` (nothing written) or ``points_coupon_unavailable`` (offer inactive, batch
    ended, exhausted or the buyer holds as many as allowed). Locks the batch, then the account."""
    from mallops.pricing.coupons import coupons_grant_benefit

    require_buyer(actor)
    now = now or timezone.now()
    offer = PointsCouponOffer.objects.filter(pk=offer_id, active=True).first()
    if offer is None:
        raise not_found("points coupon offer")
    issued = coupons_grant_benefit(batch_id=offer.batch_id, buyer_id=actor.user_id or 0, count=1, now=now)
    if not issued:
        raise conflict(
            "This coupon cannot be taken for points now.", code=MembershipCode.POINTS_COUPON_UNAVAILABLE
        )
    _append(
        _account(actor.user_id or 0),
        kind=EntryKind.REDEEM,
        now=now,
        delta=-offer.points,
        reference=f"coupon:{issued[0]}",
        reason="coupon",
        actor=actor,
    )
    return issued[0]


@audited()
def points_coupon_offer_set(
    *, actor: Actor, batch_id: int, points: int, active: bool = True
) -> PointsCouponOffer:
    """Staff (``promotion.manage``) offer a platform coupon batch for ``points`` points (or withdraw it)."""
    require_permission(actor, "promotion.manage")
    if not 1 <= points <= 10_000_000:
        raise validation_error([FieldError(("body", "points"), "1 to 10,000,000 points.", "invalid_points")])
    if not pricing_selectors.platform_batch_exists(batch_id=batch_id):
        raise not_found("platform coupon batch")
    offer = PointsCouponOffer.objects.select_for_update().filter(batch_id=batch_id).first()
    before = None if offer is None else {"points": offer.points, "active": offer.active}
    offer = offer or PointsCouponOffer(batch_id=batch_id)
    offer.points, offer.active = points, active
    offer.save()
    audit_record(
        actor=actor,
        action="membership.points_coupon_offer_set",
        obj=offer,
        before=before,
        after={"batch": batch_id, "points": points, "active": active},
    )
    return offer


@audited()
def points_adjust(
    *, actor: Actor, buyer_id: int, delta: int, reason: str, now: datetime | None = None
) -> PointsEntry:
    """Staff (``promotion.manage``) add or remove a buyer's available points, with a reason (audited).

    Added points expire like earned ones (``POINTS_EXPIRY_MONTHS`` after now). 422 without a reason or a
    zero change, 404 for an unknown buyer, 409 ``points_insufficient`` below 0."""
    require_permission(actor, "promotion.manage")
    now = now or timezone.now()
    errors: list[FieldError] = []
    if not reason.strip():
        errors.append(FieldError(("body", "reason"), "A reason is required.", "required"))
    if delta == 0 or abs(delta) > 10_000_000:
        errors.append(FieldError(("body", "delta"), "A change of 1 to 10,000,000 points.", "invalid_delta"))
    if errors:
        raise validation_error(errors)
    if not User.objects.filter(pk=buyer_id, kind=UserKind.BUYER).exists():
        raise not_found("buyer")
    return _append(
        _account(buyer_id),
        kind=EntryKind.ADJUST,
        now=now,
        delta=delta,
        reason=reason.strip(),
        reference="adjust",
        actor=actor,
        expires_at=_expires_at(now) if delta > 0 else None,
    )


def points_gift(*, buyer_id: int, points: int, reference: str, now: datetime) -> PointsEntry:
    """Give a buyer ``points`` available points as a benefit (the birthday gift; system actor). They
    expire like earned points. Call inside the caller's ``audited`` transaction, after its other locks
    (the account is the last row lock)."""
    return _append(
        _account(buyer_id),
        kind=EntryKind.GIFT,
        now=now,
        delta=points,
        reference=reference,
        expires_at=_expires_at(now),
    )
