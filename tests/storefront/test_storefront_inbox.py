"""我的 → 消息 and 我的 → 会员: the buyer's own notices and campaign messages (consent binds at the inbox),
unread badge and mark read; the birthday form on the member page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.dsr.models import ConsentAction, ConsentRecord
from mallops.dsr.testing import grant_consent
from mallops.marketing import campaigns, services
from mallops.marketing.models import BuyerTag, CampaignDelivery
from mallops.membership.models import BirthdayGift, Member, MemberEvent, MemberNotice, PointsNotice
from mallops.membership.services import TierInput, tier_create
from mallops.storefront.views_member import inbox_items, unread_count
from mallops.testing.factories import make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db


def _client(buyer: Any) -> Client:
    client = Client()
    client.force_login(buyer)
    return client


def _delivered_campaign(buyers: list[Any]) -> None:
    staff = make_staff("product_ops")
    channel = services.channel_create(
        actor=actor_of(staff), code="wecom", name="企业微信", kind="private_domain", utm_source="wecom"
    )
    BuyerTag.objects.bulk_create([BuyerTag(buyer=b, tag="母婴") for b in buyers])
    now = timezone.now()
    campaign = campaigns.campaign_create(
        actor=actor_of(staff),
        data=campaigns.CampaignInput(
            name="秋冬上新",
            channel_id=channel.pk,
            offer_kind="coupon",
            coupon_batch_id=make_batch(None, name="满199减30").pk,
            message="秋冬新品上市，送您一张满199减30券",
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(days=7),
            tags=("母婴",),
            holdout_percent=0,
        ),
    )
    approver = make_staff("product_ops")
    campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
    campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)


def test_the_inbox_shows_only_the_buyers_own_messages_and_campaigns_only_with_consent() -> None:
    # given two consenting buyers who received a campaign, a tier notice and a birthday gift for one of them
    mine, other, refuser = make_buyer("inbox-a"), make_buyer("inbox-b"), make_buyer("inbox-c")
    grant_consent([mine, other], ["marketing"])
    _delivered_campaign([mine, other, refuser])
    assert CampaignDelivery.objects.filter(buyer=refuser).count() == 0
    staff = make_staff("product_ops")
    gold = tier_create(
        actor=actor_of(staff), data=TierInput(code="gold", name="黄金会员", rank=1, min_growth=100)
    )
    now = timezone.now()
    member = Member.objects.create(buyer=mine, tier=gold, growth=150, joined_at=now)
    event = MemberEvent.objects.create(
        member=member, kind="joined", to_tier="gold", growth=150, effective_at=now, at=now
    )
    MemberNotice.objects.create(buyer=mine, event=event, title="您已成为黄金会员", created_at=now)
    BirthdayGift.objects.create(
        member=member,
        buyer=mine,
        year=2026,
        birthday=now.date(),
        tier_code="gold",
        points=500,
        title="生日快乐！",
        created_at=now,
    )
    PointsNotice.objects.create(
        buyer=other, points=10, expires_at=now + timedelta(days=30), title="积分即将过期", created_at=now
    )

    # then each buyer sees only their own rows; the buyer without consent sees no campaign
    assert sorted(i.kind for i in inbox_items(mine)) == ["birthday", "campaign", "tier"]
    assert sorted(i.kind for i in inbox_items(other)) == ["campaign", "points"]
    assert inbox_items(refuser) == [] and unread_count(refuser) == 0
    assert unread_count(mine) == 3

    # when the buyer opens 消息, marks one read, then all (another buyer's id changes nothing)
    client = _client(mine)
    page = client.get("/shop/me/inbox/").content.decode()
    assert "3 条未读" in page and "秋冬新品上市" in page and "您已成为黄金会员" in page
    foreign = CampaignDelivery.objects.get(buyer=other)
    client.post("/shop/me/inbox/read/", {"kind": "campaign", "id": foreign.pk})
    assert CampaignDelivery.objects.get(pk=foreign.pk).read_at is None
    client.post("/shop/me/inbox/read/", {"kind": "tier", "id": MemberNotice.objects.get().pk})
    assert unread_count(mine) == 2
    assert client.post("/shop/me/inbox/read/").status_code == 302
    assert unread_count(mine) == 0 and unread_count(other) == 2

    # and a buyer who withdraws marketing consent no longer sees the campaign message
    ConsentRecord.objects.create(
        buyer=other,
        purpose="marketing",
        policy=ConsentRecord.objects.filter(buyer=other).first().policy,  # type: ignore[union-attr]
        action=ConsentAction.WITHDRAWN,
        at=timezone.now(),
    )
    assert [i.kind for i in inbox_items(other)] == ["points"]


def test_the_member_page_saves_the_birthday_once_and_shows_the_badge_on_me() -> None:
    staff = make_staff("product_ops")
    gold = tier_create(
        actor=actor_of(staff),
        data=TierInput(code="gold", name="黄金会员", rank=1, min_growth=100, gift_points=300),
    )
    buyer = make_buyer("member-page")
    Member.objects.create(buyer=buyer, tier=gold, growth=150, joined_at=timezone.now())
    client = _client(buyer)

    page = client.get("/shop/me/member/").content.decode()
    assert "黄金会员" in page and "生日礼：300 积分" in page and "每 365 天只能修改一次" in page
    assert client.post("/shop/me/member/", {"month": "2", "day": "29"}).status_code == 302
    member = Member.objects.get(buyer=buyer)
    assert (member.birthday_month, member.birthday_day) == (2, 29)
    after = client.get("/shop/me/member/").content.decode()
    assert "2 月 29 日" in after and "之后可以修改生日" in after and 'name="month"' not in after
    refused = client.post("/shop/me/member/", {"month": "3", "day": "1"}).content.decode()
    assert "生日每 365 天只能修改一次" in refused
    assert (Member.objects.get(buyer=buyer).birthday_month, Member.objects.get(buyer=buyer).birthday_day) == (
        2,
        29,
    )
    me = client.get("/shop/me/").content.decode()
    assert "消息" in me and 'data-testid="me-unread"' not in me
