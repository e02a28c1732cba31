"""Tier strategies (R4.1.2): high value → care tasks, potential → retargeting list, churn risk → win-back
coupon; consent binds, a holdout is kept aside, runs are stored and measured."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.analytics.models import SegmentMember
from mallops.dsr.testing import grant_consent
from mallops.marketing import services, strategies
from mallops.marketing.models import StrategyRun, StrategyTarget
from mallops.marketing.targeting import in_holdout
from mallops.pricing.models import Coupon
from mallops.tasks.models import WorkTask
from mallops.testing.factories import make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db


def segment(tag: str, count: int) -> list[Any]:
    buyers = [make_buyer(f"seg-{tag}-{i}") for i in range(count)]
    SegmentMember.objects.bulk_create(
        [
            SegmentMember(
                distinct_id=b.username,
                recency_days=3,
                frequency=5,
                monetary_fen=100_000,
                r_score=5,
                f_score=5,
                m_score=5,
                tag=tag,
                computed_on=date(2026, 12, 1),
                source="events",
            )
            for b in buyers
        ]
    )
    return buyers


def treated(strategy_id: int, buyers: list[Any], percent: int) -> list[int]:
    return [
        b.pk
        for b in buyers
        if not in_holdout(scope="strategy", scope_id=strategy_id, buyer_id=b.pk, percent=percent)
    ]


@pytest.mark.req("R4.1.2")
def test_each_tier_gets_its_strategy_and_consent_binds() -> None:
    owner = make_staff("product_ops")
    high, potential, at_risk = segment("high_value", 5), segment("potential", 4), segment("at_risk", 4)
    grant_consent(high[:4] + potential + at_risk[:3], ["marketing"])  # high[4] and at_risk[3] did not
    social = services.channel_create(
        actor=actor_of(owner), code="douyin", name="抖音", kind="social", utm_source="douyin"
    )
    care = strategies.strategy_create(
        actor=actor_of(owner), name="高价值关怀", action="care_task", segment="high_value"
    )
    retarget = strategies.strategy_create(
        actor=actor_of(owner),
        name="潜力再营销",
        action="retarget_list",
        segment="potential",
        channel_id=social.pk,
        holdout_percent=0,
    )
    winback = strategies.strategy_create(
        actor=actor_of(owner),
        name="流失召回",
        action="winback_coupon",
        segment="at_risk",
        coupon_batch_id=make_batch(None, name="回归礼满99减20").pk,
        holdout_percent=0,
    )

    # when the daily job runs every strategy as its owner
    assert strategies.strategies_run_scheduled() == {"runs": 3, "failed": 0}

    # then high value: one care task for user operations per consenting, not held-out buyer
    care_run = StrategyRun.objects.get(strategy=care)
    care_buyers = treated(care.pk, high[:4], 10)
    assert (care_run.matched, care_run.no_consent, care_run.acted) == (5, 1, len(care_buyers))
    assert care_run.held_out == 4 - len(care_buyers)
    tasks = WorkTask.objects.filter(source_type="marketing.strategy")
    assert sorted(tasks.values_list("source_id", flat=True)) == sorted(f"{care.pk}:{b}" for b in care_buyers)
    assert set(tasks.values_list("team", "kind")) == {("user_ops", "follow_up")}
    # potential: the retargeting list for the social channel, exported as CSV
    retarget_run = StrategyRun.objects.get(strategy=retarget)
    assert strategies.retarget_csv(run=retarget_run).splitlines() == [
        "channel,utm_source,buyer",
        *(f"douyin,douyin,{b.username}" for b in potential),
    ]
    # churn risk: a win-back coupon to the consenting buyers only
    assert sorted(Coupon.objects.unscoped(reason="test").values_list("buyer_id", flat=True)) == [
        b.pk for b in at_risk[:3]
    ]
    # nobody without consent is a target of any run
    assert not StrategyTarget.objects.filter(buyer__in=[high[4], at_risk[3]]).exists()

    # a second run opens no second care task and issues no second coupon
    again = strategies.strategy_run(actor=actor_of(owner), strategy_id=winback.pk)
    assert (again.acted, again.skipped) == (0, 3)
    assert strategies.strategy_run(actor=actor_of(owner), strategy_id=care.pk).acted == 0
    assert tasks.count() == len(care_buyers)


@pytest.mark.req("R4.1.2")
def test_a_run_is_measured_against_its_holdout() -> None:
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing.factories import make_merchant
    from mallops.testing.orders import make_order

    owner = make_staff("product_ops")
    buyers = segment("potential", 12)
    grant_consent(buyers, ["marketing"])
    social = services.channel_create(
        actor=actor_of(owner), code="wb", name="微博", kind="social", utm_source="weibo"
    )
    strategy = strategies.strategy_create(
        actor=actor_of(owner),
        name="潜力",
        action="retarget_list",
        segment="potential",
        channel_id=social.pk,
        holdout_percent=50,
    )
    run = strategies.strategy_run(
        actor=actor_of(owner), strategy_id=strategy.pk, now=timezone.now() - timedelta(minutes=1)
    )
    acted = treated(strategy.pk, buyers, 50)
    held = [b.pk for b in buyers if b.pk not in acted]
    assert acted and held
    # one acted-on buyer and no holdout buyer orders after the run
    merchant, _ = make_merchant()
    order = make_order(merchant, buyer=next(b for b in buyers if b.pk == acted[0]))
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)

    result = strategies.run_results(run=run)
    order.refresh_from_db()
    assert (result.reach, result.conversions, result.gmv_fen) == (len(acted), 1, order.paid_fen)
    assert (result.holdout_size, result.holdout_conversions) == (len(held), 0)
    assert result.uplift is not None and result.uplift * len(acted) == 1


def test_a_scheduled_run_acts_as_the_owner_and_records_a_refusal() -> None:
    from mallops.accounts.models import RoleGrant

    owner = make_staff("product_ops")
    segment("high_value", 1)
    strategy = strategies.strategy_create(
        actor=actor_of(owner), name="关怀", action="care_task", segment="high_value"
    )
    RoleGrant.objects.filter(user=owner).delete()  # the owner left product operations

    assert strategies.strategies_run_scheduled() == {"runs": 0, "failed": 1}
    run = StrategyRun.objects.get(strategy=strategy)
    assert (run.trigger, run.error, run.acted, run.targets.count()) == ("schedule", "permission_denied", 0, 0)
    assert not WorkTask.objects.filter(source_type="marketing.strategy").exists()
