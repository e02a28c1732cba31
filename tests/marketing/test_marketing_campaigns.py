"""Targeted campaigns (R4.2.1): consent binds the audience, compliance gates approval and launch, a
deterministic holdout gets nothing, results come from orders."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.dsr.models import ConsentAction, ConsentRecord
from mallops.dsr.testing import grant_consent
from mallops.marketing import campaigns, services
from mallops.marketing.models import BuyerTag, Campaign, CampaignDelivery
from mallops.marketing.targeting import in_holdout
from mallops.pricing.models import Coupon
from mallops.testing.factories import make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops() -> tuple[Any, Any]:
    return make_staff("product_ops"), make_staff("product_ops")


@pytest.fixture
def channel(ops: tuple[Any, Any]) -> Any:
    return services.channel_create(
        actor=actor_of(ops[0]), code="wecom", name="企业微信", kind="private_domain", utm_source="wecom"
    )


def tagged(count: int, tag: str = "母婴") -> list[Any]:
    buyers = [make_buyer(f"mkt-{tag}-{i}") for i in range(count)]
    BuyerTag.objects.bulk_create([BuyerTag(buyer=b, tag=tag) for b in buyers])
    return buyers


def draft(
    actor: Any, channel: Any, *, message: str = "秋冬新品上市，送您一张满199减30券", **kw: Any
) -> Campaign:
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "秋冬上新",
        "channel_id": channel.pk,
        "offer_kind": "coupon",
        "coupon_batch_id": make_batch(None, name="满199减30").pk,
        "message": message,
        "starts_at": now - timedelta(minutes=5),
        "ends_at": now + timedelta(days=7),
        "tags": ("母婴",),
        "holdout_percent": 0,
    }
    values.update(kw)
    return campaigns.campaign_create(actor=actor_of(actor), data=campaigns.CampaignInput(**values))


@pytest.mark.req("R4.2.1")
def test_campaign_never_reaches_a_buyer_without_marketing_consent(ops: tuple[Any, Any], channel: Any) -> None:
    # given six tagged buyers: four consented, two never did, and one more withdraws before the start
    creator, approver = ops
    buyers = tagged(6)
    grant_consent(buyers[:4], ["marketing"])
    campaign = draft(creator, channel, starts_at=timezone.now() + timedelta(hours=1))
    campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
    launched = campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)
    assert launched.status == "scheduled" and not CampaignDelivery.objects.exists()
    ConsentRecord.objects.create(
        buyer=buyers[3],
        purpose="marketing",
        policy=ConsentRecord.objects.filter(buyer=buyers[3]).first().policy,  # type: ignore[union-attr]
        action=ConsentAction.WITHDRAWN,
        at=timezone.now(),
    )

    # when the sweep starts it
    assert campaigns.campaigns_sweep(now=campaign.starts_at + timedelta(minutes=1)) == {
        "started": 1,
        "finished": 0,
        "failed": 0,
    }

    # then only the three still consenting got the message and a coupon; the others have no row at all
    rows = CampaignDelivery.objects.filter(campaign=campaign)
    assert sorted(rows.values_list("buyer_id", "outcome")) == [(b.pk, "delivered") for b in buyers[:3]]
    assert sorted(Coupon.objects.unscoped(reason="test").values_list("buyer_id", flat=True)) == [
        b.pk for b in buyers[:3]
    ]
    event = AuditEvent.objects.filter(action="marketing.campaign.deliver").get()
    assert event.after == {"matched": 6, "no_consent": 3, "holdout": 0, "delivered": 3, "refused": 0}
    assert Campaign.objects.get(pk=campaign.pk).status == "running"


@pytest.mark.req("R4.2.1")
def test_block_finding_refuses_approval_and_launch_with_the_cited_article(
    ops: tuple[Any, Any], channel: Any
) -> None:
    creator, approver = ops
    grant_consent(tagged(2), ["marketing"])
    campaign = draft(creator, channel, message="全网最低价，仅限今日")

    with pytest.raises(DomainError) as refused:
        campaigns.campaign_approve(
            actor=actor_of(approver), campaign_id=campaign.pk, acknowledge_findings=True
        )
    assert refused.value.code == "compliance_blocked" and refused.value.status == 422
    assert [(e.loc, e.msg) for e in refused.value.errors] == [
        (("body", "message"), "全网最低价: 明码标价和禁止价格欺诈规定第十九条")
    ]
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"

    # an approved campaign whose text blocks now (say the rule packs changed) cannot launch either
    Campaign.objects.filter(pk=campaign.pk).update(status="approved", approved_by=approver)
    with pytest.raises(DomainError) as blocked:
        campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)
    assert blocked.value.code == "compliance_blocked"
    assert blocked.value.extra["findings"][0]["basis"] == "明码标价和禁止价格欺诈规定第十九条"
    assert Campaign.objects.get(pk=campaign.pk).status == "approved"
    assert not CampaignDelivery.objects.exists() and not Coupon.objects.unscoped(reason="test").exists()


@pytest.mark.req("R4.2.1")
def test_review_finding_needs_the_approvers_acknowledgement_and_a_second_person(
    ops: tuple[Any, Any], channel: Any
) -> None:
    creator, approver = ops
    campaign = draft(creator, channel, message="限时特惠，满199减30")
    with pytest.raises(DomainError) as own:
        campaigns.campaign_approve(
            actor=actor_of(creator), campaign_id=campaign.pk, acknowledge_findings=True
        )
    assert own.value.code == "four_eyes_required"
    with pytest.raises(DomainError) as unacknowledged:
        campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
    assert unacknowledged.value.code == "findings_not_acknowledged"
    assert unacknowledged.value.extra["findings"][0]["basis"] == "规范促销行为暂行规定第五条"
    with pytest.raises(DomainError) as early:
        campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)
    assert early.value.code == "campaign_transition_not_allowed"

    approved = campaigns.campaign_approve(
        actor=actor_of(approver), campaign_id=campaign.pk, acknowledge_findings=True
    )
    assert (approved.status, approved.findings_acknowledged, len(approved.findings)) == ("approved", True, 1)
    assert campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk).status == "running"


def test_holdout_is_deterministic_and_gets_nothing(ops: tuple[Any, Any], channel: Any) -> None:
    creator, approver = ops
    buyers = tagged(20)
    grant_consent(buyers, ["marketing"])
    campaign = draft(creator, channel, holdout_percent=30)
    campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
    campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)

    expected = {
        b.pk for b in buyers if in_holdout(scope="campaign", scope_id=campaign.pk, buyer_id=b.pk, percent=30)
    }
    held = CampaignDelivery.objects.filter(campaign=campaign, is_holdout=True)
    assert set(held.values_list("buyer_id", flat=True)) == expected and 0 < len(expected) < 20
    assert not held.filter(delivered_at__isnull=False).exists() and not held.filter(coupon_id__isnull=False)
    assert set(Coupon.objects.unscoped(reason="test").values_list("buyer_id", flat=True)) == (
        {b.pk for b in buyers} - expected
    )
    # the same campaign and buyer give the same answer every time
    assert all(in_holdout(scope="campaign", scope_id=campaign.pk, buyer_id=b, percent=30) for b in expected)


@pytest.mark.req("R4.2.1")
def test_results_come_from_the_reached_buyers_orders(ops: tuple[Any, Any], channel: Any) -> None:
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing.factories import make_merchant
    from mallops.testing.orders import make_order

    creator, approver = ops
    buyers = tagged(2)
    grant_consent(buyers, ["marketing"])
    campaign = draft(creator, channel, message_cost_fen=5)
    campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
    campaigns.campaign_launch(
        actor=actor_of(approver), campaign_id=campaign.pk, now=timezone.now() - timedelta(minutes=1)
    )
    merchant, _ = make_merchant()
    order = make_order(merchant, buyer=buyers[0], qty=2)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order.refresh_from_db()

    result = campaigns.campaign_results(campaign=Campaign.objects.get(pk=campaign.pk))
    assert result is not None
    assert (result.reach, result.conversions, result.gmv_fen) == (2, 1, order.paid_fen)
    assert result.cost_fen == order.discount_fen + 2 * 5
    assert result.conversion_rate == Fraction(1, 2) and result.holdout_size == 0 and result.uplift is None


def test_sweep_keeps_a_campaign_its_launcher_may_no_longer_start_and_never_delivers_late(
    ops: tuple[Any, Any], channel: Any
) -> None:
    from mallops.accounts.models import RoleGrant

    creator, approver = ops
    grant_consent(tagged(2), ["marketing"])
    soon = draft(creator, channel, starts_at=timezone.now() + timedelta(hours=1))
    late = draft(
        creator,
        channel,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    for campaign in (soon, late):
        campaigns.campaign_approve(actor=actor_of(approver), campaign_id=campaign.pk)
        campaigns.campaign_launch(actor=actor_of(approver), campaign_id=campaign.pk)
    RoleGrant.objects.filter(user=approver).delete()

    # an hour and a half later: ``soon`` cannot start (its launcher lost the permission), ``late`` neither
    assert campaigns.campaigns_sweep(now=timezone.now() + timedelta(minutes=90)) == {
        "started": 0,
        "finished": 0,
        "failed": 2,
    }
    # the worker was down until after ``late`` ended: it finishes without delivering
    assert campaigns.campaigns_sweep(now=timezone.now() + timedelta(hours=3))["finished"] == 1
    assert Campaign.objects.get(pk=late.pk).status == "finished"
    assert Campaign.objects.get(pk=soon.pk).status == "scheduled"
    assert not CampaignDelivery.objects.exists() and not Coupon.objects.unscoped(reason="test").exists()
