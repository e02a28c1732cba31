"""The membership console in zh-hans: 会员等级 (list, create form), 会员列表 (chart, stage filter), one member."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.membership.models import Member, MemberEvent, Tier
from mallops.membership.services import TierInput, tier_create
from mallops.pricing.models import Membership as PlatformMembership
from mallops.testing.factories import make_staff
from mallops.testing.pricing import make_buyer

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_tier_pages_create_a_tier_and_show_field_errors_in_chinese() -> None:
    operator = make_staff("product_ops")
    client = _client(operator)
    tier_create(
        actor=actor_of(operator), data=TierInput(code="silver", name="白银会员", rank=1, min_growth=100)
    )

    listed = client.get("/membership/tiers/")
    assert listed.status_code == 200
    html = listed.content.decode()
    assert "会员等级" in html and "白银会员" in html and "新建会员等级" in html

    form = {"code": "gold", "name": "黄金会员", "rank": 2, "min_growth": 50, "discount_percent": 5}
    refused = client.post("/membership/tiers/new/", {**form, "coupons_per_period": 0, "active": "on"})
    assert refused.status_code == 200
    assert "顺位越高，成长值门槛必须越高" in refused.content.decode()
    assert not Tier.objects.filter(code="gold").exists()

    saved = client.post(
        "/membership/tiers/new/", {**form, "min_growth": 1000, "coupons_per_period": 0, "active": "on"}
    )
    assert saved.status_code == 302
    gold = Tier.objects.get(code="gold")
    assert (gold.min_growth, gold.discount_percent, gold.active) == (1000, 5, True)
    assert client.get(f"/membership/tiers/{gold.pk}/edit/").status_code == 200
    # a viewer reads the list but may not open the form
    assert _client(make_staff("user_ops")).get("/membership/tiers/new/").status_code == 403


def test_member_list_chart_stage_filter_and_member_page() -> None:
    operator = make_staff("product_ops")
    silver = tier_create(
        actor=actor_of(operator), data=TierInput(code="silver", name="白银会员", rank=1, min_growth=100)
    )
    now = timezone.now()
    fresh = Member.objects.create(
        buyer=make_buyer("zhangsan01"), tier=silver, growth=150, joined_at=now - timedelta(days=3)
    )
    Member.objects.create(
        buyer=make_buyer("lisi02"),
        tier=silver,
        growth=120,
        joined_at=now - timedelta(days=200),
        period_started_at=now - timedelta(days=200),
        downgrade_pending=True,
    )
    MemberEvent.objects.create(
        member=fresh, kind=MemberEvent.Kind.JOINED, to_tier="silver", growth=150, effective_at=now, at=now
    )
    client = _client(make_staff("user_ops"))

    page = client.get("/membership/members/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "会员列表" in html and "membership-tiers" in html  # the distribution chart
    assert "zh***" in html and "zhangsan01" not in html  # the buyer masked
    assert "新会员" in html and "已通知降级" in html

    at_risk = client.get("/membership/members/?stage=at_risk").content.decode()
    assert "li***" in at_risk and "zh***" not in at_risk

    detail = client.get(f"/membership/members/{fresh.pk}/").content.decode()
    assert "等级变动记录" in detail and "成为会员" in detail and "白银会员" in detail
    assert "joined" not in detail


def test_membership_grants_page_shows_the_tier_name_not_its_code() -> None:
    # given a tier and two platform memberships: one at the tier's code, one with a hand-typed level
    operator = make_staff("product_ops")
    tier_create(
        actor=actor_of(operator), data=TierInput(code="gold", name="黄金会员", rank=1, min_growth=100)
    )
    since = timezone.now() - timedelta(days=1)
    PlatformMembership.objects.create(
        buyer=make_buyer("grant-gold"), level="gold", valid_from=since, granted_by=operator
    )
    PlatformMembership.objects.create(
        buyer=make_buyer("grant-vip"), level="vipx", valid_from=since, granted_by=operator
    )

    # when staff open 会员资格
    html = _client(operator).get(reverse("pricing:memberships")).content.decode()

    # then the tier's name shows, its code nowhere; the other level only as a tooltip
    assert "黄金会员" in html and ">gold<" not in html and 'title="gold"' not in html
    assert '<span title="vipx" data-level>其他等级</span>' in html and ">vipx<" not in html

    # and the CSV export carries the Level column again: the tier's name, or the level as stored
    exported = _client(operator).get(reverse("pricing:memberships") + "?export=csv&purpose=test")
    rows = exported.content.decode("utf-8-sig").splitlines()
    assert rows[0].split(",")[:2] == ["买家", "等级"]
    assert sorted(r.split(",")[1] for r in rows[1:]) == ["vipx", "黄金会员"]
