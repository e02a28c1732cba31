"""The birthday gift: the member's birthday (changed once per 365 days) and the tier's gift on that day,
once a year, through the points ledger and the pricing coupon services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.membership.birthday import (
    birthday_gifts_grant,
    birthday_in,
    due_birthday,
    member_birthday_set,
)
from mallops.membership.models import BirthdayGift, Member, PointsAccount, PointsEntry
from mallops.membership.services import TierInput, tier_create
from mallops.pricing.coupons import BatchInput, coupon_batch_create
from mallops.pricing.models import Coupon
from mallops.testing.factories import make_staff
from mallops.testing.pricing import make_buyer


def test_29_february_is_28_february_in_other_years() -> None:
    assert birthday_in(2027, 2, 29) == date(2027, 2, 28)
    assert birthday_in(2028, 2, 29) == date(2028, 2, 29)
    # early January still catches up a birthday at the end of last year
    assert due_birthday(12, 30, date(2027, 1, 2)) == date(2026, 12, 30)
    assert due_birthday(1, 3, date(2027, 1, 2)) is None


@settings(max_examples=50, deadline=None)
@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(date(2000, 1, 1), date(2000, 12, 31)),
)
def test_a_birthday_is_due_on_exactly_the_days_of_the_catch_up_window(today: date, born: date) -> None:
    # oracle: walk the window day by day
    expected = None
    for back in range(7):
        day = today - timedelta(days=back)
        if (day.month, day.day) == (born.month, born.day) or (
            (born.month, born.day) == (2, 29) and (day.month, day.day) == (2, 28) and day.year % 4 != 0
        ):
            expected = day
            break
    assert due_birthday(born.month, born.day, today) == expected


def _gold_with_gift(staff: object, now: datetime) -> tuple[object, int]:
    batch = coupon_batch_create(
        actor=actor_of(staff),
        merchant_id=None,
        data=BatchInput(
            name="生日券",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=800),
            total_quantity=100,
            off_fen=2_000,
            per_buyer_limit=10,
        ),
    )
    gold = tier_create(
        actor=actor_of(staff),
        data=TierInput(
            code="gold",
            name="黄金会员",
            rank=1,
            min_growth=100,
            gift_points=500,
            gift_coupon_batch_id=batch.pk,
        ),
    )
    return gold, batch.pk


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_the_birthday_gift_is_given_once_a_year_on_the_beijing_birthday() -> None:
    # given a tier that gives 500 points and a coupon, and a member born on 8 December
    staff = make_staff("product_ops")
    now = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 7 December 23:30 in Beijing
    gold, batch_id = _gold_with_gift(staff, now)
    buyer = make_buyer("born-dec8")
    Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=now - timedelta(days=400))
    member_birthday_set(actor=actor_of(buyer), month=12, day=8, now=now - timedelta(days=30))

    # when the sweep runs on the day before (Beijing), then at 00:30 Beijing on the birthday, then again
    assert birthday_gifts_grant(now=now) == 0
    assert birthday_gifts_grant(now=now + timedelta(hours=1)) == 1
    assert birthday_gifts_grant(now=now + timedelta(hours=2)) == 0
    assert birthday_gifts_grant(now=now + timedelta(days=3)) == 0

    # then one gift row for 2026: 500 points in the ledger, one coupon, a notice, an audit event
    gift = BirthdayGift.objects.get()
    assert (gift.year, gift.birthday, gift.points, gift.tier_code) == (2026, date(2026, 12, 8), 500, "gold")
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch_id=batch_id).count() == 1
    assert gift.coupon_id is not None
    assert gift.title == "生日快乐！您的黄金会员生日礼已到账：500 积分、一张优惠券"
    account = PointsAccount.objects.get(buyer=buyer)
    assert (account.available, account.frozen) == (500, 0)
    assert list(PointsEntry.objects.filter(buyer=buyer).values_list("kind", "delta")) == [("gift", 500)]
    assert AuditEvent.objects.filter(action="membership.birthday_gift").count() == 1
    console = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    console.cookies["django_language"] = "zh-hans"
    console.force_login(staff)
    page = console.get(f"/membership/members/{Member.objects.get(buyer=buyer).pk}/").content.decode()
    assert (
        "已领取的生日礼" in page and 'data-testid="member-birthday-gifts"' in page and "<td>2026</td>" in page
    )

    # and next year's birthday gives the next year's gift
    assert birthday_gifts_grant(now=now + timedelta(days=366)) == 1
    assert sorted(BirthdayGift.objects.values_list("year", flat=True)) == [2026, 2027]


@pytest.mark.django_db
def test_the_birthday_changes_once_per_365_days_and_non_members_get_nothing() -> None:
    staff = make_staff("product_ops")
    now = datetime(2026, 6, 1, 4, tzinfo=UTC)
    gold, _batch = _gold_with_gift(staff, now)
    buyer = make_buyer("changer")
    Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=now)

    state = member_birthday_set(actor=actor_of(buyer), month=3, day=1, now=now)
    assert (state.month, state.day, state.changeable_from) == (3, 1, now + timedelta(days=365))
    # the same date again is no change; another date within 365 days is refused and changes nothing
    member_birthday_set(actor=actor_of(buyer), month=3, day=1, now=now + timedelta(days=10))
    with pytest.raises(DomainError) as refused:
        member_birthday_set(actor=actor_of(buyer), month=6, day=1, now=now + timedelta(days=364))
    assert (refused.value.status, refused.value.code) == (409, "birthday_change_limited")
    member = Member.objects.get(buyer=buyer)
    assert (member.birthday_month, member.birthday_day, member.birthday_set_at) == (3, 1, now)
    # after 365 days it may change
    member_birthday_set(actor=actor_of(buyer), month=6, day=1, now=now + timedelta(days=365))
    # no such date; a buyer without a member row
    with pytest.raises(DomainError) as invalid:
        member_birthday_set(actor=actor_of(buyer), month=2, day=30, now=now + timedelta(days=800))
    assert invalid.value.status == 422
    with pytest.raises(DomainError) as missing:
        member_birthday_set(actor=actor_of(make_buyer("nobody")), month=1, day=1, now=now)
    assert missing.value.status == 404


@pytest.mark.django_db
def test_the_buyer_sets_the_birthday_through_the_api() -> None:
    staff = make_staff("product_ops")
    gold, _batch = _gold_with_gift(staff, datetime.now(UTC))
    buyer = make_buyer("api-born")
    Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=datetime.now(UTC))
    client = Client()
    client.force_login(buyer)

    assert client.get("/api/v1/membership/me/birthday").json() == {
        "month": None,
        "day": None,
        "changeable_from": None,
    }
    saved = client.put(
        "/api/v1/membership/me/birthday", {"month": 2, "day": 29}, content_type="application/json"
    )
    assert saved.status_code == 200 and (saved.json()["month"], saved.json()["day"]) == (2, 29)
    again = client.put(
        "/api/v1/membership/me/birthday", {"month": 5, "day": 1}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "birthday_change_limited")
    tiers = client.get("/api/v1/membership/me").json()
    assert tiers["benefits"]["gift_points"] == 500


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_a_refused_birthday_coupon_is_retried_in_the_window_and_the_operator_sees_it() -> None:
    from mallops.pricing.models import CouponBatch

    # given a tier gift of 500 points and a coupon whose batch is used up, and two members born 8 December
    staff = make_staff("product_ops")
    now = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 8 December 00:30 in Beijing
    gold, batch_id = _gold_with_gift(staff, now)
    used_up = CouponBatch.objects.unscoped(reason="test").filter(pk=batch_id)
    used_up.update(total_quantity=0)
    members = []
    for name in ("born-dec8-a", "born-dec8-b"):
        buyer = make_buyer(name)
        members.append(Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=now))
        member_birthday_set(actor=actor_of(buyer), month=12, day=8, now=now - timedelta(days=30))

    # when the sweep runs: the points go out, the coupons are recorded as refused (not lost)
    assert birthday_gifts_grant(now=now) == 2
    gifts = list(BirthdayGift.objects.order_by("pk"))
    assert [(g.points, g.coupon_id, g.coupon_status, g.coupon_batch_id) for g in gifts] == [
        (500, None, "retrying", batch_id),
        (500, None, "retrying", batch_id),
    ]
    assert gifts[0].title == "生日快乐！您的黄金会员生日礼已到账：500 积分"

    # then the operator sees both on the member list, in Chinese
    console = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    console.cookies["django_language"] = "zh-hans"
    console.force_login(staff)
    page = console.get("/membership/members/").content.decode()
    assert 'data-testid="birthday-coupon-problems"' in page and page.count("券批次拒发，重试中") == 2

    # when the operator tops up one coupon: the next sweep gives it to the first member only
    used_up.update(total_quantity=1)
    gifts[0].read_at = now
    gifts[0].save(update_fields=["read_at"])
    assert birthday_gifts_grant(now=now + timedelta(hours=1)) == 1
    first, second = BirthdayGift.objects.order_by("pk")
    assert (first.coupon_status, second.coupon_status) == ("issued", "retrying")
    assert first.coupon_id == Coupon.objects.for_buyer(members[0].buyer_id).get().pk and first.read_at is None
    assert first.title == "生日快乐！您的黄金会员生日礼已到账：500 积分、一张优惠券"

    # and once the catch-up window has closed (6 days after the birthday), the second is failed, audited
    assert birthday_gifts_grant(now=now + timedelta(days=6)) == 0
    assert BirthdayGift.objects.get(pk=second.pk).coupon_status == "retrying"
    assert birthday_gifts_grant(now=now + timedelta(days=7)) == 0
    assert BirthdayGift.objects.get(pk=second.pk).coupon_status == "failed"
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="membership.birthday_coupon")] == [
        "membership.birthday_coupon_issued",
        "membership.birthday_coupon_failed",
    ]
    page = console.get(f"/membership/members/{members[1].pk}/").content.decode()
    assert "未发出（补发期内券批次一直拒发）" in page
