"""Benefits handed out: the tier's coupons once per Beijing month, without a marketing-consent check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.membership.benefits import grant_period, member_coupons_grant, members_coupons_grant
from mallops.membership.member_days import member_day_create
from mallops.membership.models import Member, MemberDay
from mallops.membership.services import TierInput, tier_create
from mallops.pricing.cart import LineIn, cart_quote, resolve_lines
from mallops.pricing.coupons import BatchInput, coupon_batch_create
from mallops.pricing.models import Coupon
from mallops.pricing.models import Membership as PlatformMembership
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.pricing import catalogue_sku, make_buyer


def test_grant_period_is_the_beijing_calendar_month() -> None:
    # 2026-01-31 17:00 UTC is 2026-02-01 01:00 in Beijing
    start, end = grant_period(datetime(2026, 1, 31, 17, 0, tzinfo=UTC))
    assert (start.isoformat(), end.isoformat()) == ("2026-02-01T00:00:00+08:00", "2026-03-01T00:00:00+08:00")
    start, end = grant_period(datetime(2026, 12, 15, tzinfo=UTC))
    assert (start.date().isoformat(), end.date().isoformat()) == ("2026-12-01", "2027-01-01")


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_tier_coupons_are_granted_once_per_month_without_marketing_consent() -> None:
    # given a tier that gives 2 coupons a month and a member (who never gave marketing consent)
    staff = make_staff("product_ops")
    now = timezone.now()
    batch = coupon_batch_create(
        actor=actor_of(staff),
        merchant_id=None,
        data=BatchInput(
            name="金卡月券",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=400),
            total_quantity=100,
            off_fen=1_000,
            per_buyer_limit=50,
        ),
    )
    gold = tier_create(
        actor=actor_of(staff),
        data=TierInput(
            code="gold",
            name="黄金会员",
            rank=1,
            min_growth=100,
            coupon_batch_id=batch.pk,
            coupons_per_period=2,
        ),
    )
    buyer = make_buyer("member-b")
    Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=now)
    outsider = make_buyer("not-a-member")

    # when the sweep runs twice in the same month
    assert members_coupons_grant(now=now) == 2
    assert members_coupons_grant(now=now + timedelta(minutes=5)) == 0

    # then the member holds exactly the month's two coupons; nobody else got one
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=batch).count() == 2
    assert Coupon.objects.for_buyer(outsider.pk).count() == 0
    events = AuditEvent.objects.filter(action="membership.benefit_coupons")
    assert [(e.after or {}).get("issued") for e in events] == [2]

    # and the next month gives two more
    grant = member_coupons_grant(buyer_id=buyer.pk, now=grant_period(now)[1] + timedelta(hours=1))
    assert grant is not None and (grant.issued, grant.held, grant.due) == (2, 2, 2)
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=batch).count() == 4


@pytest.mark.django_db
def test_no_coupons_for_a_tier_without_a_batch_or_a_buyer_without_a_tier() -> None:
    tier = tier_create(
        actor=actor_of(make_staff("product_ops")), data=TierInput(code="s", name="白银", rank=1, min_growth=1)
    )
    buyer = make_buyer("member-c")
    Member.objects.create(buyer=buyer, tier=tier, joined_at=timezone.now())
    assert member_coupons_grant(buyer_id=buyer.pk, now=timezone.now()) is None
    assert member_coupons_grant(buyer_id=make_buyer("nobody").pk, now=timezone.now()) is None
    assert Coupon.objects.unscoped(reason="test").count() == 0


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_member_day_is_a_launched_members_only_offer_in_the_quote() -> None:
    # given a tier, a member of it and a buyer who is none
    staff = make_staff("product_ops")
    gold = tier_create(
        actor=actor_of(staff), data=TierInput(code="gold", name="黄金会员", rank=1, min_growth=100)
    )
    merchant, _ = make_merchant()
    sku_id = catalogue_sku(merchant, "TEA-9", 10_000)
    lines, _ = resolve_lines([LineIn(id="L1", merchant_id=merchant.pk, qty=3, sku_id=sku_id)])
    tier_create(actor=actor_of(staff), data=TierInput(code="silver", name="白银会员", rank=2, min_growth=200))
    member, outsider = make_buyer("md-member"), make_buyer("md-outsider")
    other_tier = make_buyer("md-silver")
    since = timezone.now() - timedelta(days=1)
    PlatformMembership.objects.create(buyer=member, level="gold", valid_from=since, granted_by=staff)
    PlatformMembership.objects.create(buyer=other_tier, level="silver", valid_from=since, granted_by=staff)

    # when the member day of today is created (满200减30)
    promotion = member_day_create(
        actor=actor_of(staff), tier_id=gold.pk, day=timezone.localdate(), min_fen=20_000, off_fen=3_000
    )

    # then it is a live members-only platform promotion of the tier, and only the tier member's quote gets it
    assert MemberDay.objects.get(promotion=promotion).tier_id == gold.pk
    assert (promotion.name, promotion.status, promotion.members_only, promotion.merchant_id) == (
        "黄金会员日",
        "live",
        True,
        None,
    )
    assert cart_quote(buyer=member, lines=lines).quote.discount == 3_000
    assert cart_quote(buyer=outsider, lines=lines).quote.discount == 0
    assert cart_quote(buyer=other_tier, lines=lines).quote.discount == 0
    with pytest.raises(DomainError):
        member_day_create(
            actor=actor_of(staff), tier_id=gold.pk, day=timezone.localdate(), min_fen=100, off_fen=200
        )
